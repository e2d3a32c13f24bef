using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using EdgeMobileNet.Station.State;
using EdgeMobileNet.Web.Assets;
using EdgeMobileNet.Web.Auth;
using EdgeMobileNet.Web.Feed;
using EdgeMobileNet.Web.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using OpenTelemetry.Metrics;

namespace EdgeMobileNet.Web.Api;

/// <summary>The HTTP contract (docs/web.md): the page and its files, login, `/healthz`, `/metrics`, `/api/*` and
/// the live stream. Plain request delegates and source-generated JSON, so the trimmed release keeps all of it.</summary>
internal sealed class WebEndpoints
{
    private static readonly TimeSpan StateInterval = TimeSpan.FromSeconds(1);

    /// <summary>The stream sends in batches at most this often, and at most <see cref="ResultsPerBatch"/> results
    /// in each (the newest), so a station classifying a thousand frames a second does not flood a phone.</summary>
    private static readonly TimeSpan BatchInterval = TimeSpan.FromMilliseconds(100);

    private const int ResultsPerBatch = 10;
    private readonly IStationView _station;
    private readonly LiveFeed _feed;
    private readonly LatencyHistogram _latency;
    private readonly TokenGate _gate;
    private readonly StaticAssets _assets;
    private readonly TimeProvider _time;
    private readonly CancellationToken _stopping;
    private readonly DateTimeOffset _started;
    private readonly Learn.LearnEndpoints? _learn;

    public WebEndpoints(IStationView station, LiveFeed feed, LatencyHistogram latency, TokenGate gate, StaticAssets assets, TimeProvider time, CancellationToken stopping, Learn.LearnEndpoints? learn = null)
    {
        _learn = learn;
        _station = station;
        _feed = feed;
        _latency = latency;
        _gate = gate;
        _assets = assets;
        _time = time;
        _stopping = stopping;
        _started = time.GetUtcNow();
    }

    public void Map(WebApplication app, MeterProvider meterProvider)
    {
        app.Use(SecurityHeadersAndGate);
        app.UseRouting();
        app.MapGet("/login", c => ServeAsset(c, "/login.html"));
        app.MapPost("/login", LoginAsync);
        app.MapPost("/logout", Logout);
        app.MapGet("/healthz", HealthzAsync);
        app.MapGet("/api/state", c => WriteJson(c, State(), WebJsonContext.Default.StateDto));
        app.MapGet("/api/events", EventsAsync);
        app.MapGet("/api/frame/latest.jpg", c => FrameAsync(c, _feed.Latest()));
        app.MapGet("/api/frame/{number:long}.jpg", c => FrameAsync(c, _feed.Frame(long.Parse((string)c.Request.RouteValues["number"]!, CultureInfo.InvariantCulture))));
        app.MapGet("/api/stream", StreamAsync);
        app.MapPost("/api/gpio/trigger", TriggerAsync);
        app.MapPost("/api/gpio/pulse", PulseAsync);
        _learn?.Map(app);
        app.MapPrometheusScrapingEndpoint("/metrics", meterProvider, null, null);
        app.MapGet("/", c => ServeAsset(c, "/index.html"));
        app.MapGet("/{**path}", c => ServeAsset(c, c.Request.Path.Value ?? "/"));
    }

    internal StateDto State()
    {
        var now = _time.GetUtcNow();
        return new StateDto(
            _station.StationId,
            _station.RunId,
            now,
            Math.Round((now - _started).TotalSeconds, 3),
            _station.Health(),
            _station.Counters(),
            _latency.Snapshot(),
            _station.Mqtt(),
            _station.Model(),
            _station.Trigger(),
            _station.Gpio(),
            _feed.LastNumber);
    }

    /// <summary>Every request: no framing by other sites, no sniffing; then the token (when one is configured).
    /// The login page and the stylesheet it uses are open.</summary>
    private async Task SecurityHeadersAndGate(HttpContext context, RequestDelegate next)
    {
        var headers = context.Response.Headers;
        headers.XFrameOptions = "DENY";
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.ContentSecurityPolicy = "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'";
        var path = context.Request.Path.Value ?? "/";

        // Without a token the server is on loopback only; a Host other than a loopback name means a page elsewhere
        // reached it through DNS rebinding. Actions take JSON only, which a page of another site cannot send here
        // without a preflight this server never grants.
        if (!_gate.Required && !WebOptionsValidator.IsLoopback(context.Request.Host.Host))
        {
            await WriteJson(context, new ErrorDto("Host must be a loopback address (set Web:Token to serve other names)"), WebJsonContext.Default.ErrorDto, StatusCodes.Status403Forbidden).ConfigureAwait(false);
            return;
        }

        if (HttpMethods.IsPost(context.Request.Method) && path.StartsWith("/api/", StringComparison.Ordinal) && !context.Request.HasJsonContentType())
        {
            await WriteJson(context, new ErrorDto("Content-Type: application/json required"), WebJsonContext.Default.ErrorDto, StatusCodes.Status415UnsupportedMediaType).ConfigureAwait(false);
            return;
        }

        if (_gate.IsAuthorized(context.Request) || path is "/login" or "/app.css" or "/favicon.svg")
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        if (path == "/" || path.EndsWith(".html", StringComparison.Ordinal))
        {
            context.Response.Redirect("/login");
            return;
        }

        context.Response.Headers.WWWAuthenticate = "Bearer";
        await WriteJson(context, new ErrorDto("token required: Authorization: Bearer <token>, or log in at /login"), WebJsonContext.Default.ErrorDto, StatusCodes.Status401Unauthorized).ConfigureAwait(false);
    }

    private async Task LoginAsync(HttpContext context)
    {
        if (!_gate.Required)
        {
            context.Response.Redirect("/", permanent: false);
            return;
        }

        string? token = null;
        if (context.Request.HasFormContentType)
        {
            var form = await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
            token = form["token"].ToString();
        }

        if (!_gate.IsToken(token))
        {
            await TokenGate.PenaltyAsync(context.RequestAborted).ConfigureAwait(false);
            context.Response.Redirect("/login#failed");
            return;
        }

        context.Response.Cookies.Append(TokenGate.CookieName, _gate.SessionValue, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = context.Request.IsHttps,
            Path = "/",
            MaxAge = TimeSpan.FromDays(30),
        });
        context.Response.StatusCode = StatusCodes.Status303SeeOther;
        context.Response.Headers.Location = "/";
    }

    private Task Logout(HttpContext context)
    {
        context.Response.Cookies.Delete(TokenGate.CookieName, new CookieOptions { Path = "/" });
        context.Response.StatusCode = StatusCodes.Status303SeeOther;
        context.Response.Headers.Location = "/login";
        return Task.CompletedTask;
    }

    private Task HealthzAsync(HttpContext context)
    {
        var health = _station.Health();
        var ok = health.State == "running";
        return WriteJson(
            context,
            new HealthzDto(health.State, health.Reasons, _station.StationId, _station.RunId),
            WebJsonContext.Default.HealthzDto,
            ok ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }

    private Task EventsAsync(HttpContext context)
    {
        var query = context.Request.Query;
        long since = 0;
        var limit = 100;
        if (query.TryGetValue("since", out var s) && !long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out since))
        {
            return BadRequest(context, "since: a result number (0 or more)");
        }

        if (query.TryGetValue("limit", out var l) && (!int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > 10_000))
        {
            return BadRequest(context, "limit: 1..10000");
        }

        var events = _feed.Since(since, limit);
        return WriteJson(context, new EventsDto(_station.RunId, _feed.LastNumber, [.. events]), WebJsonContext.Default.EventsDto);
    }

    private static Task FrameAsync(HttpContext context, LiveFrame? frame)
    {
        if (frame is null)
        {
            return WriteJson(context, new ErrorDto("no such frame (kept: the newest Web:RecentFrames)"), WebJsonContext.Default.ErrorDto, StatusCodes.Status404NotFound);
        }

        var headers = context.Response.Headers;
        headers.CacheControl = "no-store";
        headers["X-Result-Number"] = frame.Number.ToString(CultureInfo.InvariantCulture);
        headers["X-Region-Of-Interest"] = string.Create(CultureInfo.InvariantCulture, $"{frame.Roi.X},{frame.Roi.Y},{frame.Roi.Width},{frame.Roi.Height}");
        context.Response.ContentType = "image/jpeg";
        context.Response.ContentLength = frame.Jpeg.Length;
        return context.Response.Body.WriteAsync(frame.Jpeg, context.RequestAborted).AsTask();
    }

    /// <summary>Server-sent events: `hello` once, then `result` per classification, `frame` when a live-view JPEG
    /// is ready and `state` every second. The browser reconnects by itself (`retry: 1000`).</summary>
    private async Task StreamAsync(HttpContext context)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping);
        var ct = linked.Token;
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        var subscriber = _feed.Subscribe();
        try
        {
            var body = response.Body;
            await WriteSse(body, "hello", new OkDto(_station.RunId), WebJsonContext.Default.OkDto, "retry: 1000\n", ct).ConfigureAwait(false);
            await WriteSse(body, "state", State(), WebJsonContext.Default.StateDto, null, ct).ConfigureAwait(false);
            await body.FlushAsync(ct).ConfigureAwait(false);
            var nextState = _time.GetTimestamp() + (long)(StateInterval.TotalSeconds * _time.TimestampFrequency);
            var frames = subscriber.Frames.Reader;
            // From now on: the page fetches what came before from /api/events.
            var sent = _feed.LastNumber;
            var training = _learn?.Training;
            var trainingSent = -1L;
            while (!ct.IsCancellationRequested)
            {
                await Task.Delay(BatchInterval, _time, ct).ConfigureAwait(false);
                foreach (var r in _feed.Since(sent, ResultsPerBatch))
                {
                    await WriteSse(body, "result", r, WebJsonContext.Default.ResultSnapshot, null, ct).ConfigureAwait(false);
                    sent = r.Number;
                }

                while (frames.TryRead(out var f))
                {
                    var dto = new FrameDto(f.Number, f.Width, f.Height, f.Roi, $"/api/frame/{f.Number}.jpg");
                    await WriteSse(body, "frame", dto, WebJsonContext.Default.FrameDto, null, ct).ConfigureAwait(false);
                }

                if (training is not null && training.Version != trainingSent)
                {
                    var status = training.Status();
                    await WriteSse(body, "training", status, Learn.LearnJsonContext.Default.TrainingStatusDto, null, ct).ConfigureAwait(false);
                    trainingSent = status.Version;
                }

                if (_time.GetTimestamp() >= nextState)
                {
                    await WriteSse(body, "state", State(), WebJsonContext.Default.StateDto, null, ct).ConfigureAwait(false);
                    nextState = _time.GetTimestamp() + (long)(StateInterval.TotalSeconds * _time.TimestampFrequency);
                }

                await body.FlushAsync(ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // The client went away or the station is stopping.
        }
        catch (IOException)
        {
            // The connection broke.
        }
        finally
        {
            _feed.Unsubscribe(subscriber);
        }
    }

    private async Task TriggerAsync(HttpContext context)
    {
        if (!_station.Commissioning)
        {
            await Conflict(context, "only with the simulated GPIO driver (Gpio:Driver simulated)").ConfigureAwait(false);
            return;
        }

        if (!await _station.FireTriggerAsync(context.RequestAborted).ConfigureAwait(false))
        {
            await Conflict(context, "no gpio trigger input (Trigger:Kind is not gpio)").ConfigureAwait(false);
            return;
        }

        await WriteJson(context, new OkDto("trigger fired"), WebJsonContext.Default.OkDto).ConfigureAwait(false);
    }

    private async Task PulseAsync(HttpContext context)
    {
        if (!_station.Commissioning)
        {
            await Conflict(context, "only with the simulated GPIO driver (Gpio:Driver simulated)").ConfigureAwait(false);
            return;
        }

        PulseRequest? request;
        try
        {
            request = await JsonSerializer.DeserializeAsync(context.Request.Body, WebJsonContext.Default.PulseRequest, context.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException)
        {
            request = null;
        }

        if (request is null || request.Ms is < 1 or > 10_000)
        {
            await BadRequest(context, "body: {\"pin\": N, \"ms\": 1..10000}").ConfigureAwait(false);
            return;
        }

        if (!await _station.PulseAsync(request.Pin, request.Ms, context.RequestAborted).ConfigureAwait(false))
        {
            await BadRequest(context, $"pin {request.Pin} is not an output of the station").ConfigureAwait(false);
            return;
        }

        await WriteJson(context, new OkDto($"pin {request.Pin} pulsed {request.Ms} ms"), WebJsonContext.Default.OkDto).ConfigureAwait(false);
    }

    private Task ServeAsset(HttpContext context, string path)
    {
        if (_assets.TryServe(context, path, out var written))
        {
            return written;
        }

        return WriteJson(context, new ErrorDto("not found"), WebJsonContext.Default.ErrorDto, StatusCodes.Status404NotFound);
    }

    private static Task BadRequest(HttpContext context, string message) =>
        WriteJson(context, new ErrorDto(message), WebJsonContext.Default.ErrorDto, StatusCodes.Status400BadRequest);

    private static Task Conflict(HttpContext context, string message) =>
        WriteJson(context, new ErrorDto(message), WebJsonContext.Default.ErrorDto, StatusCodes.Status409Conflict);

    private static async Task WriteJson<T>(HttpContext context, T value, JsonTypeInfo<T> type, int status = StatusCodes.Status200OK)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        await JsonSerializer.SerializeAsync(context.Response.Body, value, type, context.RequestAborted).ConfigureAwait(false);
    }

    private static async Task WriteSse<T>(Stream body, string name, T value, JsonTypeInfo<T> type, string? prefix, CancellationToken ct)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(value, type);
        var head = Encoding.UTF8.GetBytes($"{prefix}event: {name}\ndata: ");
        await body.WriteAsync(head, ct).ConfigureAwait(false);
        await body.WriteAsync(json, ct).ConfigureAwait(false);
        await body.WriteAsync("\n\n"u8.ToArray(), ct).ConfigureAwait(false);
    }
}
