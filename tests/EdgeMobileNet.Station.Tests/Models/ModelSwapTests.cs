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

    [Fact]
    public async Task A_deployed_model_is_loaded_again_at_the_next_start_and_a_corrupt_copy_falls_back_to_Model_Path()
    {
        var dir = TestAssets.NewTempDir();
        var stateDir = Path.Combine(dir, "state");
        var tv = TorchvisionWithLabels(dir);
        var tvSha = ModelFiles.Sha256(tv);
        var zooSha = ModelFiles.Sha256(TestAssets.ZooInt8);
        await using (var first = await SwapStation.StartAsync("restart1", stateDir))
        {
            var outcome = await first.Deployer.DeployAsync(new ModelSource(tv, null, tvSha, "training"), null, TestContext.Current.CancellationToken);
            Assert.True(outcome.Swapped, outcome.Reason);
        }

        // The original file may change afterwards: the station runs its own copy.
        File.Delete(tv);
        await using (var second = await SwapStation.StartAsync("restart1", stateDir))
        {
            Assert.Equal(tvSha, second.Deployer.Current.Sha256);
            Assert.Equal("tv:tench, Tinca tinca", second.Deployer.Current.Labels[0]);
            await second.WaitForEventsAsync(e => e.Count >= 3, Long);
            Assert.All(second.Parsed(), e => Assert.Equal(tvSha, e.Sha256));
        }

        // A damaged copy (bytes changed on disk): warning, and the configured model runs.
        var stored = Path.Combine(stateDir, "models", tvSha + ".onnx");
        await using (var file = new FileStream(stored, FileMode.Open, FileAccess.Write))
        {
            file.Seek(1000, SeekOrigin.Begin);
            file.WriteByte(0x5a);
        }

        await using (var third = await SwapStation.StartAsync("restart1", stateDir))
        {
            Assert.Equal(zooSha, third.Deployer.Current.Sha256);
            await third.WaitForEventsAsync(e => e.Count >= 3, Long);
            Assert.All(third.Parsed(), e => Assert.Equal(zooSha, e.Sha256));
        }
    }

    [Fact]
    public async Task A_changed_Model_Path_wins_over_an_earlier_deployment()
    {
        var dir = TestAssets.NewTempDir();
        var stateDir = Path.Combine(dir, "state");
        var tv = TorchvisionWithLabels(dir);
        await using (var first = await SwapStation.StartAsync("restart2", stateDir))
        {
            Assert.True((await first.Deployer.DeployAsync(new ModelSource(tv, null, null, "web"), null, TestContext.Current.CancellationToken)).Swapped);
        }

        // Model:Path now names another file (a copy of the zoo model): the configuration was changed on purpose.
        var other = Path.Combine(dir, "other.onnx");
        File.Copy(TestAssets.ZooInt8, other);
        await using var second = await SwapStation.StartAsync("restart2", stateDir, null, "--Model:Path", other);
        Assert.Equal(other, second.Deployer.Current.Path);
        Assert.False(File.Exists(Path.Combine(stateDir, "models", "active.json")));
    }
}
