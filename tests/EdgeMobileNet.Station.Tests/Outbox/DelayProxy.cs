using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace EdgeMobileNet.Station.Tests.Outbox;

/// <summary>A TCP proxy on loopback that delays every chunk by a fixed time in each direction (a slow link), and can
/// hold everything the broker sends on the connections open right now (PUBACKs, PINGRESPs) for a while, as a broker
/// that stalls would; it can also stop reading what the client sends for a while (the client's socket buffers fill and
/// its writes block, as they do over a congested link).</summary>
internal sealed class DelayProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _upstreamPort;
    private readonly TimeSpan _oneWay;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Link> _links = [];
    private readonly Task _accepting;

    private readonly int _receiveBuffer;

    private DelayProxy(int upstreamPort, TimeSpan oneWay, int receiveBuffer)
    {
        _upstreamPort = upstreamPort;
        _oneWay = oneWay;
        _receiveBuffer = receiveBuffer;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public int Connections { get; private set; }

    /// <summary>Starts a proxy; a <paramref name="receiveBuffer"/> (bytes) fixes the socket receive buffer on the
    /// client side, so that <see cref="PauseClientReads"/> blocks the client after little data.</summary>
    public static DelayProxy Start(int upstreamPort, TimeSpan oneWayDelay, int receiveBuffer = 0) => new(upstreamPort, oneWayDelay, receiveBuffer);

    /// <summary>What the broker sends on the connections open now reaches the client only after this long.</summary>
    public void HoldBrokerTraffic(TimeSpan duration)
    {
        lock (_links)
        {
            foreach (var link in _links)
            {
                link.HoldUntil = DateTime.UtcNow + duration;
            }
        }
    }

    /// <summary>Nothing the client sends on the connections open now is read for this long; once the socket buffers
    /// are full, the client's writes block part-way through a packet.</summary>
    public void PauseClientReads(TimeSpan duration)
    {
        lock (_links)
        {
            foreach (var link in _links)
            {
                link.ReadsPausedUntil = DateTime.UtcNow + duration;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        lock (_links)
        {
            foreach (var link in _links)
            {
                link.Close();
            }
        }

        try
        {
            await _accepting;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped.
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            if (_receiveBuffer > 0)
            {
                client.ReceiveBufferSize = _receiveBuffer;
            }
            var upstream = new TcpClient();
            await upstream.ConnectAsync(IPAddress.Loopback, _upstreamPort, _stop.Token);
            client.NoDelay = upstream.NoDelay = true;
            var link = new Link(client, upstream);
            lock (_links)
            {
                _links.Add(link);
                Connections++;
            }

            _ = PumpAsync(link, client.GetStream(), upstream.GetStream(), holdable: false);
            _ = PumpAsync(link, upstream.GetStream(), client.GetStream(), holdable: true);
        }
    }

    private async Task PumpAsync(Link link, NetworkStream from, NetworkStream to, bool holdable)
    {
        var chunks = Channel.CreateUnbounded<(DateTime Due, byte[] Data)>();
        var writing = Task.Run(async () =>
        {
            await foreach (var (due, data) in chunks.Reader.ReadAllAsync(_stop.Token))
            {
                while (true)
                {
                    var until = holdable && link.HoldUntil > due ? link.HoldUntil : due;
                    var wait = until - DateTime.UtcNow;
                    if (wait <= TimeSpan.Zero)
                    {
                        break;
                    }

                    await Task.Delay(wait, _stop.Token);
                }

                await to.WriteAsync(data, _stop.Token);
            }
        });
        try
        {
            var buffer = new byte[16384];
            while (true)
            {
                while (!holdable && link.ReadsPausedUntil - DateTime.UtcNow is { Ticks: > 0 } paused)
                {
                    await Task.Delay(paused, _stop.Token);
                }

                var n = await from.ReadAsync(buffer, _stop.Token);
                if (n == 0)
                {
                    break;
                }

                chunks.Writer.TryWrite((DateTime.UtcNow + _oneWay, buffer[..n]));
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // Either side went away.
        }

        chunks.Writer.TryComplete();
        try
        {
            await writing;
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // Either side went away.
        }

        link.Close();
        lock (_links)
        {
            _links.Remove(link);
        }
    }

    private sealed class Link(TcpClient client, TcpClient upstream)
    {
        public DateTime HoldUntil { get; set; }

        public DateTime ReadsPausedUntil { get; set; }

        public void Close()
        {
            client.Dispose();
            upstream.Dispose();
        }
    }
}
