using EdgeMobileNet.Station.State;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;

namespace EdgeMobileNet.Station.Systemd;

/// <summary>
/// Feeds systemd's watchdog (WatchdogSec=) from the pipeline's progress: every half period it sends WATCHDOG=1 only if
/// <see cref="HeartbeatMonitor"/> saw progress, so a stalled camera or a hung classification gets the service
/// restarted. .NET's systemd integration sends READY=1 and STOPPING=1 but never pings; it also only switches on when
/// the parent process is systemd itself. When it is not active but NOTIFY_SOCKET is set (systemd-run, a supervisor
/// that speaks the protocol, tests), this service sends READY=1 and STOPPING=1 too. Registered last, so READY=1 means
/// the model is loaded and every other service has started.
/// </summary>
internal sealed partial class SystemdWatchdogService : IHostedService, IDisposable
{
    private readonly NotifySocket? _socket;
    private readonly WatchdogSettings? _watchdog;
    private readonly bool _sendLifecycle;
    private readonly HeartbeatMonitor _monitor;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly TimeProvider _time;
    private readonly ILogger<SystemdWatchdogService> _logger;
    private readonly CancellationTokenSource _stopping = new();
    private Task _loop = Task.CompletedTask;

    public SystemdWatchdogService(
        SystemdWatchdogRequest request,
        PipelineHeartbeat heartbeat,
        RunState run,
        IHostLifetime hostLifetime,
        IHostApplicationLifetime lifetime,
        TimeProvider time,
        ILogger<SystemdWatchdogService> logger)
    {
        _socket = NotifySocket.FromEnvironment();
        _watchdog = _socket is null ? null : request.Watchdog;
        _sendLifecycle = hostLifetime is not SystemdLifetime;
        _lifetime = lifetime;
        _time = time;
        _logger = logger;
        _monitor = new HeartbeatMonitor(heartbeat, run.Counters, time, () => heartbeat.LoopsAlive);
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_socket is null)
        {
            return Task.CompletedTask;
        }

        _lifetime.ApplicationStarted.Register(OnStarted);
        _lifetime.ApplicationStopping.Register(OnStopping);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _loop.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public void Dispose()
    {
        _stopping.Dispose();
        _socket?.Dispose();
    }

    private void OnStarted()
    {
        if (_sendLifecycle)
        {
            _socket!.Send("READY=1");
        }

        if (_watchdog is { } w)
        {
            LogWatchdog(_logger, w.Timeout.TotalSeconds, w.PingInterval.TotalSeconds);
            _socket!.Send("WATCHDOG=1");
            _monitor.Reset();
            _loop = PingAsync(w.PingInterval, _stopping.Token);
        }
    }

    private void OnStopping()
    {
        // No pings once stopping: from here TimeoutStopSec= bounds the shutdown.
        _stopping.Cancel();
        if (_sendLifecycle)
        {
            _socket!.Send("STOPPING=1");
        }
    }

    private async Task PingAsync(TimeSpan interval, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(interval, _time);
        var last = PipelineHealth.Progressing;
        try
        {
            while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
            {
                var health = _monitor.Check();
                if (health == PipelineHealth.Progressing)
                {
                    _socket!.Send("WATCHDOG=1");
                    if (last != PipelineHealth.Progressing)
                    {
                        LogRecovered(_logger);
                    }
                }
                else if (health != last)
                {
                    LogStalled(_logger, health, interval.TotalSeconds);
                }

                last = health;
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "systemd watchdog: timeout {TimeoutSeconds:0.###} s, pinging every {IntervalSeconds:0.###} s while the pipeline makes progress")]
    private static partial void LogWatchdog(ILogger logger, double timeoutSeconds, double intervalSeconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "systemd watchdog: pipeline made no progress in {Seconds:0.###} s ({Health}); not pinging")]
    private static partial void LogStalled(ILogger logger, PipelineHealth health, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "systemd watchdog: pipeline progressing again; pinging")]
    private static partial void LogRecovered(ILogger logger);
}
