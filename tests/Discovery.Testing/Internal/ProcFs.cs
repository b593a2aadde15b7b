using System.Globalization;

namespace Discovery.Testing.Internal;

/// <summary>Reads /proc to tell a live process from a recycled pid.</summary>
internal static class ProcFs
{
    /// <summary>The process start time in clock ticks since boot (field 22 of /proc/pid/stat), or null when it is gone.</summary>
    public static long? StartTime(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(fields[19], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>The command line with arguments joined by spaces, or null when the process is gone.</summary>
    public static string? CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// True when every thread of the process is stopped (state T): SIGSTOP is delivered asynchronously, and a thread
    /// already running on another core can still serve a request right after kill() returned.
    /// </summary>
    public static bool IsStopped(int pid)
    {
        try
        {
            var threads = Directory.GetDirectories($"/proc/{pid}/task");
            return threads.Length > 0 && threads.All(t => State(File.ReadAllText(Path.Combine(t, "stat"))) is 'T' or 't');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static char State(string stat) => stat[stat.LastIndexOf(')') + 2];
}
