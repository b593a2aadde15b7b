namespace Discovery.Scenarios.Tests.Infrastructure;

/// <summary>Where the built sample apps are: the same configuration as this test assembly.</summary>
internal static class Samples
{
    public static string EchoServerDll => Find("EchoServer");

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

        return Path.Combine(root.FullName, "samples", project, "bin", configuration, framework, project + ".dll");
    }
}
