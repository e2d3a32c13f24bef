using EdgeMobileNet.ModelBuilder.Network;

namespace EdgeMobileNet.ModelBuilder.Reference;

/// <summary>
/// Runs a <see cref="Net"/> in float on a batch of images (one [3,R,R] array each), parallel over images.
/// In calibration mode it also folds batch-norm-like statistics into each conv as it goes (one pass, layer by
/// layer: the statistics of layer i are taken on outputs of already-normalised layers 0..i-1) and records the
/// min/max of every value for int8 export.
/// </summary>
internal static class ReferenceExecutor
{
    /// <summary>How far above its int8 rounding noise a normalised channel's spread must stay.</summary>
    public const double NoiseMargin = 20;

    /// <summary>Output vectors of the net for each input.</summary>
    public static float[][] Run(Net net, IReadOnlyList<float[]> inputs) => Execute(net, inputs, calibrate: false, out _);

    /// <summary>
    /// Normalises the net in place on <paramref name="inputs"/> (ops with Normalize set) and returns the range of every
    /// value, plus for each op the range before its activation (convs) or before its bias (classifier).
    /// </summary>
    public static CalibrationRanges Calibrate(Net net, IReadOnlyList<float[]> inputs)
    {
        Execute(net, inputs, calibrate: true, out var ranges, out var pre);
        return new CalibrationRanges(ranges, pre);
    }

    private static float[][] Execute(Net net, IReadOnlyList<float[]> inputs, bool calibrate, out ValueRange[] ranges) =>
        Execute(net, inputs, calibrate, out ranges, out _);

    private static float[][] Execute(Net net, IReadOnlyList<float[]> inputs, bool calibrate, out ValueRange[] ranges, out ValueRange[] pre)
    {
        var inputSize = 3 * net.Resolution * net.Resolution;
        foreach (var input in inputs)
        {
            if (input.Length != inputSize)
            {
                throw new ArgumentException($"input has {input.Length} values, expected {inputSize} (3x{net.Resolution}x{net.Resolution})");
            }
        }

        // Free each value after its last use: a 224x224 batch would otherwise hold every layer at once.
        var lastUse = new int[net.Shapes.Count];
        for (var i = 0; i < net.Ops.Count; i++)
        {
            foreach (var v in net.Ops[i].Inputs)
            {
                lastUse[v] = i;
            }
        }

        var values = new float[net.Shapes.Count][][];
        ranges = new ValueRange[net.Shapes.Count];
        pre = new ValueRange[net.Shapes.Count];
        values[0] = [.. inputs];
        if (calibrate)
        {
            ranges[0] = ValueRange.Of(values[0]);
        }

        for (var i = 0; i < net.Ops.Count; i++)
        {
            var op = net.Ops[i];
            var shape = net.Shapes[op.Output];
            var size = shape.C * shape.H * shape.W;
            if (calibrate && op is GemmOp { Normalize: true } classifier)
            {
                FocusClassifier(classifier, values[classifier.Input]);
            }

            var outputs = new float[inputs.Count][];
            Parallel.For(0, inputs.Count, n =>
            {
                var y = outputs[n] = new float[size];
                switch (op)
                {
                    case ConvOp c:
                        Kernels.Conv(c, values[c.Input][n], net.Shapes[c.Input], y, shape);
                        if (!calibrate)
                        {
                            Kernels.Activate(y, c.Activation);
                        }

                        break;
                    case AddOp a:
                        var (xa, xb) = (values[a.A][n], values[a.B][n]);
                        for (var j = 0; j < size; j++)
                        {
                            y[j] = xa[j] + xb[j];
                        }

                        break;
                    case ScaleOp s:
                        var (x, g) = (values[s.X][n], values[s.Gate][n]);
                        var plane = shape.H * shape.W;
                        for (var j = 0; j < size; j++)
                        {
                            y[j] = x[j] * g[j / plane];
                        }

                        break;
                    case PoolOp p:
                        var inShape = net.Shapes[p.Input];
                        Kernels.GlobalAveragePool(values[p.Input][n], inShape.C, inShape.H * inShape.W, y);
                        break;
                    case GemmOp m:
                        Kernels.Gemm(m, values[m.Input][n], y);
                        break;
                    default:
                        throw new InvalidOperationException($"unknown op {op.GetType().Name}");
                }
            });

            if (calibrate)
            {
                switch (op)
                {
                    case ConvOp c:
                        if (c.Normalize)
                        {
                            Normalize(outputs, shape.C, shape.H * shape.W, c.Weights, c.Bias, 1f, Int8Step(ranges[c.Input]));
                        }

                        pre[op.Output] = ValueRange.Of(outputs);
                        foreach (var y in outputs)
                        {
                            Kernels.Activate(y, c.Activation);
                        }

                        break;
                    case GemmOp m:
                        if (m.Normalize)
                        {
                            Normalize(outputs, m.OutFeatures, 1, m.Weights, m.Bias, m.LogitScale, Int8Step(ranges[m.Input]), ClassSpread(m.OutFeatures));
                        }

                        pre[op.Output] = ValueRange.Of(outputs.Select(y => y.Select((v, k) => v - m.Bias[k]).ToArray()));
                        break;
                }

                ranges[op.Output] = ValueRange.Of(outputs);
            }

            values[op.Output] = outputs;
            foreach (var v in op.Inputs)
            {
                if (lastUse[v] == i && v != 0)
                {
                    values[v] = null!;
                }
            }
        }

        return values[net.OutputValue];
    }

    /// <summary>
    /// Restricts each class's random weight vector to the principal directions of the pooled calibration features,
    /// whitened. The images differ from each other mostly along those few directions, while int8 rounding noise is
    /// spread over all features; a classifier that only looks where the signal is keeps the float and int8 top-1
    /// in agreement and still ranks classes differently for different images.
    /// </summary>
    private static void FocusClassifier(GemmOp op, float[][] features)
    {
        var directions = PrincipalSubspace.Compute(features, MaxClassifierDirections);
        var d = op.InFeatures;
        var focused = new double[d];
        for (var c = 0; c < op.OutFeatures; c++)
        {
            var w = op.Weights.AsSpan(c * d, d);
            Array.Clear(focused);
            foreach (var (u, std) in directions)
            {
                double dot = 0;
                for (var j = 0; j < d; j++)
                {
                    dot += w[j] * u[j];
                }

                for (var j = 0; j < d; j++)
                {
                    focused[j] += dot * u[j] / std;
                }
            }

            for (var j = 0; j < d; j++)
            {
                w[j] = (float)focused[j];
            }
        }
    }

    /// <summary>
    /// Log-normal per-class logit scales. With 1000 classes of equal spread the best and second-best logits of an
    /// input are only about a quarter of a standard deviation apart, so any rounding noise reorders them; with
    /// unequal spreads a few classes compete for each input and the winner stands clear, as in a trained classifier.
    /// </summary>
    private static double[] ClassSpread(int classes)
    {
        var random = new Network.SplitMix64(0xC1A55E5);
        return [.. Enumerable.Range(0, classes).Select(_ => Math.Exp(ClassSpreadSigma * random.NextGaussian()))];
    }

    /// <summary>Standard deviation of the log of the per-class logit scales.</summary>
    public static double ClassSpreadSigma { get; set; } = 1.25;

    /// <summary>Principal directions the classifier may use (at most one fewer than the calibration images).</summary>
    public const int MaxClassifierDirections = 16;

    /// <summary>The int8 quantization step of a value with this range (255 levels over a range widened to 0).</summary>
    private static double Int8Step(ValueRange range) => (Math.Max(range.Max, 0) - Math.Min(range.Min, 0)) / 255.0;

    /// <summary>
    /// Per output channel: y' = scale·(y - mean)/std over images and positions, folded into the weights and bias that
    /// produced y, and applied to <paramref name="outputs"/> in place (identical to recomputing with the new weights).
    /// A random filter that barely responds to the calibration data (a high-pass filter on smooth images) would be
    /// scaled up until the rounding noise of its int8 input dominates it, and that noise then compounds layer by
    /// layer; so std is floored at <see cref="NoiseMargin"/> times the output noise that input rounding causes,
    /// step·‖w‖/√12 (uniform rounding error through the filter).
    /// </summary>
    private static void Normalize(float[][] outputs, int channels, int plane, float[] weights, float[] bias, float scale, double inputStep, double[]? channelScale = null)
    {
        var perChannel = weights.Length / channels;
        var means = new double[channels];
        var stds = new double[channels];
        var norms = new double[channels];
        Parallel.For(0, channels, c =>
        {
            double sum = 0, sumSq = 0;
            foreach (var y in outputs)
            {
                for (var j = c * plane; j < (c + 1) * plane; j++)
                {
                    sum += y[j];
                    sumSq += (double)y[j] * y[j];
                }
            }

            var count = (double)outputs.Length * plane;
            means[c] = sum / count;
            stds[c] = Math.Sqrt(Math.Max(0, (sumSq / count) - (means[c] * means[c])));
            double norm = 0;
            for (var j = c * perChannel; j < (c + 1) * perChannel; j++)
            {
                norm += (double)weights[j] * weights[j];
            }

            norms[c] = Math.Sqrt(norm);
        });

        Parallel.For(0, channels, c =>
        {
            var noise = inputStep * norms[c] / Math.Sqrt(12);
            var floor = Math.Max(NoiseMargin * noise, 1e-6);
            var gain = scale * (channelScale?[c] ?? 1) / Math.Max(stds[c], floor);
            for (var j = c * perChannel; j < (c + 1) * perChannel; j++)
            {
                weights[j] = (float)(weights[j] * gain);
            }

            bias[c] = (float)((bias[c] - means[c]) * gain);
            foreach (var y in outputs)
            {
                for (var j = c * plane; j < (c + 1) * plane; j++)
                {
                    y[j] = (float)((y[j] - means[c]) * gain);
                }
            }
        });
    }

}
