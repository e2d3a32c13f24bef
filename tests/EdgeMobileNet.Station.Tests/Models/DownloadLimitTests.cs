using System.Net;
using System.Net.Sockets;
using EdgeMobileNet.Station.Models;
using EdgeMobileNet.Tests.Common;
using Xunit;

namespace EdgeMobileNet.Station.Tests.Models;

/// <summary>Download limits and one-at-a-time deployment, through <see cref="IModelDeployer"/> (the web page's and
/// training's way in), with real HTTP on loopback.</summary>
public sealed class DownloadLimitTests
{
    [Fact]
    public async Task A_download_over_the_size_cap_or_past_the_time_limit_is_refused_and_leaves_nothing_behind()
    {
        var ct = TestContext.Current.CancellationToken;
        var dir = TestAssets.NewTempDir();
        var served = Directory.CreateDirectory(Path.Combine(dir, "served")).FullName;
        var tv = ModelSwapTests.TorchvisionWithLabels(served);
        var tvSha = ModelFiles.Sha256(tv);
        var zooSha = ModelFiles.Sha256(TestAssets.ZooInt8);
        using var http = new LoopbackFileServer(served);
        // A server that accepts the connection and never answers.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var silentUrl = new Uri($"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}/m.onnx");
        var held = new List<TcpClient>();
        var accepting = Task.Run(async () =>
        {
            while (true)
            {
                try
                {
                    held.Add(await silent.AcceptTcpClientAsync());
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                    return;
                }
            }
        }, CancellationToken.None);
        await using var station = await SwapStation.StartAsync(
            "limits1", Path.Combine(dir, "state"), null, "--Model:DownloadMaxMegabytes", "1", "--Model:DownloadTimeoutSeconds", "2");

        var big = await station.Deployer.DeployAsync(new ModelSource(null, http.UrlOf("tv-labelled.onnx"), tvSha, "web"), null, ct);
        var stalled = await station.Deployer.DeployAsync(new ModelSource(null, silentUrl, tvSha, "web"), null, ct);
        var ftp = await station.Deployer.DeployAsync(new ModelSource(null, new Uri("ftp://127.0.0.1/m.onnx"), tvSha, "web"), null, ct);

        Assert.False(big.Swapped);
        Assert.StartsWith($"download: {http.UrlOf("tv-labelled.onnx")}: ", big.Reason, StringComparison.Ordinal);
        Assert.Contains("over the 1048576-byte limit (Model:DownloadMaxMegabytes)", big.Reason, StringComparison.Ordinal);
        Assert.False(stalled.Swapped);
        Assert.Equal($"download: {silentUrl}: not complete after 2 s (Model:DownloadTimeoutSeconds)", stalled.Reason);
        Assert.Equal("download: ftp://127.0.0.1/m.onnx: unsupported scheme 'ftp' (https:// expected)", ftp.Reason);
        Assert.Equal(zooSha, station.Deployer.Current.Sha256);
        Assert.Empty(Directory.Exists(Path.Combine(dir, "state", "models")) ? Directory.GetFiles(Path.Combine(dir, "state", "models")) : []);
        silent.Stop();
        await accepting;
        held.ForEach(c => c.Dispose());
    }

    [Fact]
    public async Task Deployments_asked_at_once_run_one_after_the_other_and_the_last_one_classifies()
    {
        var ct = TestContext.Current.CancellationToken;
        var dir = TestAssets.NewTempDir();
        var tv = ModelSwapTests.TorchvisionWithLabels(dir);
        var tvSha = ModelFiles.Sha256(tv);
        var zooSha = ModelFiles.Sha256(TestAssets.ZooInt8);
        await using var station = await SwapStation.StartAsync("together1", Path.Combine(dir, "state"));
        var swapped = new List<string>();
        station.Deployer.Swapped += m =>
        {
            lock (swapped)
            {
                swapped.Add(m.Sha256);
            }
        };

        var first = station.Deployer.DeployAsync(new ModelSource(tv, null, null, "web"), null, ct);
        var second = station.Deployer.DeployAsync(new ModelSource(TestAssets.ZooInt8, null, null, "training"), null, ct);
        var outcomes = await Task.WhenAll(first, second);

        Assert.All(outcomes, o => Assert.True(o.Swapped, o.Reason));
        Assert.Equal([tvSha, zooSha], swapped);
        Assert.Equal(zooSha, station.Deployer.Current.Sha256);
        var before = station.Parsed().Count;
        await station.WaitForEventsAsync(e => e.Count >= before + 3, TimeSpan.FromSeconds(60));
        Assert.Equal(zooSha, station.Parsed()[^1].Sha256);
    }
}
