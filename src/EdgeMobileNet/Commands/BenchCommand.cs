using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using EdgeMobileNet.Cli;
using EdgeMobileNet.Inference;
using EdgeMobileNet.Inference.Engines.Managed;

namespace EdgeMobileNet.Commands;

/// <summary>`bench`: latency and managed allocation per inference, per engine and thread count.</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model", "-m") { Description = "ONNX model file", Required = true };
        var engines = new Option<string>("--engine") { Description = "Comma-separated engines: ort,managed", DefaultValueFactory = _ => "ort" };
        var threads = new Option<string>("--threads") { Description = "Comma-separated intra-op thread counts, e.g. 1,2", DefaultValueFactory = _ => "1" };
        var warmup = new Option<int>("--warmup") { Description = "Untimed runs before measuring", DefaultValueFactory = _ => 10 };
        var iterations = new Option<int>("--iterations") { Description = "Timed runs", DefaultValueFactory = _ => 100 };
        var json = new Option<bool>("--json") { Description = "Print one JSON document" };
        var isa = new Option<string?>("--isa") { Description = "Managed engine kernels: scalar | neon | sdot | avx2 | avx512 (default: best for this CPU)" };
        var command = new Command("bench", "Measure inference latency and allocations") { model, engines, threads, warmup, iterations, json, isa };
        command.SetAction(result => Execute(
            result,
            result.GetRequiredValue(model),
            OptionValues.Engines("--engine", result.GetRequiredValue(engines), allowAuto: false),
            OptionValues.PositiveInts("--threads", result.GetRequiredValue(threads)),
            result.GetValue(warmup),
            result.GetValue(iterations),
            result.GetValue(json),
            result.GetValue(isa)));
        return command;
    }

    private static int Execute(ParseResult result, string model, string[] engines, int[] threadCounts, int warmup, int iterations, bool json, string? isa)
    {
        if (warmup < 0)
        {
            throw new EdgeMobileNetException($"--warmup must be 0 or more, got {warmup}");
        }

        if (iterations < 1)
        {
            throw new EdgeMobileNetException($"--iterations must be at least 1, got {iterations}");
        }

        var progress = result.ShowsProgress() ? result.Error() : null;
        var results = new List<BenchResult>();
        foreach (var engine in engines)
        {
            foreach (var threads in threadCounts)
            {
                using var classifier = ClassifierFactory.Create(model, new ClassifierOptions { Engine = engine, Threads = threads, Isa = isa });
                if (classifier is ManagedClassifier managed && GlobalOptions.IsVerbose(result))
                {
                    result.Error().WriteLine($"managed kernels: {managed.Kernels}");
                }

                results.Add(Measure(classifier, warmup, iterations, progress));
            }
        }

        progress?.Write("\r\u001b[K");
        if (engines.Length > 1)
        {
            results = results.Select(r => r with { RatioToFirst = r.MedianMs / results.First(f => f.Engine == engines[0] && f.Threads == r.Threads).MedianMs }).ToList();
        }

        var stdout = result.Out();
        if (json)
        {
            stdout.WriteLine(JsonSerializer.Serialize(new BenchReport(model, results), CliJsonContext.Default.BenchReport));
            return 0;
        }

        stdout.WriteLine($"{model}");
        stdout.WriteLine("engine   threads  iters   median ms   p90 ms    min ms   alloc B/run");
        foreach (var r in results)
        {
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{r.Engine,-8} {r.Threads,7} {r.Iterations,6} {r.MedianMs,11:F3} {r.P90Ms,8:F3} {r.MinMs,9:F3} {r.AllocBytesPerRun,13:F1}"));
            if (r.PeakActivationBytes is { } peak && r.WeightsBytes is { } weights)
            {
                var naive = r.NaiveActivationBytes is { } n && n != peak ? $" (naive plan {n} B)" : "";
                stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"         peak activations {peak} B{naive}, weights {weights} B"));
            }
        }

        foreach (var r in results.Where(r => r.RatioToFirst is not null && r.Engine != engines[0]))
        {
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{r.Engine}/{engines[0]} at {r.Threads} thread(s): {r.RatioToFirst:F2}x median latency"));
        }

        return 0;
    }

    private static BenchResult Measure(IClassifier classifier, int warmup, int iterations, TextWriter? progress)
    {
        BenchInput.Fill(classifier.InputBuffer, classifier.Input.ElementKind);
        progress?.Write($"\r\u001b[K{classifier.Engine} x{classifier.Threads}: {warmup} warm-up, {iterations} timed runs...");
        for (var i = 0; i < warmup; i++)
        {
            classifier.Run();
        }

        // Samples go into a preallocated array and nothing is printed while timing, so the allocation delta is the
        // engine's alone.
        var ticks = new long[iterations];
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        for (var i = 0; i < iterations; i++)
        {
            var start = Stopwatch.GetTimestamp();
            classifier.Run();
            ticks[i] = Stopwatch.GetTimestamp() - start;
        }

        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        var samples = Array.ConvertAll(ticks, t => t * 1000.0 / Stopwatch.Frequency);
        var summary = LatencySummary.Of(samples);
        var memory = classifier as IModelMemoryInfo;
        return new BenchResult(
            classifier.Engine, classifier.Threads, iterations, summary.MedianMs, summary.P90Ms, summary.MinMs,
            (double)allocated / iterations, memory?.PeakActivationBytes, memory?.WeightsBytes, null)
        {
            NaiveActivationBytes = memory?.NaiveActivationBytes,
        };
    }
}
