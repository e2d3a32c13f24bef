using System.CommandLine;
using EdgeMobileNet.Station.Hosting;

namespace EdgeMobileNet.Commands;

/// <summary>
/// `edgemobilenet snapshot --out x.jpg`: one frame from the source configured as for `run` (appsettings.json,
/// /etc/edgemobilenet/appsettings.json, EDGEMOBILENET__ variables, `--config`, `--Source:Key value`), as JPEG.
/// </summary>
internal static class SnapshotCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "JPEG file to write", Required = true };
        var config = new Option<string?>("--config") { Description = "Extra JSON settings file (above the standard ones)" };
        var timeout = new Option<double>("--timeout") { Description = "Seconds to wait for a frame", DefaultValueFactory = _ => 10 };
        var command = new Command("snapshot", "Grab one frame from the configured source (as `run` would) and write it as JPEG")
        {
            output, config, timeout,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(parse => StationSnapshot.RunAsync(
            new StationLaunch
            {
                ConfigFile = parse.GetValue(config),
                ConfigArgs = [.. parse.UnmatchedTokens],
                Error = parse.InvocationConfiguration.Error,
            },
            parse.GetValue(output)!,
            TimeSpan.FromSeconds(parse.GetValue(timeout))).GetAwaiter().GetResult());
        return command;
    }
}
