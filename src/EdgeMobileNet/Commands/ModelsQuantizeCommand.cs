using System.CommandLine;
using System.Globalization;
using EdgeMobileNet.Cli;
using EdgeMobileNet.Inference;
using EdgeMobileNet.ModelTools.Quantization;
using EdgeMobileNet.Onnx;
using EdgeMobileNet.Vision;

namespace EdgeMobileNet.Commands;

/// <summary>`models quantize`: static post-training quantisation of a float model to QDQ int8, optionally measured
/// against the float model on a validation folder.</summary>
internal static class ModelsQuantizeCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model", "-m") { Description = "Float ONNX model", Required = true };
        var calibration = new Option<string>("--calibration") { Description = "Folder of calibration images (subfolders included)", Required = true };
        var images = new Option<int>("--calibration-images") { Description = "Images to calibrate on, spread over the folder", DefaultValueFactory = _ => 100 };
        var output = new Option<string>("--out") { Description = "Output int8 .onnx file", Required = true };
        var method = new Option<string>("--method") { Description = "Activation ranges: minmax | percentile | mse", DefaultValueFactory = _ => DefaultMethod };
        var percentile = new Option<double>("--percentile") { Description = "Percentile for --method percentile", DefaultValueFactory = _ => 99.999 };
        var activations = new Option<string>("--activations") { Description = "Activation type: u8 | s8", DefaultValueFactory = _ => "u8" };
        var validate = new Option<string[]>("--validate") { Description = "Folder(s) of images to measure float vs int8 agreement on", AllowMultipleArgumentsPerToken = false };
        var engine = new Option<string>("--engine") { Description = "Engine for the agreement measurement: ort | managed | auto", DefaultValueFactory = _ => "auto" };
        var mean = new Option<string?>("--mean") { Description = "Per-channel mean on [0,1] pixels (default ImageNet)" };
        var std = new Option<string?>("--std") { Description = "Per-channel std on [0,1] pixels (default ImageNet)" };
        var threads = new Option<int>("--threads") { Description = "Intra-op threads", DefaultValueFactory = _ => 1 };

        var command = new Command("quantize", "Post-training static quantisation of a float model to int8 (QDQ, standard ops)");
        foreach (var o in new Option[] { model, calibration, images, output, method, percentile, activations, validate, engine, mean, std, threads })
        {
            command.Options.Add(o);
        }

        command.SetAction(parse =>
        {
            var m = Method(parse.GetValue(method)!);
            var unsigned = parse.GetValue(activations) switch
            {
                "u8" => true,
                "s8" => false,
                var a => throw new EdgeMobileNetException($"--activations: unknown value '{a}' (expected one of: u8, s8)"),
            };
            var count = parse.GetValue(images);
            if (count < 1)
            {
                throw new EdgeMobileNetException($"--calibration-images must be at least 1, got {count}");
            }

            var p = parse.GetValue(percentile);
            if (!(p > 50 && p <= 100))
            {
                throw new EdgeMobileNetException($"--percentile must be in (50, 100], got {p.ToString(CultureInfo.InvariantCulture)}");
            }

            var nThreads = parse.GetValue(threads);
            if (nThreads < 1)
            {
                throw new EdgeMobileNetException($"--threads must be at least 1, got {nThreads}");
            }

            var engineName = OptionValues.Engines("--engine", parse.GetValue(engine)!, allowAuto: true)[0];
            var preprocess = PreprocessOptions.ImageNet;
            if (parse.GetValue(mean) is { } meanText)
            {
                preprocess = preprocess with { Mean = OptionValues.Floats("--mean", meanText) };
            }

            if (parse.GetValue(std) is { } stdText)
            {
                preprocess = preprocess with { Std = OptionValues.Floats("--std", stdText) };
            }

            var modelPath = parse.GetValue(model)!;
            var outPath = parse.GetValue(output)!;
            var stdout = parse.Out();
            var stderr = parse.Error();
            var quantizable = QuantizableModel.Load(modelPath);
            var all = ImageSet.List(parse.GetValue(calibration)!, "--calibration");
            var chosen = ImageSet.Spread(all, count);
            var validation = (parse.GetValue(validate) ?? []).Select(v => (v, ImageSet.List(v, "--validate").Except(chosen, StringComparer.Ordinal).ToList())).ToList();

            var preprocessor = new Preprocessor(quantizable.Input, preprocess);
            var progress = new ProgressLine(stderr, parse.ShowsProgress(), "calibrating");
            var stats = quantizable.Calibrate(chosen.Count, (i, input) =>
            {
                if (ImageSet.TryLoad(preprocessor, chosen[i], input, out var error))
                {
                    return true;
                }

                stderr.WriteLine($"edgemobilenet: {CliHost.OneLine(error!)} (skipped)");
                return false;
            }, progress, nThreads);
            progress.Done();

            var int8 = quantizable.ToInt8(stats, m, unsigned, p);
            try
            {
                OnnxWriter.Write(int8, outPath);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new EdgeMobileNetException($"--out: cannot write {outPath}: {e.Message}");
            }

            var inv = CultureInfo.InvariantCulture;
            stdout.WriteLine(string.Create(inv, $"{outPath}: {quantizable.Plan.Values.Count} activations quantised ({(unsigned ? "u8" : "s8")}, {QuantizableModel.MethodName(m)}), {quantizable.Plan.WeightTensorCount} weight tensors int8 per channel, calibrated on {chosen.Count} images from {parse.GetValue(calibration)}"));
            if (validation.Count > 0)
            {
                var options = new ClassifierOptions { Engine = engineName, Threads = nThreads };
                using var reference = ClassifierFactory.Create(modelPath, options);
                using var candidate = ClassifierFactory.Create(outPath, options);
                foreach (var (folder, files) in validation)
                {
                    if (files.Count == 0)
                    {
                        stdout.WriteLine($"agreement on {folder}: no images left once the calibration images are set aside");
                        continue;
                    }

                    var measure = new ProgressLine(stderr, parse.ShowsProgress(), "validating");
                    var r = Agreement.Measure(reference, candidate, files, preprocess, e => stderr.WriteLine($"edgemobilenet: {CliHost.OneLine(e)} (skipped)"), measure);
                    measure.Done();
                    stdout.WriteLine(string.Create(inv, $"agreement on {folder} ({r.Images} images, {candidate.Engine}): top-1 {r.Top1Agree}/{r.Images} ({r.Top1Percent:F1}%), mean |logit error| {r.MeanAbsLogitError:F4} (max {r.MaxAbsLogitError:F3}, mean logit spread {r.MeanLogitSpread:F2})"));
                }
            }

            return 0;
        });
        return command;
    }

    /// <summary>Chosen from the measurement in docs/models.md.</summary>
    internal const string DefaultMethod = "mse";

    private static CalibrationMethod Method(string name) => name switch
    {
        "minmax" => CalibrationMethod.MinMax,
        "percentile" => CalibrationMethod.Percentile,
        "mse" => CalibrationMethod.Mse,
        _ => throw new EdgeMobileNetException($"--method: unknown value '{name}' (expected one of: minmax, percentile, mse)"),
    };
}

/// <summary>Progress of a long loop on stderr: count, rate and ETA; rewritten in place on a terminal, else a line
/// every 10 %.</summary>
internal sealed class ProgressLine(TextWriter stderr, bool terminal, string what) : IProgress<CalibrationProgress>
{
    private int _lastDecile = -1;
    private bool _written;

    public void Report(CalibrationProgress value)
    {
        var text = string.Create(CultureInfo.InvariantCulture, $"{what} {value.Done}/{value.Total} ({value.Rate:F1} images/s, ETA {value.EtaSeconds:F0} s)");
        if (terminal)
        {
            stderr.Write("\r" + text + "   ");
            _written = true;
            return;
        }

        var decile = value.Done * 10 / Math.Max(value.Total, 1);
        if (decile != _lastDecile)
        {
            _lastDecile = decile;
            stderr.WriteLine(text);
        }
    }

    public void Done()
    {
        if (_written)
        {
            stderr.WriteLine();
        }
    }
}
