namespace Discovery.Cli;

/// <summary>A failure the tool reports with a message for the operator and one of the <see cref="ExitCodes"/>.</summary>
internal sealed class CliException : Exception
{
    public CliException(int exitCode, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        ExitCode = exitCode;
    }

    public CliException()
    {
    }

    public CliException(string message)
        : base(message)
    {
    }

    public CliException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The process's exit code.</summary>
    public int ExitCode { get; } = ExitCodes.Failure;
}
