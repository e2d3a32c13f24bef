using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using EdgeMobileNet.Cli;
using EdgeMobileNet.Inference;
using EdgeMobileNet.ModelBuilder;
using EdgeMobileNet.ModelBuilder.Architectures;
using EdgeMobileNet.ModelBuilder.Demo;
using EdgeMobileNet.Onnx;

namespace EdgeMobileNet.Commands;

/// <summary>`models build` (MobileNet V1/V2/V3 with deterministic weights) and `models demo` (the colour demo model).</summary>
internal static class ModelsCommand
{
    public static Command Create()
    {
        var command = new Command("models", "Build, quantise, download and inspect models");
        command.Subcommands.Add(CreateBuild());
        command.Subcommands.Add(CreateDemo());
        command.Subcommands.Add(ModelsQuantizeCommand.Create());
        command.Subcommands.Add(ModelsCompareCommand.Create());
        command.Subcommands.Add(ModelsPullCommand.Create());
        command.Subcommands.Add(ModelsInfoCommand.Create());
        return command;
    }

    private static Command CreateBuild()
    {
        var arch = new Option<string>("--arch") { Description = "mobilenetv1 | mobilenetv2 | mobilenetv3-large | mobilenetv3-small", Required = true };
        var width = new Option<double>("--width") { Description = "Width multiplier alpha", DefaultValueFactory = _ => 1.0 };
        var resolution = new Option<int>("--resolution") { Description = "Input size R (multiple of 32)", DefaultValueFactory = _ => 224 };
        var precision = new Option<string>("--precision") { Description = "float | int8", DefaultValueFactory = _ => "float" };
        var activations = new Option<string>("--activations") { Description = "int8 activations: u8 | s8", DefaultValueFactory = _ => "u8" };
        var format = new Option<string>("--format") { Description = "int8 format: qdq | qoperator", DefaultValueFactory = _ => "qdq" };
        var layout = new Option<string>("--layout") { Description = "nchw | nhwc-keras", DefaultValueFactory = _ => "nchw" };
        var seed = new Option<ulong>("--seed") { Description = "Weight seed", DefaultValueFactory = _ => 0UL };
        var classes = new Option<int>("--classes") { Description = "Number of output classes", DefaultValueFactory = _ => 1000 };
        var softmax = new Option<bool>("--softmax") { Description = "End with Softmax (probabilities instead of logits)" };
        var calibration = new Option<string?>("--calibration") { Description = "Folder of .npy float32 [1,3,R,R] calibration tensors (default: synthetic images)" };
        var calibrationImages = new Option<int>("--calibration-images") { Description = "Number of synthetic calibration images", DefaultValueFactory = _ => 16 };
        var output = new Option<string>("--out") { Description = "Output .onnx file", Required = true };
        var json = new Option<bool>("--json") { Description = "Print the summary as JSON" };

        var command = new Command("build", "Write a MobileNet ONNX model and print its MACs and parameter count");
        foreach (var o in new Option[] { arch, width, resolution, precision, activations, format, layout, seed, classes, softmax, calibration, calibrationImages, output, json })
        {
            command.Options.Add(o);
        }

        command.SetAction(parse =>
        {
            var options = new ModelBuildOptions
            {
                Architecture = MobileNetArchitectureNames.TryParse(parse.GetValue(arch)!, out var a)
                    ? a
                    : throw new ModelBuildException($"--arch: unknown architecture '{parse.GetValue(arch)}' (expected one of: {string.Join(", ", MobileNetArchitectureNames.All)})"),
                Width = parse.GetValue(width),
                Resolution = parse.GetValue(resolution),
                Precision = Choice(precision, parse.GetValue(precision)!, ("float", ModelPrecision.Float), ("int8", ModelPrecision.Int8)),
                UnsignedActivations = Choice(activations, parse.GetValue(activations)!, ("u8", true), ("s8", false)),
                Format = Choice(format, parse.GetValue(format)!, ("qdq", QuantFormat.Qdq), ("qoperator", QuantFormat.QOperator)),
                Layout = Choice(layout, parse.GetValue(layout)!, ("nchw", ModelLayout.Nchw), ("nhwc-keras", ModelLayout.NhwcKeras)),
                Seed = parse.GetValue(seed),
                Classes = parse.GetValue(classes),
                Softmax = parse.GetValue(softmax),
                CalibrationDirectory = parse.GetValue(calibration),
                CalibrationImages = parse.GetValue(calibrationImages),
            };
            var path = parse.GetValue(output)!;
            var result = MobileNetModelBuilder.Build(options);
            parse.Error().WriteLine($"edgemobilenet: note: {path} has {MobileNetModelBuilder.UntrainedNotice} (metadata '{MobileNetModelBuilder.UntrainedKey}')");
            Write(() => OnnxWriter.Write(result.Model, path), path);
            Report(parse.Out(), parse.GetValue(json), path, options, result);
            return 0;
        });
        return command;
    }

    private static Command CreateDemo()
    {
        var output = new Option<string>("--out") { Description = "Output .onnx file (labels are written beside it as <name>.labels.txt)", Required = true };
        var command = new Command("demo", "Write the colour demo model (classifies conveyor frames by dominant part colour)");
        command.Options.Add(output);
        command.SetAction(parse =>
        {
            var path = parse.GetValue(output)!;
            Write(() => ColourDemoModel.Write(path), path);
            var labels = ColourDemoModel.LabelsPath(path);
            parse.Out().WriteLine($"wrote {path} and {labels} ({string.Join(", ", ColourDemoPalette.Labels)})");
            return 0;
        });
        return command;
    }

    private static void Write(Action write, string path)
    {
        try
        {
            write();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new EdgeMobileNetException($"--out: cannot write {path}: {e.Message}");
        }
    }

    private static void Report(TextWriter stdout, bool json, string path, ModelBuildOptions o, ModelBuildResult r)
    {
        var arch = o.Architecture.Name();
        var precision = o.Precision == ModelPrecision.Float ? "float" : $"int8 {(o.Format == QuantFormat.Qdq ? "qdq" : "qoperator")} {(o.UnsignedActivations ? "u8" : "s8")}";
        if (json)
        {
            using var stream = new MemoryStream();
            using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
            w.WriteStartObject();
            w.WriteString("path", path);
            w.WriteString("arch", arch);
            w.WriteNumber("width", o.Width);
            w.WriteNumber("resolution", o.Resolution);
            w.WriteString("precision", precision);
            w.WriteNumber("classes", o.Classes);
            w.WriteNumber("macs", r.Macs);
            w.WriteNumber("parameters", r.Parameters);
            w.WriteNumber("calibrationImages", r.CalibrationImages);
            w.WriteNumber("bytes", new FileInfo(path).Length);
            w.WriteEndObject();
            w.Flush();
            stdout.WriteLine(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
            return;
        }

        var inv = CultureInfo.InvariantCulture;
        stdout.WriteLine(string.Create(inv, $"{arch} width {o.Width} @ {o.Resolution}, {precision}: {r.Macs / 1e6:F1}M MACs, {r.Parameters / 1e6:F2}M parameters -> {path}"));
    }

    private static T Choice<T>(Option option, string value, params (string Name, T Value)[] choices)
    {
        foreach (var (name, v) in choices)
        {
            if (string.Equals(name, value, StringComparison.OrdinalIgnoreCase))
            {
                return v;
            }
        }

        throw new ModelBuildException($"{option.Name}: unknown value '{value}' (expected one of: {string.Join(", ", choices.Select(c => c.Name))})");
    }
}
