using System.Device.Gpio;
using EdgeMobileNet.Station.Configuration;
using EdgeMobileNet.Station.Gpio;
using EdgeMobileNet.Station.State;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace EdgeMobileNet.Station.Tests.Gpio;

public sealed class OutputBankTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly SimulatedGpioDriver _driver;
    private readonly GpioController _controller;

    public OutputBankTests()
    {
        _driver = new SimulatedGpioDriver(_time);
        _controller = new GpioController(_driver);
    }

    [Fact]
    public void Pulse_starts_delay_after_the_trigger_and_lasts_its_width()
    {
        using var bank = Bank(new OutputOptions { Pin = 17, Verdict = Verdict.Reject, Mode = OutputMode.Pulse, DelayMs = 300, PulseMs = 50 });
        bank.Open();
        var trigger = _time.GetTimestamp();
        _time.Advance(TimeSpan.FromMilliseconds(20)); // classification took 20 ms
        bank.Apply(Verdict.Reject, trigger);
        bank.Apply(Verdict.Pass, trigger); // not this output's verdict

        _time.Advance(TimeSpan.FromMilliseconds(279));
        Assert.Equal(PinValue.Low, _driver.Level(17));
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(PinValue.High, _driver.Level(17));
        _time.Advance(TimeSpan.FromMilliseconds(49));
        Assert.Equal(PinValue.High, _driver.Level(17));
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(PinValue.Low, _driver.Level(17));

        var changes = _driver.History.Where(c => c.Pin == 17).ToArray();
        Assert.Equal([PinValue.Low, PinValue.High, PinValue.Low], changes.Select(c => c.Value));
        Assert.Equal(TimeSpan.FromMilliseconds(300), _time.GetElapsedTime(trigger, changes[1].Timestamp));
        Assert.Equal(TimeSpan.FromMilliseconds(50), _time.GetElapsedTime(changes[1].Timestamp, changes[2].Timestamp));
    }

    [Fact]
    public void Level_output_follows_the_verdict_and_active_low_inverts()
    {
        using var bank = Bank(new OutputOptions { Pin = 27, Verdict = Verdict.Pass, Mode = OutputMode.Level, ActiveLow = true });
        bank.Open();
        Assert.Equal(PinValue.High, _driver.Level(27)); // safe = inactive = high for active-low
        bank.Apply(Verdict.Pass, _time.GetTimestamp());
        Assert.Equal(PinValue.Low, _driver.Level(27));
        bank.Apply(Verdict.Reject, _time.GetTimestamp());
        Assert.Equal(PinValue.High, _driver.Level(27));
    }

    [Fact]
    public void DriveSafe_cancels_pending_pulses_and_ends_active_ones()
    {
        using var bank = Bank(
            new OutputOptions { Pin = 5, Verdict = Verdict.Reject, Mode = OutputMode.Pulse, DelayMs = 0, PulseMs = 100 },
            new OutputOptions { Pin = 6, Verdict = Verdict.Reject, Mode = OutputMode.Pulse, DelayMs = 500, PulseMs = 100 });
        bank.Open();
        bank.Apply(Verdict.Reject, _time.GetTimestamp());
        Assert.Equal(PinValue.High, _driver.Level(5));
        bank.DriveSafe();
        Assert.Equal(PinValue.Low, _driver.Level(5));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(PinValue.Low, _driver.Level(6));
        Assert.DoesNotContain(_driver.History, c => c.Pin == 6 && c.Value == PinValue.High);
        bank.Apply(Verdict.Reject, _time.GetTimestamp()); // after stop: ignored
        Assert.Equal(PinValue.Low, _driver.Level(5));
    }

    [Fact]
    public void Overlapping_pulses_keep_the_pin_active_until_the_last_ends()
    {
        using var bank = Bank(new OutputOptions { Pin = 5, Verdict = Verdict.Reject, Mode = OutputMode.Pulse, DelayMs = 0, PulseMs = 100 });
        bank.Open();
        bank.Apply(Verdict.Reject, _time.GetTimestamp());
        _time.Advance(TimeSpan.FromMilliseconds(60));
        bank.Apply(Verdict.Reject, _time.GetTimestamp());
        _time.Advance(TimeSpan.FromMilliseconds(60));
        Assert.Equal(PinValue.High, _driver.Level(5));
        _time.Advance(TimeSpan.FromMilliseconds(40));
        Assert.Equal(PinValue.Low, _driver.Level(5));
    }

    private OutputBank Bank(params OutputOptions[] outputs) => new(_controller, outputs, _time, new LatencyStats());
}
