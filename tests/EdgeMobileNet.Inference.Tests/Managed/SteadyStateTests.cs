using System.Diagnostics;
using EdgeMobileNet.Inference.Engines.Managed;
using EdgeMobileNet.Tests.Common;
using Xunit;

namespace EdgeMobileNet.Inference.Tests.Managed;

/// <summary>Steady-state behaviour: nothing allocated per inference, memory figures, and latency next to ONNX Runtime.</summary>
public sealed class SteadyStateTests(ITestOutputHelper output)
{
    public static TheoryData<string> Models() =>
    [
        "models/mobilenetv2-12-int8.onnx",
        "models/mobilenet_v2_torchvision_qdq_s8s8_randcalib.onnx",
        "models/DERIVED_mobilenetv2-12-int8-dequantized_fp32.onnx",
    ];

    [Theory]
    [MemberData(nameof(Models))]
    public void RunAllocatesNothing(string model)
    {
        using var engine = ManagedClassifier.LoadManaged(TestAssets.Require(model), new ClassifierOptions { Engine = "managed" });
        Fill(engine.InputBuffer, 7);
        // First runs: JIT, tiering and any lazy runtime state, until a stretch of runs allocates nothing.
        EdgeMobileNet.Inference.Tests.Managed.Execution.WarmUp.UntilAllocationsSettle(() => engine.Run(), () => 0);
        var before = GC.GetAllocatedBytesForCurrentThread();
        engine.Run();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        output.WriteLine($"{Path.GetFileName(model)}: arena {engine.PeakActivationBytes:N0} B, weights {engine.WeightsBytes:N0} B, {engine.Plan.Operators.Count} operators, allocated per run {allocated} B");
        Assert.Equal(0, allocated);
        Assert.True(engine.PeakActivationBytes > 0);
    }

    /// <summary>With worker threads: nothing on the calling thread and nothing on any worker (their own counters).</summary>
    [Theory]
    [MemberData(nameof(Models))]
    public void RunAllocatesNothingAtTwoThreads(string model)
    {
        using var engine = ManagedClassifier.LoadManaged(TestAssets.Require(model), new ClassifierOptions { Engine = "managed", Threads = 2 });
        Fill(engine.InputBuffer, 7);
        var pool = engine.Plan.Pool!;
        EdgeMobileNet.Inference.Tests.Managed.Execution.WarmUp.UntilAllocationsSettle(() => engine.Run(), () => pool.WorkerAllocatedBytes);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var workersBefore = pool.WorkerAllocatedBytes;
        for (var i = 0; i < 10; i++)
        {
            engine.Run();
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        var workers = pool.WorkerAllocatedBytes - workersBefore;
        output.WriteLine($"{Path.GetFileName(model)} at 2 threads: allocated per 10 runs {allocated} B on the caller, {workers} B on the worker");
        Assert.Equal(0, allocated);
        Assert.Equal(0, workers);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void RunIsDeterministicAndReusesBuffers(string model)
    {
        using var engine = ManagedClassifier.LoadManaged(TestAssets.Require(model), new ClassifierOptions { Engine = "managed" });
        Fill(engine.InputBuffer, 3);
        var first = engine.Run().ToArray();
        Fill(engine.InputBuffer, 4);
        var other = engine.Run().ToArray();
        Fill(engine.InputBuffer, 3);
        var again = engine.Run().ToArray();
        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
    }

    /// <summary>Latency of the managed engine next to ONNX Runtime (1 thread); informative, meaningful in Release.</summary>
    [Theory]
    [MemberData(nameof(Models))]
    public void LatencyAgainstOrt(string model)
    {
        var path = TestAssets.Require(model);
        using var engine = ManagedClassifier.LoadManaged(path, new ClassifierOptions { Engine = "managed" });
        using var ort = new OrtReference(path);
        var x = new float[engine.Input.ElementCount];
        Fill(x, 5);
        x.CopyTo(engine.InputBuffer);
        const int runs = 5;
        var managed = Time(runs, () => engine.Run());
        var reference = Time(runs, () => ort.Run(x));
#if DEBUG
        const string config = "Debug";
#else
        const string config = "Release";
#endif
        output.WriteLine($"{Path.GetFileName(model)} ({config}, kernels {engine.Kernels}): managed median {managed:F1} ms, ORT median {reference:F1} ms, ratio {managed / reference:F1}x");
        Assert.True(managed > 0 && reference > 0);
    }

    private static double Time(int runs, Action action)
    {
        action();
        var samples = new double[runs];
        for (var i = 0; i < runs; i++)
        {
            var sw = Stopwatch.StartNew();
            action();
            samples[i] = sw.Elapsed.TotalMilliseconds;
        }

        Array.Sort(samples);
        return samples[runs / 2];
    }

    private static void Fill(Span<float> buffer, int seed)
    {
        var rng = new Random(seed);
        for (var i = 0; i < buffer.Length; i++)
        {
            buffer[i] = (rng.NextSingle() * 4) - 2;
        }
    }
}
