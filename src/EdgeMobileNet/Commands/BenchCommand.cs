using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using EdgeMobileNet.Cli;
using EdgeMobileNet.Inference;
using EdgeMobileNet.Inference.Engines.Managed;
using EdgeMobileNet.Vision;

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
        var frames = new Option<string[]>("--frame")
        {
            Description = "Also time frame-to-tensor preprocessing against inference (repeatable): a raw frame (.i420/.yuv, .nv12, .yuyv, .rgb, .gray; needs --frame-size) or a JPEG/PNG (an MJPEG frame: decoded, then preprocessed)",
            AllowMultipleArgumentsPerToken = false,
        };
        var frameSize = new Option<string?>("--frame-size") { Description = "Raw frame size WxH, e.g. 640x480" };
        var command = new Command("bench", "Measure inference latency and allocations") { model, engines, threads, warmup, iterations, json, isa, frames, frameSize };
        command.SetAction(result => Execute(
            result,
            result.GetRequiredValue(model),
            OptionValues.Engines("--engine", result.GetRequiredValue(engines), allowAuto: false),
            OptionValues.PositiveInts("--threads", result.GetRequiredValue(threads)),
            result.GetValue(warmup),
            result.GetValue(iterations),
            result.GetValue(json),
            result.GetValue(isa),
            result.GetValue(frames) ?? [],
            result.GetValue(frameSize)));
        return command;
    }

    private static int Execute(ParseResult result, string model, string[] engines, int[] threadCounts, int warmup, int iterations, bool json, string? isa, string[] frames, string? frameSize)
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
        if (frames.Length > 0)
        {
            if (json)
            {
                throw new EdgeMobileNetException("--frame prints a text table; --json is not supported with it");
            }

            var sources = frames.Select(f => FrameSource.Load(f, frameSize)).ToArray();
            foreach (var engine in engines)
            {
                foreach (var threads in threadCounts)
                {
                    using var classifier = ClassifierFactory.Create(model, new ClassifierOptions { Engine = engine, Threads = threads, Isa = isa });
                    foreach (var source in sources)
                    {
                        MeasureFrame(result.Out(), classifier, source, warmup, iterations, progress);
                    }
                }
            }

            progress?.Write("\r\u001b[K");
            return 0;
        }

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
        // engine's alone. When every managed step of a run happens on this thread (ONNX Runtime, whose workers are
        // native, or one managed thread) only this thread is counted, so nothing else in the process (a finaliser,
        // a host's timer) can be billed to the engine; managed workers need the process-wide count.
        var ticks = new long[iterations];
        var thisThreadOnly = classifier.Engine == "ort" || classifier.Threads == 1;
        long Allocated() => thisThreadOnly ? GC.GetAllocatedBytesForCurrentThread() : GC.GetTotalAllocatedBytes(precise: true);
        var allocatedBefore = Allocated();
        for (var i = 0; i < iterations; i++)
        {
            var start = Stopwatch.GetTimestamp();
            classifier.Run();
            ticks[i] = Stopwatch.GetTimestamp() - start;
        }

        var allocated = Allocated() - allocatedBefore;
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

    /// <summary>
    /// Frame to model input against inference, interleaved in one loop so both see the same machine state: the
    /// one-pass <see cref="FrameToTensor"/> (into the engine's quantised input when it has one), the engine run it
    /// feeds, and for comparison the two-step path the station used before (<see cref="PixelConverter.ToRgb"/> of the
    /// whole frame, then <see cref="Preprocessor.Run"/> into the float input). A JPEG is decoded in the loop too, timed
    /// apart: "decoded MJPEG" is the format the one-pass path starts from.
    /// </summary>
    private static void MeasureFrame(TextWriter stdout, IClassifier classifier, FrameSource source, int warmup, int iterations, TextWriter? progress)
    {
        progress?.Write($"\r\u001b[K{classifier.Engine} x{classifier.Threads} {source.Name}: {warmup} warm-up, {iterations} timed runs...");
        var oneStep = new FrameToTensor(classifier, PreprocessOptions.ImageNet);
        var twoStep = new Preprocessor(classifier.Input, PreprocessOptions.ImageNet);
        var rgb = new RgbImage(source.Width, source.Height);
        var (decode, pre, infer, old) = (new double[iterations], new double[iterations], new double[iterations], new double[iterations]);
        var halfDecode = new double[iterations];
        var intoBuffer = new double[iterations];
        var frameDecoder = new FrameDecoder();
        var slotBuffer = new byte[source.Width * source.Height * 3];
        var halfSize = (0, 0);
        for (var i = -warmup; i < iterations; i++)
        {
            var t0 = Stopwatch.GetTimestamp();
            var frame = source.Raw;
            if (source.Encoded is { } encoded)
            {
                frame = ImageDecoder.Decode(encoded, source.Name).Pixels;
            }

            var t1 = Stopwatch.GetTimestamp();
            oneStep.Write(frame, source.Format, source.Width, source.Height);
            var t2 = Stopwatch.GetTimestamp();
            oneStep.Run();
            var t3 = Stopwatch.GetTimestamp();
            PixelConverter.ToRgb(frame, source.Format, source.Width, source.Height, rgb);
            twoStep.Run(rgb, classifier.InputBuffer);
            var t4 = Stopwatch.GetTimestamp();
            if (source.Encoded is { } jpeg)
            {
                // A scaled decode (1/2, 1/4, 1/8) down to the model's crop size: what a whole-view model allows.
                var small = ImageDecoder.DecodeForTarget(jpeg, source.Name, Math.Max(classifier.Input.Width, classifier.Input.Height));
                halfSize = (small.Width, small.Height);
            }

            var t5 = Stopwatch.GetTimestamp();
            if (source.Encoded is { } mjpeg)
            {
                // What the station's sources do: decode straight into the frame buffer they reuse.
                frameDecoder.Decode(mjpeg, source.Name, 0, slotBuffer, static (buffer, w, h) => buffer.AsSpan(0, w * h * 3));
            }

            var t6 = Stopwatch.GetTimestamp();
            if (i >= 0)
            {
                (decode[i], pre[i], infer[i], old[i], halfDecode[i], intoBuffer[i]) = (Ms(t0, t1), Ms(t1, t2), Ms(t2, t3), Ms(t3, t4), Ms(t4, t5), Ms(t5, t6));
            }
        }

        var (d, p, n, o) = (LatencySummary.Of(decode).MedianMs, LatencySummary.Of(pre).MedianMs, LatencySummary.Of(infer).MedianMs, LatencySummary.Of(old).MedianMs);
        var into = (oneStep.WritesQuantized ? "quantised input" : "float input") + ", " + FrameToTensor.VectorIsa;
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{source.Name} ({source.Format} {source.Width}x{source.Height}) {classifier.Engine} x{classifier.Threads}: preprocess median {p:F3} ms ({into}), inference median {n:F3} ms, preprocess/inference {100 * p / n:F1} %"));
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"    two-step preprocess (whole-frame RGB, then float tensor) median {o:F3} ms: {100 * o / n:F1} % of inference, {o / p:F2}x the one-pass time"));
        if (source.Encoded is not null)
        {
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    JPEG decode median {d:F3} ms (not in the preprocess figures)"));
            var buffered = LatencySummary.Of(intoBuffer).MedianMs;
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"    JPEG decode into a reused frame buffer (FrameDecoder, as the station's sources do) median {buffered:F3} ms: {buffered / d:F2}x the decode above"));
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"    JPEG decode scaled to {halfSize.Item1}x{halfSize.Item2} (enough for a whole-view {classifier.Input.Width}x{classifier.Input.Height} model; other pixels, so not used above) median {LatencySummary.Of(halfDecode).MedianMs:F3} ms"));
        }
    }

    private static double Ms(long from, long to) => (to - from) * 1000.0 / Stopwatch.Frequency;

    /// <summary>A frame file for <c>--frame</c>: raw bytes with a format and size, or an encoded image.</summary>
    private sealed record FrameSource(string Name, PixelFormat Format, int Width, int Height, byte[] Raw, byte[]? Encoded)
    {
        public static FrameSource Load(string path, string? size)
        {
            if (!File.Exists(path))
            {
                throw new EdgeMobileNetException($"--frame {path}: file not found");
            }

            var bytes = File.ReadAllBytes(path);
            var name = Path.GetFileName(path);
            var extension = Path.GetExtension(path).ToLowerInvariant();
            if (extension is ".jpg" or ".jpeg" or ".png" or ".mjpeg")
            {
                var image = ImageDecoder.Decode(bytes, path);
                return new FrameSource(name, PixelFormat.RGB24, image.Width, image.Height, image.Pixels, bytes);
            }

            var format = extension switch
            {
                ".i420" or ".yuv" => PixelFormat.I420,
                ".nv12" => PixelFormat.NV12,
                ".yuyv" => PixelFormat.YUYV,
                ".rgb" => PixelFormat.RGB24,
                ".gray" => PixelFormat.GRAY8,
                _ => throw new EdgeMobileNetException($"--frame {path}: unknown extension '{extension}' (.i420/.yuv, .nv12, .yuyv, .rgb, .gray, .jpg, .png)"),
            };
            var parts = (size ?? throw new EdgeMobileNetException($"--frame {path}: a raw frame needs --frame-size WxH")).Split('x');
            if (parts.Length != 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var w) || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var h) || w < 1 || h < 1)
            {
                throw new EdgeMobileNetException($"--frame-size: '{size}' is not WxH (e.g. 640x480)");
            }

            var needed = FrameGeometry.BytesPerFrame(format, w, h);
            if (bytes.Length != needed)
            {
                throw new EdgeMobileNetException($"--frame {path}: {format} {w}x{h} is {needed} bytes, the file has {bytes.Length}");
            }

            return new FrameSource(name, format, w, h, bytes, null);
        }
    }
}
