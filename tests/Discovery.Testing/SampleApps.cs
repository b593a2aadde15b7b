namespace Discovery.Testing;

/// <summary>
/// Where the built sample apps are, for tests that run them as real processes: the sample's own bin folder, built in
/// the same configuration and for the same framework as the running test assembly.
/// </summary>
public static class SampleApps
{
    /// <summary>The built <c>samples/EchoServer</c> assembly.</summary>
    public static string EchoServerDll => Find("EchoServer");

    /// <summary>The built <c>samples/EchoClient</c> assembly.</summary>
    public static string EchoClientDll => Find("EchoClient");

    private static string Find(string project)
    {
        var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var framework = testBin.Name;
        var configuration = testBin.Parent!.Name;
        var root = testBin;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Discovery.sln")))
        {
            root = root.Parent;
        }

        if (root is null)
        {
            throw new InvalidOperationException($"No Discovery.sln above {AppContext.BaseDirectory}.");
        }

        var path = Path.Combine(root.FullName, "samples", project, "bin", configuration, framework, project + ".dll");
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException($"The {project} sample is not built: run `dotnet build Discovery.sln -c {configuration}` first.", path);
    }
}
