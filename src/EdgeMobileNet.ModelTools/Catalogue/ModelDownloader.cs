using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using EdgeMobileNet.Inference;

namespace EdgeMobileNet.ModelTools.Catalogue;

/// <summary>Download progress: bytes on disk, total (null when the server does not say), bytes/s of this run, seconds left.</summary>
public readonly record struct DownloadProgress(long Bytes, long? Total, double Rate, double? EtaSeconds);

/// <summary>What a pull did.</summary>
public sealed record DownloadResult(string Path, string Sha256, long Bytes, long ResumedFrom, bool AlreadyPresent);

/// <summary>
/// Downloads one file to <c>DIR/name.partial</c>, resuming from what an earlier, interrupted run left there (an HTTP
/// Range request; a server that ignores it is read from the start again), hashes it and moves it into place only
/// when the SHA-256 matches. A wrong hash deletes the partial file.
/// </summary>
public sealed class ModelDownloader
{
    private readonly HttpClient _http;

    public ModelDownloader(HttpClient http) => _http = http;

    public const string PartialSuffix = ".partial";

    public async Task<DownloadResult> PullAsync(Uri url, string expectedSha256, string directory, string fileName, IProgress<DownloadProgress>? progress = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(url);
        expectedSha256 = expectedSha256.ToLowerInvariant();
        Directory.CreateDirectory(directory);
        var final = Path.Combine(directory, fileName);
        if (File.Exists(final) && await HashFileAsync(final, cancel).ConfigureAwait(false) == expectedSha256)
        {
            return new DownloadResult(final, expectedSha256, new FileInfo(final).Length, 0, AlreadyPresent: true);
        }

        var partial = final + PartialSuffix;
        var resumeFrom = File.Exists(partial) ? new FileInfo(partial).Length : 0;
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (resumeFrom > 0)
        {
            request.Headers.Range = new RangeHeaderValue(resumeFrom, null);
        }

        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new EdgeMobileNetException($"{url}: {e.Message}");
        }

        using (response)
        {
            if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable && resumeFrom > 0)
            {
                // The partial file already has every byte: verify it as it is.
                return await FinishAsync(url, partial, final, expectedSha256, resumeFrom, cancel).ConfigureAwait(false);
            }

            if (!response.IsSuccessStatusCode)
            {
                throw new EdgeMobileNetException($"{url}: HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
            }

            var append = resumeFrom > 0 && response.StatusCode == HttpStatusCode.PartialContent
                && response.Content.Headers.ContentRange?.From == resumeFrom;
            if (!append)
            {
                resumeFrom = 0;
            }

            long? total = response.Content.Headers.ContentLength is { } length ? length + resumeFrom : null;
            var buffer = new byte[81920];
            long bytes = resumeFrom;
            var started = Stopwatch.GetTimestamp();
            var lastReport = 0L;
            await using (var file = new FileStream(partial, append ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            {
                try
                {
                    await using var body = await response.Content.ReadAsStreamAsync(cancel).ConfigureAwait(false);
                    int read;
                    while ((read = await body.ReadAsync(buffer, cancel).ConfigureAwait(false)) > 0)
                    {
                        await file.WriteAsync(buffer.AsMemory(0, read), cancel).ConfigureAwait(false);
                        bytes += read;
                        var now = Stopwatch.GetTimestamp();
                        if (progress is not null && (Stopwatch.GetElapsedTime(lastReport, now).TotalMilliseconds >= 200 || bytes == total))
                        {
                            lastReport = now;
                            var rate = (bytes - resumeFrom) / Math.Max(Stopwatch.GetElapsedTime(started, now).TotalSeconds, 1e-6);
                            progress.Report(new DownloadProgress(bytes, total, rate, total is { } t && rate > 0 ? (t - bytes) / rate : null));
                        }
                    }
                }
                catch (Exception e) when (e is IOException or HttpRequestException)
                {
                    throw new EdgeMobileNetException($"{url}: transfer interrupted after {bytes} bytes ({e.Message}); {partial} is kept, run the same command again to resume");
                }
            }

            if (total is { } expected && bytes != expected)
            {
                throw new EdgeMobileNetException($"{url}: transfer interrupted after {bytes} of {expected} bytes; {partial} is kept, run the same command again to resume");
            }

            return await FinishAsync(url, partial, final, expectedSha256, resumeFrom, cancel).ConfigureAwait(false);
        }
    }

    private static async Task<DownloadResult> FinishAsync(Uri url, string partial, string final, string expected, long resumedFrom, CancellationToken cancel)
    {
        var actual = await HashFileAsync(partial, cancel).ConfigureAwait(false);
        if (actual != expected)
        {
            File.Delete(partial);
            throw new EdgeMobileNetException($"{url}: sha256 mismatch: expected {expected}, got {actual}; the download was discarded");
        }

        var length = new FileInfo(partial).Length;
        File.Move(partial, final, overwrite: true);
        return new DownloadResult(final, actual, length, resumedFrom, AlreadyPresent: false);
    }

    public static async Task<string> HashFileAsync(string path, CancellationToken cancel = default)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancel).ConfigureAwait(false));
    }

    /// <summary>True for 64 hex digits.</summary>
    public static bool IsSha256(string text) => text.Length == 64 && text.All(char.IsAsciiHexDigit);
}
