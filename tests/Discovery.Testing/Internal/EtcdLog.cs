namespace Discovery.Testing.Internal;

/// <summary>Reads the etcd log file (stdout and stderr) for error messages.</summary>
internal static class EtcdLog
{
    public static string Tail(string path, int lines = 30)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            var all = reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            return string.Join(Environment.NewLine, all.TakeLast(lines));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"(log {path} unreadable: {e.Message})";
        }
    }

    public static bool Contains(string path, string text) =>
        Tail(path, int.MaxValue).Contains(text, StringComparison.Ordinal);
}
