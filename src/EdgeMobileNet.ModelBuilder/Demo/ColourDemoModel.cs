using EdgeMobileNet.ModelBuilder.Architectures;
using EdgeMobileNet.ModelBuilder.Calibration;
using EdgeMobileNet.ModelBuilder.Export;
using EdgeMobileNet.ModelBuilder.Network;
using EdgeMobileNet.ModelBuilder.Reference;
using EdgeMobileNet.Onnx;

namespace EdgeMobileNet.ModelBuilder.Demo;

/// <summary>
/// The palette shared by the demo's synthetic conveyor renderer and the demo model: parts are painted in one of these
/// colours on a neutral grey belt. The model classifies a frame by the dominant part colour.
/// </summary>
public static class ColourDemoPalette
{
    public static readonly (string Label, byte R, byte G, byte B) Belt = ("empty", 110, 110, 110);

    public static readonly IReadOnlyList<(string Label, byte R, byte G, byte B)> Parts =
    [
        ("red", 220, 40, 40),
        ("green", 40, 180, 60),
        ("blue", 40, 70, 220),
        ("yellow", 230, 210, 40),
    ];

    /// <summary>Class labels in model output order: "empty" then the part colours.</summary>
    public static IReadOnlyList<string> Labels { get; } = [Belt.Label, .. Parts.Select(p => p.Label)];
}

/// <summary>
/// The demo model: MobileNetV2 topology (α 0.35, 96×96), int8 QDQ, with weights set analytically rather than trained.
/// The stem undoes the ImageNet normalisation and computes, per pixel, one saturated membership channel per part
/// colour (a linear colour test followed by ReLU6, so a pixel of that colour gives 6 and anything else 0). The
/// bottlenecks carry those channels unchanged (identity expand/project, 2×2 average pooling in strided depthwise
/// convs, zero residual branches so the residual adds pass their input through), the pool turns them into area
/// fractions, and the classifier scores each colour by its area against a fixed "empty" score.
/// </summary>
public static class ColourDemoModel
{
    public const int Resolution = 96;
    public const double Width = 0.35;

    /// <summary>Share of the frame a colour must cover to beat "empty".</summary>
    public const double EmptyThreshold = 0.04;

    // Linear colour tests w·(R,G,B): for each part colour, a direction that separates it from the belt and the other
    // parts with the largest worst-case margin under ±15 per channel noise and ±12% shading (found by a small grid
    // search over weights in steps of 0.25; thresholds below are derived from the palette, not tuned).
    private static readonly double[][] ColourTests =
    [
        [1.25, -1.5, 0.0],
        [-1.75, 1.75, -0.5],
        [-1.25, 0.0, 1.75],
        [1.0, 1.25, 0.0],
    ];

    private const double Noise = 15;
    private const double Shading = 0.12;
    private const float LogitGain = 10f;

    /// <summary>Writes the ONNX model to <paramref name="path"/> (ImageNet mean/std preprocessing, NCHW float input).</summary>
    public static void Write(string path)
    {
        OnnxWriter.Write(Build(), path);
        File.WriteAllLines(LabelsPath(path), ColourDemoPalette.Labels);
    }

    /// <summary>Where <see cref="Write"/> puts the labels (one per line, output order) for a model at <paramref name="modelPath"/>.</summary>
    public static string LabelsPath(string modelPath) => Path.ChangeExtension(modelPath, ".labels.txt");

    public static OnnxModel Build()
    {
        var net = CreateNet();
        var ranges = ReferenceExecutor.Calibrate(net, CalibrationScenes());
        var model = StandardOpsExporter.Export(net, ranges, unsigned: true, softmax: false, keras: false);
        model.Metadata.Add(("labels", string.Join(",", ColourDemoPalette.Labels)));
        model.Metadata.Add(("description", "colour demo: dominant part colour on a grey belt, analytic weights"));
        return model;
    }

    internal static Net CreateNet()
    {
        var classes = ColourDemoPalette.Labels.Count;
        var net = MobileNetModelBuilder.CreateNet(new ModelBuildOptions
        {
            Architecture = MobileNetArchitecture.MobileNetV2,
            Width = Width,
            Resolution = Resolution,
            Classes = classes,
        });

        var features = ColourDemoPalette.Parts.Count;
        foreach (var op in net.Ops)
        {
            switch (op)
            {
                case ConvOp c when c.Name == "stem":
                    SetStem(c);
                    break;
                case ConvOp c when c.Name.EndsWith(".project", StringComparison.Ordinal) && IsResidualBranch(net, c):
                    Zero(c);
                    break;
                case ConvOp c when c.IsDepthwise:
                    SetDepthwise(c, features);
                    break;
                case ConvOp c:
                    SetIdentity(c, features);
                    break;
                case GemmOp g:
                    SetClassifier(g, features);
                    break;
            }
        }

        return net;
    }

    private static void SetStem(ConvOp c)
    {
        c.Normalize = false;
        Array.Clear(c.Weights);
        Array.Clear(c.Bias);
        var centre = (c.Kernel / 2 * c.Kernel) + (c.Kernel / 2);
        for (var k = 0; k < ColourTests.Length; k++)
        {
            var w = ColourTests[k];
            var (threshold, margin) = Threshold(k);

            // Saturate at 6 a quarter of the margin before the worst-case pixel of this colour.
            var gain = 6 / (0.75 * margin);
            double constant = 0;
            for (var ch = 0; ch < 3; ch++)
            {
                // The input is (p/255 - mean)/std, so p = 255·(std·x + mean).
                c.Weights[((k * 3) + ch) * c.Kernel * c.Kernel + centre] = (float)(gain * w[ch] * 255 * ImageNetNormalization.Std[ch]);
                constant += w[ch] * 255 * ImageNetNormalization.Mean[ch];
            }

            c.Bias[k] = (float)(gain * (constant - threshold));
        }
    }

    /// <summary>Midpoint between the worst case of colour k and the worst case of everything else, and half the gap.</summary>
    internal static (double Threshold, double Margin) Threshold(int k)
    {
        var w = ColourTests[k];
        var norm = w.Sum(Math.Abs);
        (double Low, double High) Range((string, byte R, byte G, byte B) colour)
        {
            var v = (w[0] * colour.R) + (w[1] * colour.G) + (w[2] * colour.B);
            var (a, b) = (v * (1 - Shading), v * (1 + Shading));
            return (Math.Min(a, b) - (Noise * norm), Math.Max(a, b) + (Noise * norm));
        }

        var own = Range(ColourDemoPalette.Parts[k]).Low;
        var others = ColourDemoPalette.Parts.Where((_, j) => j != k).Append(ColourDemoPalette.Belt).Max(p => Range(p).High);
        if (own <= others)
        {
            throw new InvalidOperationException($"colour test {k} does not separate {ColourDemoPalette.Parts[k].Label}");
        }

        return ((own + others) / 2, (own - others) / 2);
    }

    private static void SetDepthwise(ConvOp c, int features)
    {
        c.Normalize = false;
        Array.Clear(c.Weights);
        Array.Clear(c.Bias);
        var kk = c.Kernel * c.Kernel;
        var mid = c.Kernel / 2;
        for (var ch = 0; ch < features; ch++)
        {
            if (c.Stride == 1)
            {
                c.Weights[ch * kk + (mid * c.Kernel) + mid] = 1;
            }
            else
            {
                // With pad 1 and stride 2, taps (1..2, 1..2) cover input rows/cols 2i, 2i+1: exact 2x2 average pooling.
                foreach (var (y, x) in new[] { (mid, mid), (mid, mid + 1), (mid + 1, mid), (mid + 1, mid + 1) })
                {
                    c.Weights[ch * kk + (y * c.Kernel) + x] = 0.25f;
                }
            }
        }
    }

    private static void SetIdentity(ConvOp c, int features)
    {
        c.Normalize = false;
        Array.Clear(c.Weights);
        Array.Clear(c.Bias);
        for (var ch = 0; ch < features; ch++)
        {
            c.Weights[ch * c.InPerGroup + ch] = 1;
        }
    }

    private static void Zero(ConvOp c)
    {
        c.Normalize = false;
        Array.Clear(c.Weights);
        Array.Clear(c.Bias);
    }

    private static bool IsResidualBranch(Net net, ConvOp project) =>
        net.Ops.OfType<AddOp>().Any(a => a.B == project.Output);

    private static void SetClassifier(GemmOp g, int features)
    {
        g.Normalize = false;
        Array.Clear(g.Weights);
        Array.Clear(g.Bias);

        // Pooled channel k is 6 × (area share of colour k); logit = gain × that, against gain × 6 × threshold.
        g.Bias[0] = (float)(LogitGain * 6 * EmptyThreshold);
        for (var k = 0; k < features; k++)
        {
            g.Weights[((k + 1) * g.InFeatures) + k] = LogitGain;
        }
    }

    /// <summary>Belt frames with one patch of each colour, for activation ranges only (weights are fixed).</summary>
    private static IReadOnlyList<float[]> CalibrationScenes()
    {
        var scenes = new List<float[]>();
        var r = Resolution;
        foreach (var size in new[] { r / 4, r / 2, r })
        {
            var pixels = new byte[r * r * 3];
            for (var i = 0; i < r * r; i++)
            {
                (pixels[3 * i], pixels[3 * i + 1], pixels[3 * i + 2]) = (ColourDemoPalette.Belt.R, ColourDemoPalette.Belt.G, ColourDemoPalette.Belt.B);
            }

            for (var k = 0; k < ColourDemoPalette.Parts.Count; k++)
            {
                var (_, cr, cg, cb) = ColourDemoPalette.Parts[k];
                var x0 = k * r / ColourDemoPalette.Parts.Count;
                for (var y = 0; y < size; y++)
                {
                    for (var x = x0; x < Math.Min(r, x0 + size / 2); x++)
                    {
                        var i = (y * r) + x;
                        (pixels[3 * i], pixels[3 * i + 1], pixels[3 * i + 2]) = (cr, cg, cb);
                    }
                }
            }

            scenes.Add(Normalize(pixels, r));
        }

        // Each colour filling the whole frame fixes the top of every range.
        foreach (var (_, cr, cg, cb) in ColourDemoPalette.Parts)
        {
            var pixels = new byte[r * r * 3];
            for (var i = 0; i < r * r; i++)
            {
                (pixels[3 * i], pixels[3 * i + 1], pixels[3 * i + 2]) = (cr, cg, cb);
            }

            scenes.Add(Normalize(pixels, r));
        }

        return scenes;
    }

    private static float[] Normalize(byte[] rgb, int r)
    {
        var plane = r * r;
        var x = new float[3 * plane];
        for (var i = 0; i < plane; i++)
        {
            for (var c = 0; c < 3; c++)
            {
                x[c * plane + i] = ((rgb[3 * i + c] / 255f) - ImageNetNormalization.Mean[c]) / ImageNetNormalization.Std[c];
            }
        }

        return x;
    }
}
