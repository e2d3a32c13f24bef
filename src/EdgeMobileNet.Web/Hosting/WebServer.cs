using EdgeMobileNet.Web.Api;
using EdgeMobileNet.Web.Assets;
using EdgeMobileNet.Web.Auth;
using EdgeMobileNet.Web.Feed;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeMobileNet.Web.Hosting;

/// <summary>
/// Kestrel inside the station process, as one hosted service of the station's host: it starts after the pipeline
/// and stops first. A small web application of its own (routing and Kestrel only, no MVC) whose handlers read the
/// station through <see cref="IStationView"/> and <see cref="LiveFeed"/>.
/// </summary>
internal sealed partial class WebServer : IHostedService, IAsyncDisposable
{
    private static readonly TimeSpan StopBudget = TimeSpan.FromMilliseconds(500);
    private readonly WebOptions _options;
    private readonly IStationView _station;
    private readonly LiveFeed _feed;
    private readonly LatencyHistogram _latency;
    private readonly StationMeters _meters;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger<WebServer> _logger;
    private readonly TimeProvider _time;
    private readonly bool _printUrl;
    private readonly Learn.LearnEndpoints? _learn;
    private readonly CancellationTokenSource _stopping = new();
    private WebApplication? _app;
    private Task? _feedTask;

    public WebServer(
        IOptions<WebOptions> options,
        IStationView station,
        LiveFeed feed,
        LatencyHistogram latency,
        StationMeters meters,
        ILoggerFactory loggerFactory,
        TimeProvider time,
        WebLaunch launch,
        Learn.LearnEndpoints? learn = null)
    {
        _options = options.Value;
        _station = station;
        _feed = feed;
        _latency = latency;
        _meters = meters;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<WebServer>();
        _time = time;
        _printUrl = launch.PrintUrl;
        _learn = learn;
    }

    /// <summary>The addresses Kestrel listens on (ports resolved), once started.</summary>
    public IReadOnlyList<string> Addresses { get; private set; } = [];

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var urls = WebOptionsValidator.SplitUrls(_options.Urls);
        var gate = new TokenGate(TokenSource.Read(_options));
        try
        {
            _app = await StartAppAsync(urls, gate, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException ex) when (_printUrl)
        {
            // The demo must not fail because its usual port is taken (another demo, another program): any free port.
            LogPortTaken(_logger, _options.Urls, ex.Message);
            _app = await StartAppAsync([.. urls.Select(u => new UriBuilder(u) { Port = 0 }.Uri.GetLeftPart(UriPartial.Authority))], gate, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            throw new EdgeMobileNet.Inference.EdgeMobileNetException($"Web:Urls: cannot listen on {_options.Urls} ({ex.Message})", ex);
        }

        _feedTask = Task.Run(() => RunFeedAsync(_stopping.Token), CancellationToken.None);
        Addresses = [.. _app.Urls];
        foreach (var url in Addresses)
        {
            LogListening(_logger, url, gate.Required ? "token required" : "open (loopback)");
            if (_printUrl)
            {
                await Console.Out.WriteLineAsync($"page: {url}/").ConfigureAwait(false);
            }
        }
    }

    private async Task<WebApplication> StartAppAsync(IReadOnlyList<string> urls, TokenGate gate, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "edgemobilenet" });
        builder.WebHost.UseKestrelCore();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = 64 * 1024;
        });
        builder.WebHost.UseUrls([.. urls]);
        builder.Services.AddRoutingCore();
        builder.Services.AddSingleton(_loggerFactory);
        builder.Services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = StopBudget);
        // The station's host owns the process (signals, systemd); this inner one is started and stopped by it.
        builder.Services.AddSingleton<IHostLifetime, InnerLifetime>();

        var app = builder.Build();
        var endpoints = new WebEndpoints(_station, _feed, _latency, gate, new StaticAssets(), _time, _stopping.Token, _learn);
        endpoints.Map(app, _meters.Provider);
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return app;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // Live streams end first, so Kestrel's graceful stop has no open request to wait for.
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_app is not null)
        {
            using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            budget.CancelAfter(StopBudget);
            await _app.StopAsync(budget.Token).ConfigureAwait(false);
        }

        if (_feedTask is not null)
        {
            await _feedTask.ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync().ConfigureAwait(false);
        }

        _stopping.Dispose();
    }

    private async Task RunFeedAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _feed.RunAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
        catch (Exception ex)
        {
            // The page loses its pictures; the station goes on.
            LogFeedFailed(_logger, ex.Message, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Web page on {Url} ({Access})")]
    private static partial void LogListening(ILogger logger, string url, string access);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Web page: {Urls} is taken ({Reason}); the demo uses a free port instead")]
    private static partial void LogPortTaken(ILogger logger, string urls, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Live view frame encoder stopped: {Reason}")]
    private static partial void LogFeedFailed(ILogger logger, string reason, Exception exception);
}

/// <summary>A lifetime that leaves signals and the console to the station's host.</summary>
internal sealed class InnerLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>How the web server was started: with `--demo` it prints its address on stdout.</summary>
internal sealed record WebLaunch(bool PrintUrl);
