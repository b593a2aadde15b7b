using System.Runtime.InteropServices;

namespace Discovery.Testing.Internal;

/// <summary>POSIX signals sent straight through libc, so a paused (SIGSTOP) process can be resumed or killed.</summary>
internal static partial class LibC
{
    public const int SigKill = 9;
    public const int SigTerm = 15;
    public const int SigCont = 18;
    public const int SigStop = 19;

    private const int NoSuchProcess = 3; // ESRCH

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
#pragma warning disable SYSLIB1054 // LibraryImport would need AllowUnsafeBlocks
    private static extern int Kill(int pid, int signal);
#pragma warning restore SYSLIB1054

    /// <summary>Sends <paramref name="signal"/>; returns false when the process no longer exists.</summary>
    public static bool TrySignal(int pid, int signal)
    {
        if (Kill(pid, signal) == 0)
        {
            return true;
        }

        var error = Marshal.GetLastPInvokeError();
        if (error == NoSuchProcess)
        {
            return false;
        }

        throw new InvalidOperationException($"kill({pid}, {signal}) failed with errno {error}.");
    }
}
