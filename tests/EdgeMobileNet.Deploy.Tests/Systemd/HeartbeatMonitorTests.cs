using EdgeMobileNet.Station.State;
using EdgeMobileNet.Station.Systemd;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace EdgeMobileNet.Deploy.Tests.Systemd;

/// <summary>The progress rule behind the watchdog pings, one period at a time on a fake clock.</summary>
public sealed class HeartbeatMonitorTests
{
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(10);

    private readonly FakeTimeProvider _time = new();
    private readonly StationCounters _counters = new();
    private readonly PipelineHeartbeat _heartbeat;
    private bool _loopsRunning = true;

    public HeartbeatMonitorTests()
    {
        _heartbeat = new PipelineHeartbeat(_time);
    }

    [Fact]
    public void FramesClassified_IsProgress()
    {
        var monitor = NewMonitor();
        _time.Advance(Period / 2);
        Classify();
        _time.Advance(Period / 2);
        Assert.Equal(PipelineHealth.Progressing, monitor.Check());
    }

    [Fact]
    public void FramesWhileWaitingForATrigger_IsProgress()
    {
        var monitor = NewMonitor();
        for (var period = 0; period < 3; period++)
        {
            _counters.AddFrame();
            _time.Advance(Period);
            Assert.Equal(PipelineHealth.Progressing, monitor.Check());
        }
    }

    [Fact]
    public void NoFrame_IsNoFrames_EvenWhileWaitingForATrigger()
    {
        var monitor = NewMonitor();
        _counters.AddFrame();
        _time.Advance(Period);
        Assert.Equal(PipelineHealth.Progressing, monitor.Check());
        _time.Advance(Period);
        Assert.Equal(PipelineHealth.NoFrames, monitor.Check());
    }

    [Fact]
    public void ClassificationStartedInThePeriod_IsNotYetStuck()
    {
        var monitor = NewMonitor();
        _counters.AddFrame();
        _time.Advance(Period - TimeSpan.FromMilliseconds(1));
        _heartbeat.Begin();
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(PipelineHealth.Progressing, monitor.Check());
    }

    [Fact]
    public void ClassificationRunningForAWholePeriod_IsStuck_WhileTheCameraStillDelivers()
    {
        var monitor = NewMonitor();
        _counters.AddFrame();
        _heartbeat.Begin();
        _time.Advance(Period);
        Assert.Equal(PipelineHealth.Progressing, monitor.Check()); // started in that period
        _counters.AddFrame();
        _time.Advance(Period);
        Assert.Equal(PipelineHealth.ClassifierStuck, monitor.Check());
        _heartbeat.End();
        _counters.AddFrame();
        _time.Advance(Period);
        Assert.Equal(PipelineHealth.Progressing, monitor.Check());
    }

    [Fact]
    public void EndedLoop_IsLoopEnded_WhateverTheCounters()
    {
        var monitor = NewMonitor();
        Classify();
        _loopsRunning = false;
        _time.Advance(Period);
        Assert.Equal(PipelineHealth.LoopEnded, monitor.Check());
    }

    [Fact]
    public void Reset_StartsAFreshPeriod()
    {
        var monitor = NewMonitor();
        _counters.AddFrame();
        monitor.Reset();
        _time.Advance(Period);
        Assert.Equal(PipelineHealth.NoFrames, monitor.Check());
    }

    private HeartbeatMonitor NewMonitor() => new(_heartbeat, _counters, _time, () => _loopsRunning);

    private void Classify()
    {
        _counters.AddFrame();
        _heartbeat.Begin();
        _counters.AddClassified(Verdict.Pass);
        _heartbeat.End();
    }
}
