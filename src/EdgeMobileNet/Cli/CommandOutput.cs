using System.CommandLine;

namespace EdgeMobileNet.Cli;

/// <summary>The writers a verb prints to: the host's (tests pass their own), else the console.</summary>
internal static class CommandOutput
{
    public static TextWriter Out(this ParseResult result) => result.InvocationConfiguration.Output;

    public static TextWriter Error(this ParseResult result) => result.InvocationConfiguration.Error;

    /// <summary>Progress is for a person watching a terminal, never for a log file or a test harness.</summary>
    public static bool ShowsProgress(this ParseResult result) =>
        ReferenceEquals(result.InvocationConfiguration.Error, Console.Error) && !Console.IsErrorRedirected;
}
