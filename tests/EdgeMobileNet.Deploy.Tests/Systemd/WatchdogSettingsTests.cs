using EdgeMobileNet.Inference;
using EdgeMobileNet.Station.Systemd;
using Xunit;

namespace EdgeMobileNet.Deploy.Tests.Systemd;

public sealed class WatchdogSettingsTests
{
    [Fact]
    public void PingsAtHalfTheTimeout()
    {
        var w = WatchdogSettings.Parse("20000000", null, 42)!;
        Assert.Equal(TimeSpan.FromSeconds(20), w.Timeout);
        Assert.Equal(TimeSpan.FromSeconds(10), w.PingInterval);
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("", null)]
    [InlineData("20000000", "41")] // meant for another process (we are a child of the watched one)
    public void NoWatchdog(string? usec, string? pid) => Assert.Null(WatchdogSettings.Parse(usec, pid, 42));

    [Fact]
    public void OwnPid_HasTheWatchdog() => Assert.NotNull(WatchdogSettings.Parse("1000000", "42", 42));

    [Theory]
    [InlineData("20s", null, "WATCHDOG_USEC: not a positive number of microseconds: '20s'")]
    [InlineData("0", null, "WATCHDOG_USEC: not a positive number of microseconds: '0'")]
    [InlineData("-5", null, "WATCHDOG_USEC: not a positive number of microseconds: '-5'")]
    [InlineData("1000000", "abc", "WATCHDOG_PID: not a process id: 'abc'")]
    public void Malformed_NamesTheVariable(string usec, string? pid, string message)
    {
        var e = Assert.Throws<EdgeMobileNetException>(() => WatchdogSettings.Parse(usec, pid, 42));
        Assert.Equal(message, e.Message);
    }
}
