using EdgeMobileNet.ModelBuilder.Architectures;
using EdgeMobileNet.ModelBuilder.Calibration;
using EdgeMobileNet.ModelBuilder.Export;
using EdgeMobileNet.ModelBuilder.Network;
using EdgeMobileNet.ModelBuilder.Reference;

namespace EdgeMobileNet.ModelBuilder;

/// <summary>
/// Builds a MobileNet: layer table → He-initialised weights from the seed → calibration (batch norm folded from
/// data, activation ranges) → ONNX (float, QDQ int8 or QOperator int8).
/// </summary>
public static class MobileNetModelBuilder
{
    /// <summary>Metadata key of the notice every built model carries (<see cref="UntrainedNotice"/>).</summary>
    public const string UntrainedKey = "weights";

    /// <summary>What `models build` says on stderr and writes into the model's metadata: the weights are not trained.</summary>
    public const string UntrainedNotice =
        "untrained: deterministic random weights for testing speed and numerics only; its classifications are meaningless";

    public static ModelBuildResult Build(ModelBuildOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Validate(options);
        var net = CreateNet(options);
        var inputs = options.CalibrationDirectory is { } dir
            ? NpyCalibrationSet.Load(dir, options.Resolution)
            : SyntheticImages.Generate(options.CalibrationImages, options.Resolution, options.Seed);
        var ranges = ReferenceExecutor.Calibrate(net, inputs);
        var keras = options.Layout == ModelLayout.NhwcKeras;
        var model = (options.Precision, options.Format) switch
        {
            (ModelPrecision.Float, _) => StandardOpsExporter.Export(net, null, options.UnsignedActivations, options.Softmax, keras),
            (_, QuantFormat.Qdq) => StandardOpsExporter.Export(net, ranges, options.UnsignedActivations, options.Softmax, keras),
            _ => QOperatorExporter.Export(net, ranges, options.UnsignedActivations, options.Softmax),
        };
        model.Metadata.Add(("architecture", net.Architecture));
        model.Metadata.Add(("width", options.Width.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        model.Metadata.Add(("resolution", options.Resolution.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        model.Metadata.Add(("seed", options.Seed.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        model.Metadata.Add((UntrainedKey, UntrainedNotice));
        return new ModelBuildResult(model, net.Macs(), net.Parameters(), inputs.Count);
    }

    /// <summary>MACs and parameters without calibrating or exporting.</summary>
    public static (long Macs, long Parameters) Cost(ModelBuildOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Validate(options);
        var net = CreateNet(options);
        return (net.Macs(), net.Parameters());
    }

    internal static Net CreateNet(ModelBuildOptions options)
    {
        var random = new SplitMix64(options.Seed);
        var net = options.Architecture switch
        {
            MobileNetArchitecture.MobileNetV1 => MobileNetV1.Build(options.Width, options.Resolution, options.Classes, random),
            MobileNetArchitecture.MobileNetV2 => MobileNetV2.Build(options.Width, options.Resolution, options.Classes, random),
            MobileNetArchitecture.MobileNetV3Large => MobileNetV3.Build(true, options.Width, options.Resolution, options.Classes, random),
            _ => MobileNetV3.Build(false, options.Width, options.Resolution, options.Classes, random),
        };
        if (options.Layout == ModelLayout.NhwcKeras)
        {
            UseTensorFlowSamePadding(net);
        }

        return net;
    }

    /// <summary>
    /// TensorFlow's "same" padding for strided convs on even sizes puts the extra row/column at the end
    /// (Keras' correct_pad): total k - s, split (total / 2) before and the rest after.
    /// </summary>
    private static void UseTensorFlowSamePadding(Net net)
    {
        foreach (var c in net.Ops.OfType<ConvOp>().Where(c => c.Stride > 1))
        {
            var total = Math.Max(c.Kernel - c.Stride, 0);
            var before = total / 2;
            c.Pads = [before, before, total - before, total - before];
        }
    }

    private static void Validate(ModelBuildOptions o)
    {
        if (!Enum.IsDefined(o.Architecture))
        {
            throw new ModelBuildException($"--arch: unknown architecture {o.Architecture}");
        }

        if (!(o.Width > 0 && o.Width <= 4) || double.IsNaN(o.Width))
        {
            throw new ModelBuildException($"--width must be in (0, 4], got {o.Width}");
        }

        if (o.Resolution < 32 || o.Resolution % 32 != 0 || o.Resolution > 1024)
        {
            throw new ModelBuildException($"--resolution must be a multiple of 32 between 32 and 1024, got {o.Resolution}");
        }

        if (o.Classes < 1 || o.Classes > 100_000)
        {
            throw new ModelBuildException($"--classes must be between 1 and 100000, got {o.Classes}");
        }

        if (o.CalibrationDirectory is null && (o.CalibrationImages < 2 || o.CalibrationImages > 1024))
        {
            throw new ModelBuildException($"calibration image count must be between 2 and 1024, got {o.CalibrationImages}");
        }

        if (o.Precision == ModelPrecision.Int8 && o.Format == QuantFormat.QOperator)
        {
            if (o.Architecture is MobileNetArchitecture.MobileNetV3Large or MobileNetArchitecture.MobileNetV3Small)
            {
                throw new ModelBuildException("--format qoperator supports mobilenetv1 and mobilenetv2 only (V3's hard-swish and SE have no QLinear ops)");
            }

            if (o.Layout == ModelLayout.NhwcKeras)
            {
                throw new ModelBuildException("--format qoperator cannot be combined with --layout nhwc-keras");
            }
        }

        if (o.Precision == ModelPrecision.Float && o.Format == QuantFormat.QOperator)
        {
            throw new ModelBuildException("--format qoperator needs --precision int8");
        }
    }
}
