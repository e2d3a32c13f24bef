using System.Net.Sockets;
using System.Text;

namespace EdgeMobileNet.Station.Systemd;

/// <summary>
/// The sender side of systemd's notification protocol (sd_notify): one datagram of newline-separated KEY=VALUE
/// assignments to the Unix socket named by NOTIFY_SOCKET. A leading '@' names a socket in the abstract namespace.
/// Sending never throws: a service manager that went away must not take the pipeline down with it.
/// </summary>
internal sealed class NotifySocket : IDisposable
{
    private readonly Socket _socket;
    private readonly UnixDomainSocketEndPoint _endPoint;
    private readonly Lock _gate = new();

    private NotifySocket(string path)
    {
        _socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        _endPoint = new UnixDomainSocketEndPoint(path[0] == '@' ? "\0" + path[1..] : path);
    }

    public string Path => _endPoint.ToString();

    /// <summary>The socket from NOTIFY_SOCKET, or null when the process was not started by a service manager that
    /// listens (or the variable names something unusable, such as a vsock address).</summary>
    public static NotifySocket? FromEnvironment()
    {
        var path = Environment.GetEnvironmentVariable("NOTIFY_SOCKET");
        if (string.IsNullOrEmpty(path) || (path[0] != '/' && path[0] != '@'))
        {
            return null;
        }

        return new NotifySocket(path);
    }

    /// <summary>Sends one notification, e.g. "READY=1" or "WATCHDOG=1". False when it could not be delivered.</summary>
    public bool Send(string state)
    {
        var bytes = Encoding.UTF8.GetBytes(state);
        lock (_gate)
        {
            try
            {
                return _socket.SendTo(bytes, SocketFlags.None, _endPoint) == bytes.Length;
            }
            catch (SocketException)
            {
                return false;
            }
            catch (ObjectDisposedException)
            {
                return false;
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _socket.Dispose();
        }
    }
}
