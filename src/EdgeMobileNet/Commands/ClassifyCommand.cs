using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using EdgeMobileNet.Cli;
using EdgeMobileNet.Inference;
using EdgeMobileNet.Inference.Engines.Managed;
using EdgeMobileNet.Vision;

namespace EdgeMobileNet.Commands;

/// <summary>`classify`: images, folders of images or .npy tensors through one model, top-K per input.</summary>
internal static class ClassifyCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model", "-m") { Description = "ONNX model file", Required = true };
        var labels = new Option<string?>("--labels") { Description = "Class names: synset.txt (`nXXXXXXXX name, ...`) or one name per line" };
        var engine = new Option<string>("--engine") { Description = "ort | managed | auto", DefaultValueFactory = _ => "auto" };
        var threads = new Option<int>("--threads") { Description = "Intra-op threads", DefaultValueFactory = _ => 1 };
        var top = new Option<int>("--top") { Description = "How many classes to show per input", DefaultValueFactory = _ => 5 };
        var json = new Option<bool>("--json") { Description = "Print one JSON document" };
        var logits = new Option<bool>("--logits") { Description = "With --json: include the raw output vector" };
        var mean = new Option<string?>("--mean") { Description = "Per-channel mean on [0,1] pixels, e.g. 0.485,0.456,0.406" };
        var std = new Option<string?>("--std") { Description = "Per-channel std on [0,1] pixels, e.g. 0.229,0.224,0.225" };
        var isa = new Option<string?>("--isa") { Description = "Managed engine kernels: scalar | neon | sdot | avx2 | avx512 (default: best for this CPU)" };
        var inputs = new Argument<string[]>("INPUT")
        {
            Description = "Image files, folders of images, or .npy float32 tensors in the model's input shape",
            Arity = ArgumentArity.ZeroOrMore,
        };

        var command = new Command("classify", "Classify images with a model")
        {
            model, labels, engine, threads, top, json, logits, mean, std, isa, inputs,
        };
        command.SetAction(result => new Run(
            result,
            result.GetRequiredValue(model),
            result.GetValue(labels),
            result.GetRequiredValue(engine),
            result.GetValue(threads),
            result.GetValue(top),
            result.GetValue(json),
            result.GetValue(logits),
            result.GetValue(mean),
            result.GetValue(std),
            result.GetValue(isa),
            result.GetValue(inputs) ?? []).Execute());
        return command;
    }

    private sealed record Run(
        ParseResult Result, string Model, string? Labels, string Engine, int Threads, int Top, bool Json, bool Logits,
        string? Mean, string? Std, string? Isa, string[] Inputs)
    {
        public int Execute()
        {
            InputFiles.RequireAny(Inputs);
            if (Top < 1)
            {
                throw new EdgeMobileNetException($"--top must be at least 1, got {Top}");
            }

            var meanValues = Mean is null ? null : OptionValues.Floats("--mean", Mean);
            var stdValues = Std is null ? null : OptionValues.Floats("--std", Std);
            if (stdValues is not null && stdValues.Any(s => s == 0f))
            {
                throw new EdgeMobileNetException("--std: values must not be 0");
            }

            using var classifier = ClassifierFactory.Create(Model, new ClassifierOptions { Engine = Engine, Threads = Threads, Isa = Isa });
            if (classifier is ManagedClassifier managed && GlobalOptions.IsVerbose(Result))
            {
                Result.Error().WriteLine($"managed kernels: {managed.Kernels}");
            }

            var labelSet = Labels is null ? LabelSet.Indices : LabelSet.Load(Labels, classifier.Output.Classes);
            var preprocess = PreprocessOptions.ImageNet;
            if (meanValues is not null)
            {
                preprocess = preprocess with { Mean = CheckChannels("--mean", meanValues, classifier.Input) };
            }

            if (stdValues is not null)
            {
                preprocess = preprocess with { Std = CheckChannels("--std", stdValues, classifier.Input) };
            }

            var preprocessor = new Preprocessor(classifier.Input, preprocess);
            var scores = new float[classifier.Output.Classes];
            var results = new List<ClassifyResult>();
            var failed = false;
            var stdout = Result.Out();
            var stderr = Result.Error();
            foreach (var input in InputFiles.Expand(Inputs))
            {
                try
                {
                    if (input.Error is not null)
                    {
                        throw new EdgeMobileNetException(input.Error);
                    }

                    if (input.IsTensor)
                    {
                        TensorInput.Load(input.Path, classifier.Input, classifier.InputBuffer);
                    }
                    else
                    {
                        preprocessor.Run(ImageDecoder.Decode(input.Path), classifier.InputBuffer);
                    }
                }
                catch (EdgeMobileNetException e)
                {
                    // One bad input must not hide the others' results; the exit code still says something failed.
                    stderr.WriteLine($"edgemobilenet: {CliHost.OneLine(e.Message)}");
                    failed = true;
                    continue;
                }

                var started = Stopwatch.GetTimestamp();
                ReadOnlySpan<float> output;
                try
                {
                    output = classifier.Run();
                }
                catch (Microsoft.ML.OnnxRuntime.OnnxRuntimeException e)
                {
                    // The model loads but the engine rejects it at run time (e.g. a QLinearConv with group 0): a
                    // problem of this model with this input, reported like any other bad input.
                    stderr.WriteLine($"edgemobilenet: {input.Path}: the model {Model} fails to run on {classifier.Engine} ({CliHost.OneLine(e.Message)})");
                    failed = true;
                    continue;
                }

                var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                if (classifier.Output.IsProbability)
                {
                    output.CopyTo(scores);
                }
                else
                {
                    Scores.Softmax(output, scores);
                }

                var ranked = Scores.TopK(scores, Top)
                    .Select(i => new ClassScore(i, labelSet[i], scores[i]))
                    .ToList();
                var result = new ClassifyResult(input.Path, ranked, ms, Logits ? output.ToArray() : null);
                results.Add(result);
                if (!Json)
                {
                    WriteText(stdout, result, classifier.Engine);
                }
            }

            if (Json)
            {
                var report = new ClassifyReport(Model, classifier.Engine, classifier.Threads, results);
                stdout.WriteLine(JsonSerializer.Serialize(report, CliJsonContext.Default.ClassifyReport));
            }

            return failed ? CliHost.UserError : 0;
        }

        private static float[] CheckChannels(string option, float[] values, ModelInputInfo input) =>
            values.Length == input.Channels
                ? values
                : throw new EdgeMobileNetException($"{option}: model input '{input.Name}' has {input.Channels} channels, got {values.Length} values");

        private static void WriteText(TextWriter stdout, ClassifyResult result, string engine)
        {
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{result.Input}  ({engine}, {result.Ms:F2} ms)"));
            foreach (var entry in result.Top)
            {
                stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {entry.Index,5}  {entry.Score,8:F5}  {entry.Label}"));
            }
        }
    }
}
