using System.Collections.Concurrent;
using System.Globalization;

namespace Discovery.Testing.Internal;

/// <summary>
/// Every process the harness starts, so none outlives the test run: they are killed on ProcessExit, and their
/// pids are written to <c>{root}/pids</c> so that the next run kills the strays of a run that crashed.
/// </summary>
internal static class ProcessRegistry
{
    private static readonly ConcurrentDictionary<int, bool> Live = new();
    private static readonly Lazy<string> RunFolderLazy = new(CreateRunFolder);

    static ProcessRegistry() => AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();

    /// <summary>/dev/shm/discovery-tests when /dev/shm exists (etcd fsyncs are cheap there), else the temp folder.</summary>
    public static string Root { get; } = Directory.Exists("/dev/shm")
        ? "/dev/shm/discovery-tests"
        : Path.Combine(Path.GetTempPath(), "discovery-tests");

    /// <summary>The folder of this test process; created on first use, after strays of dead runs are reaped.</summary>
    public static string RunFolder => RunFolderLazy.Value;

    private static string PidFolder => Path.Combine(Root, "pids");

    private static int OwnerPid => Environment.ProcessId;

    /// <summary>
    /// Records a started process; <paramref name="marker"/> must appear in its command line. With
    /// <paramref name="ownGroup"/> the process leads its own process group, which is killed as a whole at exit.
    /// </summary>
    public static void Register(int pid, string marker, bool ownGroup = false)
    {
        _ = RunFolder;
        Live[pid] = ownGroup;
        var ownerStart = ProcFs.StartTime(OwnerPid) ?? 0;
        File.WriteAllText(PidFile(pid), string.Join('\n', pid.ToString(CultureInfo.InvariantCulture), marker, ownerStart.ToString(CultureInfo.InvariantCulture)));
    }

    /// <summary>Forgets a process that has exited.</summary>
    public static void Unregister(int pid)
    {
        Live.TryRemove(pid, out _);
        TryDeleteFile(PidFile(pid));
    }

    private static string PidFile(int pid) => Path.Combine(PidFolder, $"{OwnerPid}-{pid}");

    private static string CreateRunFolder()
    {
        Directory.CreateDirectory(PidFolder);
        ReapStrays();
        var folder = Path.Combine(Root, $"run-{OwnerPid}-{ProcFs.StartTime(OwnerPid) ?? 0}");
        Directory.CreateDirectory(folder);
        return folder;
    }

    private static void KillAll()
    {
        foreach (var (pid, ownGroup) in Live)
        {
            try
            {
                LibC.TrySignal(ownGroup ? -pid : pid, LibC.SigKill);
            }
            catch (InvalidOperationException)
            {
                // Best effort at process exit.
            }

            TryDeleteFile(PidFile(pid));
        }

        if (RunFolderLazy.IsValueCreated)
        {
            TryDeleteFolder(RunFolderLazy.Value);
        }
    }

    // Other test runs (other worktrees, parallel test projects) share the root: only touch what belongs to a dead owner.
    private static void ReapStrays()
    {
        foreach (var file in Directory.EnumerateFiles(PidFolder))
        {
            try
            {
                var owner = int.Parse(Path.GetFileName(file).Split('-')[0], CultureInfo.InvariantCulture);
                var lines = File.ReadAllLines(file);
                if (IsAlive(owner, long.Parse(lines[2], CultureInfo.InvariantCulture)))
                {
                    continue;
                }

                var pid = int.Parse(lines[0], CultureInfo.InvariantCulture);
                if (ProcFs.CommandLine(pid)?.Contains(lines[1], StringComparison.Ordinal) == true)
                {
                    LibC.TrySignal(pid, LibC.SigKill);
                }

                TryDeleteFile(file);
            }
            catch (Exception e) when (e is IOException or FormatException or IndexOutOfRangeException or InvalidOperationException)
            {
                TryDeleteFile(file);
            }
        }

        foreach (var folder in Directory.EnumerateDirectories(Root, "run-*"))
        {
            var parts = Path.GetFileName(folder).Split('-');
            if (parts.Length == 3
                && int.TryParse(parts[1], CultureInfo.InvariantCulture, out var owner)
                && long.TryParse(parts[2], CultureInfo.InvariantCulture, out var start)
                && !IsAlive(owner, start))
            {
                TryDeleteFolder(folder);
            }
        }
    }

    private static bool IsAlive(int pid, long startTime) => ProcFs.StartTime(pid) == startTime;

    /// <summary>Deletes a folder tree, ignoring failures (a process may still be writing into it).</summary>
    public static void TryDeleteFolder(string folder)
    {
        try
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: the next run reaps folders of dead owners.
        }
    }

    private static void TryDeleteFile(string file)
    {
        try
        {
            File.Delete(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort.
        }
    }
}
