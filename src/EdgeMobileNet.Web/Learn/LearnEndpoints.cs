using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using EdgeMobileNet.Station.Dataset;
using EdgeMobileNet.Station.Sinks;
using EdgeMobileNet.Web.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace EdgeMobileNet.Web.Learn;

/// <summary>
/// The labelling and training contract (docs/web.md, "Captures and training"): the dataset folder's images (paged,
/// lowest score first), their JPEGs, bulk label/unlabel/delete, the classes, capture-now, and the training job
/// (start, cancel, status with the report, deploy). Registered with `Capture:Enabled`; behind the same token gate
/// as every `/api/*` endpoint.
/// </summary>
internal sealed partial class LearnEndpoints(DatasetStore store, CaptureSink sink, IOptions<CaptureOptions> options, TrainingJob training)
{
    private const int MaxIds = 1000;

    public TrainingJob Training => training;

    public void Map(WebApplication app)
    {
        app.MapGet("/api/captures", ListAsync);
        app.MapGet("/api/captures/{id}.jpg", ImageAsync);
        app.MapPost("/api/captures/now", CaptureNowAsync);
        app.MapPost("/api/captures/label", c => BulkAsync(c, "label"));
        app.MapPost("/api/captures/unlabel", c => BulkAsync(c, "unlabel"));
        app.MapPost("/api/captures/delete", c => BulkAsync(c, "delete"));
        app.MapGet("/api/classes", ClassesAsync);
        MapTraining(app);
    }

    private Task ListAsync(HttpContext context)
    {
        var q = context.Request.Query;
        var offset = 0;
        var limit = 60;
        if (q.TryGetValue("offset", out var o) && !int.TryParse(o, NumberStyles.None, CultureInfo.InvariantCulture, out offset))
        {
            return Error(context, 400, "offset: a number (0 or more)");
        }

        if (q.TryGetValue("limit", out var l) && (!int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > 1000))
        {
            return Error(context, 400, "limit: 1..1000");
        }

        var sort = q.TryGetValue("sort", out var s) ? s.ToString() : "score";
        if (sort is not ("score" or "time"))
        {
            return Error(context, 400, "sort: score or time");
        }

        string? cls = q.TryGetValue("class", out var c) && c.ToString().Length > 0 ? c.ToString() : null;
        var all = cls == "*";
        if (cls is not null && !all && DatasetStore.ClassNameProblem(cls) is { } problem)
        {
            return Error(context, 400, "class: " + problem);
        }

        var (total, page) = store.List(all ? null : cls, all, sort == "time", offset, limit);
        var items = page.Select(e => new CaptureDto(
            e.Id, e.Class, e.Record?.Label, e.Record?.Score, e.Record?.Verdict, e.Record?.Reason, e.Record?.Time, e.Record?.Number, e.Record?.ModelSha256,
            $"/api/captures/{e.Id}.jpg")).ToArray();
        return Write(context, new CapturesDto(total, offset, items, Stats()), LearnJsonContext.Default.CapturesDto);
    }

    private CaptureStatsDto Stats()
    {
        var o = options.Value;
        var c = sink.Counters;
        return new CaptureStatsDto(store.Dir, store.Count, store.Bytes, o.MaxFiles, o.MaxMegabytes * 1024L * 1024L, c.Saved, c.DroppedBusy, c.DroppedFull, c.Failed);
    }

    private async Task ImageAsync(HttpContext context)
    {
        var id = (string?)context.Request.RouteValues["id"] ?? "";
        if (store.Find(id) is not { } entry)
        {
            await Error(context, 404, $"no image {id} in the dataset folder").ConfigureAwait(false);
            return;
        }

        byte[] bytes;
        try
        {
            bytes = await File.ReadAllBytesAsync(store.ImagePath(entry), context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            // Moved or deleted between the lookup and the read.
            await Error(context, 404, $"no image {id} in the dataset folder").ConfigureAwait(false);
            return;
        }

        context.Response.Headers.CacheControl = "private, max-age=3600";
        context.Response.ContentType = entry.Extension.ToLowerInvariant() switch
        {
            ".png" => "image/png",
            ".bmp" => "image/bmp",
            ".webp" => "image/webp",
            ".gif" => "image/gif",
            _ => "image/jpeg",
        };
        context.Response.ContentLength = bytes.Length;
        await context.Response.Body.WriteAsync(bytes, context.RequestAborted).ConfigureAwait(false);
    }

    private async Task CaptureNowAsync(HttpContext context)
    {
        var request = await Read(context, LearnJsonContext.Default.CaptureNowRequest).ConfigureAwait(false) ?? new CaptureNowRequest(null);
        if (request.Class is { } cls && DatasetStore.ClassNameProblem(cls) is { } problem)
        {
            await Error(context, 400, "class: " + problem).ConfigureAwait(false);
            return;
        }

        sink.Request("web", request.Class);
        await Write(context, new OkDto($"the next frame goes to {request.Class ?? "the inbox"}"), LearnJsonContext.Default.OkDto, 202).ConfigureAwait(false);
    }

    private async Task BulkAsync(HttpContext context, string action)
    {
        var request = await Read(context, LearnJsonContext.Default.BulkRequest).ConfigureAwait(false);
        if (request?.Ids is not { Length: > 0 and <= MaxIds } ids)
        {
            await Error(context, 400, $"body: {{\"ids\": [1..{MaxIds} image ids]{(action == "label" ? ", \"class\": \"name\"" : "")}}}").ConfigureAwait(false);
            return;
        }

        BulkOutcome outcome;
        if (action == "label")
        {
            if (DatasetStore.ClassNameProblem(request.Class) is { } problem)
            {
                await Error(context, 400, "class: " + problem).ConfigureAwait(false);
                return;
            }

            outcome = store.Label(ids, request.Class!);
        }
        else
        {
            outcome = action == "unlabel" ? store.Unlabel(ids) : store.Delete(ids);
        }

        await Write(context, new BulkDto(outcome.Changed, [.. outcome.Problems]), LearnJsonContext.Default.BulkDto, outcome.Changed == 0 && outcome.Problems.Count > 0 ? 409 : 200).ConfigureAwait(false);
    }

    private Task ClassesAsync(HttpContext context)
    {
        var (classes, inbox) = store.Classes();
        return Write(context, new ClassesDto([.. classes.Select(c => new ClassCountDto(c.Name, c.Count))], inbox), LearnJsonContext.Default.ClassesDto);
    }

    private static async Task<T?> Read<T>(HttpContext context, JsonTypeInfo<T> type)
        where T : class
    {
        try
        {
            return await JsonSerializer.DeserializeAsync(context.Request.Body, type, context.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static Task Error(HttpContext context, int status, string message) => Write(context, new ErrorDto(message), LearnJsonContext.Default.ErrorDto, status);

    private static async Task Write<T>(HttpContext context, T value, JsonTypeInfo<T> type, int status = StatusCodes.Status200OK)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        await JsonSerializer.SerializeAsync(context.Response.Body, value, type, context.RequestAborted).ConfigureAwait(false);
    }
}
