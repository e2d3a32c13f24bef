using System.Net;
using System.Security.Cryptography;

namespace EdgeMobileNet.Station.Models;

/// <summary>A deployment step failed: <see cref="Exception.Message"/> is one line, "step: reason".</summary>
internal sealed class ModelRefusedException(string step, string reason, Exception? inner = null)
    : Exception($"{step}: {reason}", inner)
{
    public string Step { get; } = step;
}

/// <summary>
/// Brings a model file into the store, hashing it on the way: a download (https://, or http:// to a loopback host
/// only, with a size cap and a time limit) or a copy of a local file. Either way the bytes that are hashed are the
/// bytes that are loaded.
/// </summary>
internal sealed class ModelFetcher(ModelStore store, HttpMessageHandler? handler = null) : IDisposable
{
    private readonly HttpClient _http = new(handler ?? new SocketsHttpHandler { AllowAutoRedirect = true, MaxAutomaticRedirections = 5 }, disposeHandler: true)
    {
        Timeout = Timeout.InfiniteTimeSpan, // the caller's limit applies to the whole download, body included
    };

    /// <summary>Checks a URL before anything is fetched; null when acceptable, else the reason.</summary>
    public static string? CheckUrl(Uri url) =>
        !url.IsAbsoluteUri ? "not an absolute URL"
        : url.Scheme == Uri.UriSchemeHttps ? null
        : url.Scheme == Uri.UriSchemeHttp && url.IsLoopback ? null
        : url.Scheme == Uri.UriSchemeHttp ? "plain http:// is accepted only from a loopback host; use https://"
        : $"unsupported scheme '{url.Scheme}' (https:// expected)";

    /// <summary>Downloads <paramref name="url"/> into a temporary file of the store; returns it and its SHA-256.</summary>
    public async Task<(string Path, string Sha256)> DownloadAsync(Uri url, long maxBytes, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (CheckUrl(url) is { } bad)
        {
            throw new ModelRefusedException("download", $"{url}: {bad}");
        }

        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        var part = store.NewPartPath();
        try
        {
            using var response = await _http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, limit.Token).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new ModelRefusedException("download", $"{url}: HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
            }

            if (response.Content.Headers.ContentLength is { } length && length > maxBytes)
            {
                throw new ModelRefusedException("download", $"{url}: {length} bytes is over the {maxBytes}-byte limit (Model:DownloadMaxMegabytes)");
            }

            await using var body = await response.Content.ReadAsStreamAsync(limit.Token).ConfigureAwait(false);
            var sha = await CopyHashingAsync(body, part, maxBytes, url.ToString(), limit.Token).ConfigureAwait(false);
            return (part, sha);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            Delete(part);
            throw new ModelRefusedException("download", $"{url}: not complete after {timeout.TotalSeconds:0} s (Model:DownloadTimeoutSeconds)");
        }
        catch (HttpRequestException e)
        {
            Delete(part);
            throw new ModelRefusedException("download", $"{url}: {Messages.OneLine(e.Message)}", e);
        }
        catch (IOException e)
        {
            Delete(part);
            throw new ModelRefusedException("download", $"{url}: {Messages.OneLine(e.Message)}", e);
        }
        catch
        {
            Delete(part);
            throw;
        }
    }

    /// <summary>Copies a local model file into a temporary file of the store; returns it and its SHA-256.</summary>
    public async Task<(string Path, string Sha256)> CopyAsync(string path, CancellationToken cancellationToken)
    {
        var part = store.NewPartPath();
        try
        {
            await using var source = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
            var sha = await CopyHashingAsync(source, part, long.MaxValue, path, cancellationToken).ConfigureAwait(false);
            return (part, sha);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            Delete(part);
            throw new ModelRefusedException("path", $"file not found: {path}", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Delete(part);
            throw new ModelRefusedException("path", $"cannot read {path} ({Messages.OneLine(e.Message)})", e);
        }
        catch
        {
            Delete(part);
            throw;
        }
    }

    public void Dispose() => _http.Dispose();

    private static async Task<string> CopyHashingAsync(Stream source, string target, long maxBytes, string name, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 16];
        long total = 0;
        await using (var file = new FileStream(target, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
        {
            int read;
            while ((read = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                total += read;
                if (total > maxBytes)
                {
                    throw new ModelRefusedException("download", $"{name}: more than the {maxBytes}-byte limit (Model:DownloadMaxMegabytes)");
                }

                hash.AppendData(buffer, 0, read);
                await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            }

            await file.FlushAsync(cancellationToken).ConfigureAwait(false);
            file.Flush(flushToDisk: true);
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static void Delete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Pruned at the next deployment.
        }
    }
}
