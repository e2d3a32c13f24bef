using System.CommandLine;

namespace EdgeMobileNet.Cli;

/// <summary>Options every verb accepts.</summary>
internal static class GlobalOptions
{
    public const string VerboseName = "--verbose";

    /// <summary>A fresh option per root: options remember their parents, so one instance must not be shared.</summary>
    public static Option<bool> CreateVerbose() => new(VerboseName)
    {
        Description = "Show stack traces and extra diagnostics",
        Recursive = true,
    };

    public static bool IsVerbose(ParseResult result) => result.GetValue<bool>(VerboseName);
}
