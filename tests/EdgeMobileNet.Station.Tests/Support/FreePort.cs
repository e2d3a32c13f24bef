using System.Net;
using System.Net.Sockets;

namespace EdgeMobileNet.Station.Tests.Support;

internal static class FreePort
{
    // Ports handed out in this test process. The kernel picks a random free port for each bind to port 0, and a port
    // handed out here is free again until its user binds it (a broker or station still starting), so two parallel
    // tests could otherwise be given the same one.
    private static readonly HashSet<int> Given = [];

    /// <summary>A loopback port nobody listens on right now (the OS picks it), never one already handed out by this
    /// process.</summary>
    public static int Next()
    {
        while (true)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            lock (Given)
            {
                if (Given.Add(port))
                {
                    return port;
                }
            }
        }
    }

    public static async Task WaitListeningAsync(int port, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }
    }
}
