using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace EdgeMobileNet.ModelTools.Tests.Catalogue;

/// <summary>
/// A small HTTP/1.1 file server on 127.0.0.1 (a real socket): serves named byte arrays, honours single
/// <c>Range: bytes=N-</c> requests with 206 (unless told not to), and can cut a transfer after a number of body bytes
/// (the connection closes mid-body, as a dropped link does). Records every request's path and Range header.
/// </summary>
internal sealed class LoopbackFileServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Dictionary<string, byte[]> _files = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public LoopbackFileServer()
    {
        _listener.Start();
        _loop = Task.Run(AcceptLoop);
    }

    public Uri BaseUrl => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");

    /// <summary>Body bytes after which the next response is cut (then reset to unlimited).</summary>
    public long? CutAfter { get; set; }

    public bool HonourRange { get; set; } = true;

    public ConcurrentQueue<(string Path, string? Range)> Requests { get; } = new();

    public Uri Add(string path, byte[] content)
    {
        lock (_files)
        {
            _files[path] = content;
        }

        return new Uri(BaseUrl, path);
    }

    private async Task AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _ = Task.Run(() => Serve(client));
        }
    }

    private async Task Serve(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var reader = new StreamReader(stream, Encoding.ASCII, false, 1024, leaveOpen: true);
                var requestLine = await reader.ReadLineAsync();
                if (requestLine is null)
                {
                    return;
                }

                string? range = null;
                string? line;
                while (!string.IsNullOrEmpty(line = await reader.ReadLineAsync()))
                {
                    if (line.StartsWith("Range:", StringComparison.OrdinalIgnoreCase))
                    {
                        range = line[6..].Trim();
                    }
                }

                var path = requestLine.Split(' ')[1].TrimStart('/');
                Requests.Enqueue((path, range));
                byte[]? content;
                lock (_files)
                {
                    _files.TryGetValue(Uri.UnescapeDataString(path), out content);
                }

                if (content is null)
                {
                    await Write(stream, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                    return;
                }

                long from = 0;
                var status = "200 OK";
                var extra = "";
                if (range is not null && HonourRange && range.StartsWith("bytes=", StringComparison.Ordinal) && range.EndsWith('-'))
                {
                    from = long.Parse(range[6..^1], CultureInfo.InvariantCulture);
                    if (from >= content.Length)
                    {
                        await Write(stream, $"HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */{content.Length}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                        return;
                    }

                    status = "206 Partial Content";
                    extra = $"Content-Range: bytes {from}-{content.Length - 1}/{content.Length}\r\n";
                }

                var length = content.Length - from;
                await Write(stream, $"HTTP/1.1 {status}\r\nContent-Type: application/octet-stream\r\nContent-Length: {length}\r\nAccept-Ranges: bytes\r\n{extra}Connection: close\r\n\r\n");
                var send = length;
                if (CutAfter is { } cut)
                {
                    send = Math.Min(send, cut);
                    CutAfter = null;
                }

                for (var offset = 0L; offset < send; offset += 65536)
                {
                    await stream.WriteAsync(content.AsMemory((int)(from + offset), (int)Math.Min(65536, send - offset)));
                }

                await stream.FlushAsync();
            }
            catch (IOException)
            {
                // The client went away.
            }
        }
    }

    private static Task Write(NetworkStream stream, string text) => stream.WriteAsync(Encoding.ASCII.GetBytes(text)).AsTask();

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }

        _stop.Dispose();
    }
}
