using System.CommandLine;
using System.Globalization;
using EdgeMobileNet.Cli;
using EdgeMobileNet.Inference;
using EdgeMobileNet.ModelTools.Quantization;
using EdgeMobileNet.Vision;

namespace EdgeMobileNet.Commands;

/// <summary>`models compare`: how closely a model (an int8 copy) follows a reference model (the float original).</summary>
internal static class ModelsCompareCommand
{
    public static Command Create()
    {
        var reference = new Option<string>("--reference") { Description = "Reference model (the float original)", Required = true };
        var model = new Option<string>("--model", "-m") { Description = "Model to compare (e.g. its int8 copy)", Required = true };
        var engine = new Option<string>("--engine") { Description = "ort | managed | auto", DefaultValueFactory = _ => "auto" };
        var limit = new Option<int>("--images") { Description = "At most this many images per folder, spread over it (0 = all)", DefaultValueFactory = _ => 0 };
        var inputs = new Argument<string[]>("INPUT") { Description = "Image files or folders (subfolders included)", Arity = ArgumentArity.OneOrMore };
        var command = new Command("compare", "Top-1 agreement and logit error of a model against a reference model on images")
        {
            reference, model, engine, limit, inputs,
        };
        command.SetAction(parse =>
        {
            var engineName = OptionValues.Engines("--engine", parse.GetValue(engine)!, allowAuto: true)[0];
            var max = parse.GetValue(limit);
            if (max < 0)
            {
                throw new EdgeMobileNetException($"--images must be 0 (all) or more, got {max}");
            }

            var options = new ClassifierOptions { Engine = engineName };
            using var r = ClassifierFactory.Create(parse.GetValue(reference)!, options);
            using var m = ClassifierFactory.Create(parse.GetValue(model)!, options);
            var stderr = parse.Error();
            foreach (var input in parse.GetValue(inputs)!)
            {
                var files = ImageSet.List(input, "INPUT");
                files = max > 0 ? ImageSet.Spread(files, max) : files;
                var progress = new ProgressLine(stderr, parse.ShowsProgress(), "comparing");
                var a = Agreement.Measure(r, m, files, PreprocessOptions.ImageNet, e => stderr.WriteLine($"edgemobilenet: {CliHost.OneLine(e)} (skipped)"), progress);
                progress.Done();
                parse.Out().WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{input} ({a.Images} images, {m.Engine}): top-1 {a.Top1Agree}/{a.Images} ({a.Top1Percent:F1}%), mean |logit error| {a.MeanAbsLogitError:F4} (max {a.MaxAbsLogitError:F3}, mean logit spread {a.MeanLogitSpread:F2})"));
            }

            return 0;
        });
        return command;
    }
}
