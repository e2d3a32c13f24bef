using System.Device.Gpio;
using EdgeMobileNet.Station.Configuration;
using EdgeMobileNet.Station.Frames;
using EdgeMobileNet.Station.Gpio;
using EdgeMobileNet.Station.State;
using EdgeMobileNet.Station.Triggers;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace EdgeMobileNet.Station.Tests.Gpio;

public sealed class GpioEdgeTriggerTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly SimulatedGpioDriver _driver;
    private readonly GpioController _controller;
    private readonly TriggerQueue _queue;

    public GpioEdgeTriggerTests()
    {
        _driver = new SimulatedGpioDriver(_time);
        _controller = new GpioController(_driver);
        _queue = new TriggerQueue(new LatestFrameSlot(_time, new StationCounters()), _time, new StationCounters());
    }

    [Theory]
    [InlineData("rising", "down")]
    [InlineData("falling", "up")]
    public void Bouncing_press_and_release_give_one_trigger_stamped_at_the_first_transition(string edge, string pull)
    {
        using var trigger = new GpioEdgeTrigger(_controller, new TriggerOptions { Pin = 4, Edge = Enum.Parse<TriggerEdge>(edge, ignoreCase: true), Pull = Enum.Parse<PinPull>(pull, ignoreCase: true), DebounceMs = 5 }, _queue, _time);
        trigger.Start();
        var active = edge == "rising" ? PinValue.High : PinValue.Low;
        var rest = edge == "rising" ? PinValue.Low : PinValue.High;
        Assert.Equal(rest, _driver.Level(4)); // resting at the pull level

        var stamps = new List<long>();
        for (var press = 0; press < 3; press++)
        {
            stamps.Add(_time.GetTimestamp());
            Bounce(active, rest);
            _time.Advance(TimeSpan.FromMilliseconds(20)); // held
            Bounce(rest, active); // release bounces through the active level too
            _time.Advance(TimeSpan.FromMilliseconds(20));
        }

        var fired = new List<TriggerEvent>();
        while (_queue.Reader.TryRead(out var e))
        {
            fired.Add(e);
        }

        Assert.Equal(3, fired.Count);
        Assert.Equal(stamps, fired.Select(e => e.Timestamp));
        Assert.All(fired, e => Assert.Equal("gpio", e.Kind));
    }

    [Fact]
    public void A_glitch_shorter_than_the_debounce_time_is_ignored()
    {
        using var trigger = new GpioEdgeTrigger(_controller, new TriggerOptions { Pin = 4, Edge = TriggerEdge.Rising, Pull = PinPull.Down, DebounceMs = 5 }, _queue, _time);
        trigger.Start();
        _driver.SetInput(4, PinValue.High);
        _time.Advance(TimeSpan.FromMilliseconds(2));
        _driver.SetInput(4, PinValue.Low);
        _time.Advance(TimeSpan.FromMilliseconds(20));
        Assert.False(_queue.Reader.TryRead(out _));
    }

    private void Bounce(PinValue to, PinValue from)
    {
        for (var i = 0; i < 4; i++)
        {
            _driver.SetInput(4, to);
            _time.Advance(TimeSpan.FromMilliseconds(0.5));
            _driver.SetInput(4, from);
            _time.Advance(TimeSpan.FromMilliseconds(0.5));
        }

        _driver.SetInput(4, to);
    }
}
