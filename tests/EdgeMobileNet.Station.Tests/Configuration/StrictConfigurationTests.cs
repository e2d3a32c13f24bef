using EdgeMobileNet.Station.Tests.Support;
using EdgeMobileNet.Tests.Common;
using Xunit;

namespace EdgeMobileNet.Station.Tests.Configuration;

/// <summary>
/// The real executable with one mistake each, as a new user makes them: exit code 2 and exactly one line on stderr
/// naming the key (and, for a misspelling, the nearest known key), before anything starts.
/// </summary>
public sealed class StrictConfigurationTests
{
    /// <summary>Misspelt sections and keys are refused instead of silently ignored.</summary>
    public static TheoryData<string[], string> MisspeltKeys => new()
    {
        { ["--Sourse:Kind", "files"], "Sourse: unknown section; did you mean Source?" },
        { ["--Trigerr:Kind", "gpio"], "Trigerr: unknown section; did you mean Trigger?" },
        { ["--Source:Widht", "320"], "Source:Widht: unknown key; did you mean Source:Width?" },
        { ["--Outputs:0:Pinn", "17"], "Outputs:0:Pinn: unknown key; did you mean Outputs:0:Pin?" },
        { ["--Mqtt:Enable", "false"], "Mqtt:Enable: unknown key; did you mean Mqtt:Enabled?" },
    };

    /// <summary>Values that cannot be parsed are named by key, not reported as an internal error with a stack trace.</summary>
    public static TheoryData<string[], string> UnparsableValues => new()
    {
        { ["--Source:Width", "abc"], "Source:Width: 'abc' is not a whole number" },
        { ["--Mqtt:Enabled", "nope"], "Mqtt:Enabled: 'nope' is not true or false" },
        { ["--Source:Rate", "fast"], "Source:Rate: 'fast' is not a number" },
        { ["--Gpio:Driver", "wiringpi"], "Gpio:Driver: unknown value 'wiringpi' (expected one of: auto, libgpiod, simulated)" },
    };

    /// <summary>Values that parse but would break the station (or the machine) are refused with their key.</summary>
    public static TheoryData<string[], string> AbsurdValues => new()
    {
        { ["--Model:Threads", "100000"], "Model:Threads: must be 1..64, got 100000" },
        { ["--Mqtt:StateIntervalSeconds", "1e-9"], "Mqtt:StateIntervalSeconds: must be 0.1..3600, got 1E-09" },
        { ["--Mqtt:StateIntervalSeconds", "1e12"], "Mqtt:StateIntervalSeconds: must be 0.1..3600, got 1000000000000" },
        { ["--Source:Rate", "1e-300"], "Source:Rate: must be 0 or 0.01..1000, got 1E-300" },
        { ["--Trigger:Rate", "1e-300"], "Trigger:Rate: must be 0 or 0.01..1000, got 1E-300" },
        { ["--Mqtt:DrainTimeoutMs", "2147483647"], "Mqtt:DrainTimeoutMs: must be 0..60000, got 2147483647" },
        { ["--Model:Engine", "tpu"], "Model:Engine: unknown engine 'tpu' (expected one of: ort, managed, auto)" },
        { ["--Model:ResizeRatio", "0.5"], "Model:ResizeRatio: must be 1..4, got 0.5" },
        { ["--Model:Mean:0", "0.5"], "Model:Mean: needs 3 values (R, G, B), got 1" },
        { ["--Source:Rotate", "45"], "Source:Rotate: must be 0, 90, 180 or 270, got 45" },
        { ["--Source:Roi:Width", "500", "--Source:Roi:Height", "50"], "Source:Roi: 500x50 at 0,0 does not fit the 160x120 frame" },
        { ["--Source:Kind", "pipe", "--Source:Command", "cat", "--Source:Width", "150", "--Source:Stride", "100"], "Source:Stride: 100 bytes is less than a row of 150 I420 pixels (150)" },
    };

    [Theory]
    [MemberData(nameof(MisspeltKeys))]
    public Task Misspelt_key_exits_2_naming_it_and_the_nearest_key(string[] args, string expected) => AssertRefused(args, expected);

    [Theory]
    [MemberData(nameof(UnparsableValues))]
    public Task Unparsable_value_exits_2_naming_the_key(string[] args, string expected) => AssertRefused(args, expected);

    [Theory]
    [MemberData(nameof(AbsurdValues))]
    public Task Absurd_value_exits_2_naming_the_key(string[] args, string expected) => AssertRefused(args, expected);

    [Fact]
    public async Task Malformed_config_json_exits_2_naming_the_file()
    {
        var file = Path.Combine(TestAssets.NewTempDir(), "station.json");
        await File.WriteAllTextAsync(file, "{ \"Source\": { \"Kind\": \"files\", } ", TestContext.Current.CancellationToken);
        await AssertRefused(["--config", file], $"--config {file}: not valid JSON");
    }

    [Fact]
    public async Task Libgpiod_without_a_usable_chip_or_library_exits_2_naming_gpio_driver()
    {
        Assert.SkipWhen(File.Exists("/dev/gpiochip0"), "this machine has a gpiochip: libgpiod may work here");
        await AssertRefused(["--Gpio:Driver", "libgpiod"], "Gpio:Driver: libgpiod: ");
    }

    [Fact]
    public async Task A_misspelt_verb_is_named_instead_of_running_the_station()
    {
        var (code, stdout, stderr) = await StationProcess.RunAsync(["clasify", "--model", "m.onnx", "x.jpg"], TimeSpan.FromSeconds(30));
        Assert.Equal(2, code);
        Assert.Equal("edgemobilenet: unknown verb 'clasify'; did you mean 'classify'?", Assert.Single(Lines(stderr)));
        Assert.Equal("", stdout);
    }

    private static async Task AssertRefused(string[] args, string expected)
    {
        string[] baseArgs = ["run", .. TestModels.DemoArgs, "--Mqtt:Enabled", "false", "--Gpio:Driver", "simulated"];
        var (code, stdout, stderr) = await StationProcess.RunAsync([.. baseArgs, .. args], TimeSpan.FromSeconds(60));
        Assert.True(code == 2, $"exit code {code}, stderr: {stderr}");
        var line = Assert.Single(Lines(stderr));
        Assert.StartsWith("edgemobilenet: ", line);
        Assert.Contains(expected, line);
        Assert.Equal("", stdout.Trim());
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
