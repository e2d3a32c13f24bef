using EdgeMobileNet.Station.Tests.Support;
using EdgeMobileNet.Tests.Common;
using Xunit;

namespace EdgeMobileNet.Station.Tests.Configuration;

/// <summary>The real executable with one bad key each: exit code 2, one line naming the key, nothing started.</summary>
public sealed class BadConfigTests
{
    public static TheoryData<string, string[], string> Cases => new()
    {
        { "unknown source kind", ["--Source:Kind", "webcam"], "Source:Kind: unknown value 'webcam' (expected one of: synthetic, files, pipe, v4l2, rpicam)" },
        { "missing model file", ["--model", "/nonexistent/model.onnx"], "Model:Path: file not found: /nonexistent/model.onnx" },
        { "pin out of range", ["--Outputs:0:Pin", "99", "--Outputs:0:Verdict", "reject"], "Outputs:0:Pin: pin 99 is out of range 0..27" },
        { "negative rate", ["--Source:Rate=-5"], "Source:Rate: must be 0 or 0.01..1000, got -5" },
        { "unknown verdict", ["--Decision:Rules:0:Class", "red", "--Decision:Rules:0:Verdict", "scrap"], "Decision:Rules:0:Verdict: unknown value 'scrap' (expected one of: pass, reject, unknown)" },
        { "unknown outbox kind", ["--Outbox:Kind", "sqlite"], "Outbox:Kind: 'sqlite' is not disk or memory" },
        { "no events in flight", ["--Mqtt:MaxInFlight", "0"], "Mqtt:MaxInFlight: " },
        { "removed queue capacity", ["--Mqtt:QueueCapacity", "10000"], "Mqtt:QueueCapacity: removed; events wait in the outbox now: bound them with Outbox:MaxMegabytes" },
        { "broker packet limit", ["--Mqtt:BrokerMaxPacketKilobytes", "0"], "Mqtt:BrokerMaxPacketKilobytes: " },
        { "trigger pin out of range", ["--Trigger:Kind", "gpio", "--Trigger:Pin", "40"], "Trigger:Pin: pin 40 is out of range 0..27" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Bad_setting_exits_2_with_one_line_naming_the_key(string what, string[] args, string expected)
    {
        var model = Path.Combine(TestAssets.NewTempDir(), "exists.onnx");
        await File.WriteAllTextAsync(model, "not checked before the settings are valid", TestContext.Current.CancellationToken);
        string[] baseArgs = ["run", "--Model:Path", model, "--Mqtt:Enabled", "false", "--Gpio:Driver", "simulated"];
        var (code, stdout, stderr) = await StationProcess.RunAsync([.. baseArgs, .. args], TimeSpan.FromSeconds(30));

        Assert.True(code == 2, $"{what}: exit code {code}, stderr: {stderr}");
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var line = Assert.Single(lines);
        Assert.StartsWith("edgemobilenet: ", line);
        Assert.Contains(expected, line);
        Assert.Equal("", stdout.Trim());
    }

    [Fact]
    public async Task Environment_variables_are_read_and_named_in_errors_by_key()
    {
        var env = new Dictionary<string, string> { ["EDGEMOBILENET__Trigger__Kind"] = "laser" };
        var (code, _, stderr) = await StationProcess.RunAsync(["run", "--Mqtt:Enabled", "false"], TimeSpan.FromSeconds(30), env);
        Assert.Equal(2, code);
        Assert.Contains("Trigger:Kind: unknown value 'laser' (expected one of: continuous, gpio, mqtt)", stderr);
    }

    [Fact]
    public async Task Missing_config_file_is_named()
    {
        var (code, _, stderr) = await StationProcess.RunAsync(["run", "--config", "/nonexistent/station.json"], TimeSpan.FromSeconds(30));
        Assert.Equal(2, code);
        Assert.Contains("--config: file not found: /nonexistent/station.json", stderr);
    }
}
