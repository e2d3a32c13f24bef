using System.Globalization;
using System.Text.Json;
using EdgeMobileNet.Tests.Common;
using EdgeMobileNet.Web.Tests.Support;

namespace EdgeMobileNet.Web.Tests.Cost;

/// <summary>What a training job started from the page costs the line: classifications per second with the demo at
/// full speed, idle against while the job runs (same process, one after the other), and how long the job takes.
/// A measurement, so it runs on request only: `EDGEMOBILENET_TRAIN_COST=1 dotnet test --filter TrainingCostTests
/// --logger "console;verbosity=detailed"`. Data: the first N casting photos per class, copied to a temporary
/// dataset folder.</summary>
public sealed class TrainingCostTests
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task ClassificationKeepsItsRateWhileATrainingJobRuns()
    {
        if (Environment.GetEnvironmentVariable("EDGEMOBILENET_TRAIN_COST") != "1")
        {
            Assert.Skip("a measurement: set EDGEMOBILENET_TRAIN_COST=1 to run it");
        }

        var perClass = int.Parse(Environment.GetEnvironmentVariable("EDGEMOBILENET_TRAIN_COST_IMAGES") ?? "100", CultureInfo.InvariantCulture);
        var source = Path.Combine(TestAssets.Require("datasets/casting"), "train");
        var dir = TestAssets.NewTempDir();
        foreach (var cls in Directory.GetDirectories(source))
        {
            var target = Directory.CreateDirectory(Path.Combine(dir, Path.GetFileName(cls))).FullName;
            foreach (var file in Directory.GetFiles(cls).Order(StringComparer.Ordinal).Take(perClass))
            {
                File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
            }
        }

        await using var station = await WebStation.StartAsync(
        [
            "--Source:Rate", "0", "--Trigger:Rate", "0", "--Station:PrintEvents", "false",
            "--Capture:Dir", dir, "--Capture:EveryN", "0", "--Capture:Unknown", "false", "--Capture:BelowScore", "0",
            "--Training:Backbone", TestAssets.ZooInt8, "--Training:Method", "linear", "--Training:Folds", "2",
        ]);
        await Task.Delay(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        var idle = await RateAsync(station);

        var (status, _) = await Dataset.PostAsync(station, "/api/training/start");
        Assert.Equal(202, status);
        var during = new List<double>();
        JsonElement training;
        while ((training = await station.GetJsonAsync("/api/training")).GetProperty("state").GetString() == "running")
        {
            during.Add(await RateAsync(station));
        }

        Assert.Equal("succeeded", training.GetProperty("state").GetString());
        var seconds = (training.GetProperty("finished").GetDateTimeOffset() - training.GetProperty("started").GetDateTimeOffset()).TotalSeconds;
        var after = await RateAsync(station);
        var duringMedian = during.Count == 0 ? double.NaN : during.Order().ElementAt(during.Count / 2);
        var report = training.GetProperty("report");
        var line = string.Create(CultureInfo.InvariantCulture,
            $"classifications/s (demo at full speed, {Window.TotalSeconds:0} s windows): idle {idle:0}, during training {string.Join(", ", during.Select(d => d.ToString("0", CultureInfo.InvariantCulture)))} (median {duringMedian:0}, {duringMedian / idle:P0} of idle), after {after:0}; training job {2 * perClass} photos, linear, 2 folds: {seconds:0.0} s wall, embedding {report.GetProperty("embedding_seconds").GetDouble():0.0} s, held-out int8 accuracy {report.GetProperty("held_out_accuracy_int8").GetDouble():P1}; load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
        TestContext.Current.TestOutputHelper?.WriteLine(line);
        Console.WriteLine("cost: " + line);
    }

    private static async Task<double> RateAsync(WebStation station)
    {
        var a = (await station.GetJsonAsync("/api/state")).GetProperty("counters").GetProperty("classified").GetInt64();
        var started = DateTime.UtcNow;
        await Task.Delay(Window, TestContext.Current.CancellationToken);
        var b = (await station.GetJsonAsync("/api/state")).GetProperty("counters").GetProperty("classified").GetInt64();
        return (b - a) / (DateTime.UtcNow - started).TotalSeconds;
    }
}
