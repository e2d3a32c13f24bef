using EdgeMobileNet.Station.Models;
using EdgeMobileNet.Tests.Common;
using Xunit;

namespace EdgeMobileNet.Station.Tests.Models;

/// <summary>Model deployment through <see cref="IModelDeployer"/> on a running station (real models, real engine).</summary>
public sealed class ModelSwapTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(60);

    /// <summary>The torchvision QDQ MobileNetV2 carrying labels "tv:&lt;ImageNet label&gt;": a second real model whose
    /// events can be told apart by label and hash.</summary>
    internal static string TorchvisionWithLabels(string folder) =>
        ModelFiles.WithLabels(TestAssets.TorchvisionQdq, folder, "tv-labelled.onnx",
            [.. Classification.LabelFile.Read(TestAssets.Synset, 1000, "synset").Select(l => "tv:" + l)]);

    [Fact]
    public async Task A_local_model_replaces_the_running_one_between_two_classifications_and_its_labels_come_from_its_metadata()
    {
        var dir = TestAssets.NewTempDir();
        var tv = TorchvisionWithLabels(dir);
        var zooSha = ModelFiles.Sha256(TestAssets.ZooInt8);
        var tvSha = ModelFiles.Sha256(tv);
        await using var station = await SwapStation.StartAsync("swap1", Path.Combine(dir, "state"));
        await station.WaitForEventsAsync(e => e.Count >= 3, Long);
        Assert.Equal(zooSha, station.Deployer.Current.Sha256);

        var outcome = await station.Deployer.DeployAsync(new ModelSource(tv, null, null, "test"), null, TestContext.Current.CancellationToken);

        Assert.True(outcome.Swapped, outcome.Reason);
        Assert.Null(outcome.Reason);
        Assert.Equal(tvSha, outcome.Current.Sha256);
        Assert.Equal(tvSha, station.Deployer.Current.Sha256);
        Assert.Equal("tv:tench, Tinca tinca", outcome.Current.Labels[0]);
        Assert.Equal(Path.Combine(dir, "state", "models", tvSha + ".onnx"), outcome.Current.Path);
        Assert.True(outcome.PauseMs >= 0);
        await station.WaitForEventsAsync(e => e.Count(x => x.Sha256 == tvSha) >= 3, Long);
        var events = station.Parsed();
        var firstNew = events.ToList().FindIndex(e => e.Sha256 == tvSha);
        Assert.True(firstNew > 0, "no event from the first model");
        Assert.All(events.Take(firstNew), e => Assert.Equal(zooSha, e.Sha256));
        Assert.All(events.Skip(firstNew), e => Assert.Equal(tvSha, e.Sha256));
        Assert.All(events, e => Assert.All(e.TopLabels, l => Assert.Equal(e.Sha256 == tvSha, l.StartsWith("tv:", StringComparison.Ordinal))));
    }
}
