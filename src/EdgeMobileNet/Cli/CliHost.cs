using System.CommandLine;
using EdgeMobileNet.Inference;

namespace EdgeMobileNet.Cli;

/// <summary>
/// Runs a parsed command line under the team's error policy: a user error (<see cref="EdgeMobileNetException"/> or a
/// command-line mistake) is one line `edgemobilenet: message` on stderr and exit code 2; anything else is a bug and
/// gets its stack trace and exit code 1.
/// </summary>
internal static class CliHost
{
    public const int UserError = 2;
    public const int InternalError = 1;

    private static readonly string[] HelpTokens = ["-h", "--help", "-?", "/?", "/h", "--version"];

    /// <summary>
    /// Parses a command line. No verb means the station: `edgemobilenet [options]` is `edgemobilenet run [options]`,
    /// so a service unit needs no verb; only help and version requests stay with the root.
    /// </summary>
    public static ParseResult Parse(RootCommand root, string[] args)
    {
        var parsed = root.Parse(args);
        return parsed.CommandResult.Command == root && !args.Any(a => HelpTokens.Contains(a, StringComparer.Ordinal))
            ? root.Parse(["run", .. args])
            : parsed;
    }

    public static int Invoke(RootCommand root, string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (UnknownVerb(root, args) is { } unknown)
        {
            stderr.WriteLine($"edgemobilenet: {unknown}");
            return UserError;
        }

        var parsed = Parse(root, args);
        if (parsed.Errors.Count > 0)
        {
            stderr.WriteLine($"edgemobilenet: {OneLine(parsed.Errors[0].Message)}");
            return UserError;
        }

        var verbose = GlobalOptions.IsVerbose(parsed);
        try
        {
            return parsed.Invoke(new InvocationConfiguration
            {
                Output = stdout,
                Error = stderr,
                EnableDefaultExceptionHandler = false,
            });
        }
        catch (Exception e) when (Unwrap(e) is EdgeMobileNetException user)
        {
            stderr.WriteLine($"edgemobilenet: {OneLine(user.Message)}");
            if (verbose)
            {
                stderr.WriteLine(user.ToString());
            }

            return UserError;
        }
        catch (Exception e)
        {
            stderr.WriteLine($"edgemobilenet: internal error: {OneLine(Unwrap(e).Message)}");
            stderr.WriteLine(e.ToString());
            return InternalError;
        }
    }

    /// <summary>A first word that is neither a verb nor a setting (`Section:Key=value`) is a misspelt verb: without
    /// this it would be taken as the station's arguments and fail on something unrelated, such as a missing model.</summary>
    private static string? UnknownVerb(RootCommand root, string[] args)
    {
        if (args.Length == 0 || args[0].StartsWith('-') || args[0].StartsWith('/') || args[0].Contains(':') || args[0].Contains('='))
        {
            return null;
        }

        var verbs = root.Subcommands.Select(c => c.Name).ToArray();
        if (verbs.Contains(args[0], StringComparer.Ordinal))
        {
            return null;
        }

        var near = Station.Configuration.Spelling.Nearest(args[0], verbs, maxDistance: 2);
        return near is null
            ? $"unknown verb '{args[0]}' (verbs: {string.Join(", ", verbs)})"
            : $"unknown verb '{args[0]}'; did you mean '{near}'?";
    }

    public static string OneLine(string text) =>
        string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    private static Exception Unwrap(Exception e) =>
        e is AggregateException { InnerExceptions.Count: 1 } aggregate ? Unwrap(aggregate.InnerExceptions[0]) : e;
}
