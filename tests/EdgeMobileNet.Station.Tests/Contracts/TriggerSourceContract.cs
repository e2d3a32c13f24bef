using System.Device.Gpio;
using EdgeMobileNet.Station.Configuration;
using EdgeMobileNet.Station.Frames;
using EdgeMobileNet.Station.Gpio;
using EdgeMobileNet.Station.State;
using EdgeMobileNet.Station.Triggers;
using Xunit;

namespace EdgeMobileNet.Station.Tests.Contracts;

/// <summary>What every <see cref="ITriggerSource"/> promises the loop; one subclass per implementation (an HTTP
/// trigger adds one more).</summary>
public abstract class TriggerSourceContract
{
    private protected RunState Run { get; } = new(TimeProvider.System);

    [Fact]
    public async Task A_trigger_yields_a_frame_captured_no_earlier_than_the_trigger_named_after_it()
    {
        var ct = TestContext.Current.CancellationToken;
        var slot = new LatestFrameSlot(TimeProvider.System, Run.Counters);
        using var trigger = Create(slot);
        trigger.Start();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var frames = new SyntheticFrameSource(new ConveyorScene(32, 24, 1, 4), 100, false, TimeProvider.System).RunAsync(slot, cts.Token);
        await Task.Delay(100, ct);

        var next = trigger.NextAsync(ct).AsTask();
        Fire(trigger);
        var got = await next.WaitAsync(TimeSpan.FromSeconds(10), ct);
        Assert.NotNull(got);
        Assert.Equal(trigger.Name, got.Trigger);
        Assert.True(got.Frame.CaptureTimestamp >= got.Timestamp, "the frame was captured before the trigger");
        Assert.True(got.Frame.Sequence >= 1);
        trigger.Release(got);

        await cts.CancelAsync();
        await frames.ContinueWith(_ => { }, TaskScheduler.Default);
    }

    [Fact]
    public async Task After_the_source_ended_the_trigger_yields_nothing_more()
    {
        var ct = TestContext.Current.CancellationToken;
        var slot = new LatestFrameSlot(TimeProvider.System, Run.Counters);
        using var trigger = Create(slot);
        trigger.Start();
        slot.End();
        var next = trigger.NextAsync(ct).AsTask();
        Fire(trigger);
        Assert.Null(await next.WaitAsync(TimeSpan.FromSeconds(10), ct));
    }

    [Fact]
    public void Drops_are_counted_only_where_the_loop_is_meant_to_keep_up() =>
        Assert.Equal(Name == "continuous", Create(new LatestFrameSlot(TimeProvider.System, Run.Counters)).CountsDrops);

    private protected abstract string Name { get; }

    private protected abstract ITriggerSource Create(LatestFrameSlot slot);

    /// <summary>Makes the trigger fire once, the way its real cause would (a pin edge, a message); continuous needs nothing.</summary>
    private protected abstract void Fire(ITriggerSource trigger);
}

public sealed class ContinuousTriggerContract : TriggerSourceContract
{
    private protected override string Name => "continuous";

    private protected override ITriggerSource Create(LatestFrameSlot slot) => new ContinuousTrigger(slot, 0, TimeProvider.System);

    private protected override void Fire(ITriggerSource trigger)
    {
    }
}

public sealed class MqttTriggerContract : TriggerSourceContract
{
    private protected override string Name => "mqtt";

    private protected override ITriggerSource Create(LatestFrameSlot slot) =>
        new MqttTrigger(new TriggerQueue(slot, TimeProvider.System, Run.Counters));

    private protected override void Fire(ITriggerSource trigger) => ((MqttTrigger)trigger).Fire();
}

public sealed class GpioTriggerContract : TriggerSourceContract
{
    private readonly SimulatedGpioDriver _driver = new(TimeProvider.System);

    private protected override string Name => "gpio";

    private protected override ITriggerSource Create(LatestFrameSlot slot) => new GpioTrigger(
        new GpioController(_driver),
        new TriggerOptions { Kind = TriggerKind.Gpio, Pin = 4, Edge = TriggerEdge.Rising, Pull = PinPull.Down, DebounceMs = 0 },
        new TriggerQueue(slot, TimeProvider.System, Run.Counters),
        TimeProvider.System);

    private protected override void Fire(ITriggerSource trigger)
    {
        _driver.SetInput(4, PinValue.High);
        _driver.SetInput(4, PinValue.Low);
    }
}
