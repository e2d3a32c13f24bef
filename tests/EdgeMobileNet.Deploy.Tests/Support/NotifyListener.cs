using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace EdgeMobileNet.Deploy.Tests.Support;

/// <summary>
/// Plays systemd's side of the notification protocol: binds a Unix datagram socket (the path goes into NOTIFY_SOCKET)
/// and records every assignment received ("READY=1", "WATCHDOG=1", …) with the time it arrived.
/// </summary>
internal sealed class NotifyListener : IDisposable
{
    private readonly Socket _socket;
    private readonly List<(TimeSpan At, string State)> _messages = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Task _receiving;
    private readonly CancellationTokenSource _stop = new();

    public NotifyListener(string path)
    {
        Path = path;
        _socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        _socket.Bind(new UnixDomainSocketEndPoint(path));
        _receiving = Task.Run(ReceiveAsync);
    }

    public string Path { get; }

    public TimeSpan Now => _clock.Elapsed;

    public IReadOnlyList<(TimeSpan At, string State)> Messages
    {
        get
        {
            lock (_messages)
            {
                return [.. _messages];
            }
        }
    }

    public int Count(string state, TimeSpan? since = null) =>
        Messages.Count(m => m.State == state && m.At >= (since ?? TimeSpan.Zero));

    /// <summary>Waits until <paramref name="state"/> has arrived at least <paramref name="count"/> times since
    /// <paramref name="since"/>; false on timeout.</summary>
    public async Task<bool> WaitForAsync(string state, int count, TimeSpan timeout, TimeSpan? since = null)
    {
        var deadline = _clock.Elapsed + timeout;
        while (_clock.Elapsed < deadline)
        {
            if (Count(state, since) >= count)
            {
                return true;
            }

            await Task.Delay(20);
        }

        return Count(state, since) >= count;
    }

    public string Describe() =>
        string.Join(", ", Messages.Select(m => $"{m.At.TotalSeconds:0.00}s {m.State}"));

    public void Dispose()
    {
        _stop.Cancel();
        _socket.Dispose();
        try
        {
            _receiving.Wait(TimeSpan.FromSeconds(2));
        }
        catch (AggregateException)
        {
            // The receive loop ends with the socket.
        }

        _stop.Dispose();
        File.Delete(Path);
    }

    private async Task ReceiveAsync()
    {
        var buffer = new byte[4096];
        while (!_stop.IsCancellationRequested)
        {
            int n;
            try
            {
                n = await _socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            var at = _clock.Elapsed;
            // One datagram may carry several newline-separated assignments.
            foreach (var line in Encoding.UTF8.GetString(buffer, 0, n).Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                lock (_messages)
                {
                    _messages.Add((at, line));
                }
            }
        }
    }
}
