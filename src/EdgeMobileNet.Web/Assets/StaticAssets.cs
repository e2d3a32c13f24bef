using System.Collections.Frozen;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;

namespace EdgeMobileNet.Web.Assets;

/// <summary>The page's files, embedded in this assembly under `wwwroot/` and served from memory with an ETag.</summary>
internal sealed class StaticAssets
{
    private const string Prefix = "wwwroot/";
    private readonly FrozenDictionary<string, Asset> _assets;

    public StaticAssets()
    {
        var assembly = typeof(StaticAssets).Assembly;
        var assets = new Dictionary<string, Asset>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames())
        {
            if (!name.StartsWith(Prefix, StringComparison.Ordinal))
            {
                continue;
            }

            using var stream = assembly.GetManifestResourceStream(name)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var bytes = copy.ToArray();
            var etag = "\"" + Convert.ToHexStringLower(SHA256.HashData(bytes))[..16] + "\"";
            assets["/" + name[Prefix.Length..].Replace('\\', '/')] = new Asset(bytes, ContentType(name), etag);
        }

        _assets = assets.ToFrozenDictionary(StringComparer.Ordinal);
    }

    public IEnumerable<string> Paths => _assets.Keys;

    /// <summary>Writes the asset at <paramref name="path"/> (e.g. `/index.html`); false when there is none.</summary>
    public bool TryServe(HttpContext context, string path, out Task written)
    {
        if (!_assets.TryGetValue(path, out var asset))
        {
            written = Task.CompletedTask;
            return false;
        }

        var response = context.Response;
        response.Headers.ETag = asset.ETag;
        // Revalidated on every load: a station upgrade must not leave an old page script in a phone's cache.
        response.Headers.CacheControl = "no-cache";
        response.Headers.XContentTypeOptions = "nosniff";
        if (context.Request.Headers.IfNoneMatch == asset.ETag)
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            written = Task.CompletedTask;
            return true;
        }

        response.ContentType = asset.ContentType;
        response.ContentLength = asset.Bytes.Length;
        written = HttpMethods.IsHead(context.Request.Method)
            ? Task.CompletedTask
            : response.Body.WriteAsync(asset.Bytes, context.RequestAborted).AsTask();
        return true;
    }

    private static string ContentType(string name) => Path.GetExtension(name) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".svg" => "image/svg+xml",
        ".png" => "image/png",
        ".ico" => "image/x-icon",
        ".json" => "application/json",
        _ => "application/octet-stream",
    };

    private sealed record Asset(byte[] Bytes, string ContentType, string ETag);
}
