using System.Globalization;
using System.Text.RegularExpressions;
using EdgeMobileNet.Deploy.Tests.Support;
using EdgeMobileNet.Tests.Common;
using Xunit;

namespace EdgeMobileNet.Deploy.Tests.Systemd;

/// <summary>deploy/edgemobilenet.service through systemd's own tools, plus the settings the watchdog design needs.</summary>
public sealed partial class UnitFileTests
{
    private static string UnitPath => Path.Combine(TestAssets.RepoRoot, "deploy", "edgemobilenet.service");

    [Fact]
    public async Task Verify_IsClean_WithExecStartOnARealFile()
    {
        var analyze = Tool.Require("systemd-analyze", "systemd");
        // The unit as installed, with the executable path pointing at the freshly built one.
        var dir = TestAssets.NewTempDir();
        var unit = Path.Combine(dir, "edgemobilenet.service");
        var text = File.ReadAllText(UnitPath);
        Assert.Contains("ExecStart=/opt/edgemobilenet/edgemobilenet run", text);
        File.WriteAllText(unit, text.Replace("/opt/edgemobilenet/edgemobilenet", ChildProcess.Edgemobilenet, StringComparison.Ordinal));

        var (code, stdout, stderr) = await ChildProcess.RunAsync(analyze, ["verify", unit], TimeSpan.FromSeconds(60));
        Assert.True(code == 0, $"systemd-analyze verify exited {code}:\n{stdout}{stderr}");
        Assert.Equal("", (stdout + stderr).Trim());
    }

    [Fact]
    public async Task Verify_FailsForAMissingExecutable()
    {
        // The check above is only meaningful if verify looks at ExecStart at all.
        var analyze = Tool.Require("systemd-analyze", "systemd");
        var dir = TestAssets.NewTempDir();
        var unit = Path.Combine(dir, "edgemobilenet.service");
        var text = File.ReadAllText(UnitPath);
        File.WriteAllText(unit, text.Replace("/opt/edgemobilenet/edgemobilenet", Path.Combine(dir, "missing"), StringComparison.Ordinal));

        var (code, stdout, stderr) = await ChildProcess.RunAsync(analyze, ["verify", unit], TimeSpan.FromSeconds(60));
        Assert.NotEqual(0, code);
        Assert.Contains("is not executable", stdout + stderr);
    }

    [Fact]
    public async Task SecurityExposure_IsAtMost2_5()
    {
        var analyze = Tool.Require("systemd-analyze", "systemd");
        var (code, stdout, stderr) = await ChildProcess.RunAsync(
            analyze, ["security", "--offline=yes", "--no-pager", UnitPath], TimeSpan.FromSeconds(60));
        Assert.True(code == 0, $"systemd-analyze security exited {code}:\n{stdout}{stderr}");
        var m = ExposureLine().Match(stdout);
        Assert.True(m.Success, "no overall exposure line in:\n" + stdout);
        var exposure = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.InRange(exposure, 0, 2.5);
    }

    [Fact]
    public void Unit_HasNotifyWatchdogRestartDevicesAndGroups()
    {
        var unit = Parse(File.ReadAllText(UnitPath));
        Assert.Equal(["notify"], unit["Type"]);
        Assert.Equal(["main"], unit["NotifyAccess"]);
        var watchdog = int.Parse(Assert.Single(unit["WatchdogSec"]), CultureInfo.InvariantCulture);
        Assert.InRange(watchdog, 5, 120);
        Assert.Equal(["on-failure"], unit["Restart"]);
        Assert.Single(unit["StartLimitIntervalSec"]);
        Assert.Single(unit["StartLimitBurst"]);
        Assert.Equal(["edgemobilenet"], unit["User"]);
        var groups = unit["SupplementaryGroups"].SelectMany(g => g.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();
        Assert.Contains("gpio", groups);
        Assert.Contains("video", groups);
        Assert.Equal(["closed"], unit["DevicePolicy"]);
        Assert.Contains("char-gpiochip rw", unit["DeviceAllow"]);
        Assert.Contains("char-video4linux rw", unit["DeviceAllow"]);
        // The runtime compiles code at run time: W^X enforcement would kill it at start.
        Assert.False(unit.ContainsKey("MemoryDenyWriteExecute"));
    }

    [Fact]
    public void Unit_DoesNotRestartABadConfiguration()
    {
        // The station exits with 2 for a bad setting or input (one line naming it); a restart loop would only hide
        // that line among the retries until the start limit.
        var unit = Parse(File.ReadAllText(UnitPath));
        Assert.Equal(["2"], unit["RestartPreventExitStatus"]);
        Assert.Equal(["on-failure"], unit["Restart"]);
    }

    private static Dictionary<string, List<string>> Parse(string text)
    {
        var keys = new Dictionary<string, List<string>>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or ';' or '[')
            {
                continue;
            }

            var eq = line.IndexOf('=', StringComparison.Ordinal);
            var key = line[..eq];
            if (!keys.TryGetValue(key, out var values))
            {
                keys[key] = values = [];
            }

            values.Add(line[(eq + 1)..]);
        }

        return keys;
    }

    [GeneratedRegex(@"Overall exposure level for edgemobilenet\.service: ([0-9]+\.[0-9]+)")]
    private static partial Regex ExposureLine();
}
