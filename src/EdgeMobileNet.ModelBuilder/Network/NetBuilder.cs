namespace EdgeMobileNet.ModelBuilder.Network;

/// <summary>Appends layers to a <see cref="Net"/>, tracking shapes and drawing He-initialised weights from the seed.</summary>
internal sealed class NetBuilder(Net net, SplitMix64 random)
{
    public Net Net { get; } = net;

    public int Conv(string name, int input, int outChannels, int kernel, int stride, Activation activation, int groups = 1)
    {
        var (c, h, w) = Net.Shapes[input];
        var op = new ConvOp
        {
            Name = name,
            Input = input,
            InChannels = c,
            OutChannels = outChannels,
            Kernel = kernel,
            Stride = stride,
            Groups = groups,
            Activation = activation,
        };
        var fanIn = op.InPerGroup * kernel * kernel;
        op.Weights = He(outChannels * fanIn, fanIn);
        op.Bias = new float[outChannels];
        return Net.Add(op, (outChannels, (h - 1) / stride + 1, (w - 1) / stride + 1));
    }

    /// <summary>
    /// Depthwise conv whose filters are a smooth low-pass bump plus a random part. Purely random zero-mean filters
    /// are high-pass; on natural images they keep little of the (spatially correlated) signal while passing
    /// uncorrelated rounding noise at full strength, so after normalisation every layer loses signal-to-noise and
    /// an int8 model drifts away from its float original. Trained depthwise filters are mostly smooth too.
    /// </summary>
    public int Depthwise(string name, int input, int kernel, int stride, Activation activation)
    {
        var value = Conv(name, input, Net.Shapes[input].C, kernel, stride, activation, groups: Net.Shapes[input].C);
        var op = (ConvOp)Net.Ops[^1];
        var bump = new double[kernel * kernel];
        var centre = (kernel - 1) / 2.0;
        var sigma = kernel / 3.0;
        for (var y = 0; y < kernel; y++)
        {
            for (var x = 0; x < kernel; x++)
            {
                bump[y * kernel + x] = Math.Exp(-(((y - centre) * (y - centre)) + ((x - centre) * (x - centre))) / (2 * sigma * sigma));
            }
        }

        var sum = bump.Sum();
        for (var i = 0; i < op.Weights.Length; i++)
        {
            // The He draw has std √2/k; rescaled, the random part has std RandomShare/k against bump taps of about 1/k².
            op.Weights[i] = (float)((bump[i % bump.Length] / sum) + (RandomShare * op.Weights[i] / Math.Sqrt(2)));
        }

        return value;
    }

    /// <summary>Weight of the random part of depthwise filters relative to their smooth part.</summary>
    public const double RandomShare = 0.25;

    /// <summary>
    /// Makes a bottleneck's projection (expanded → output) a random mixing of the transpose of its expansion
    /// (input → expanded), plus a random part: W_p = R·W_eᵀ + ρ·N. A purely random projection of the many,
    /// strongly correlated expanded channels cancels most of their common signal but none of their independent
    /// rounding noise; mapping back through the expansion keeps the signal, as a trained bottleneck does.
    /// </summary>
    public void CoherentProjection(int expandValue, int projectValue)
    {
        var expand = (ConvOp)Net.Ops.Single(o => o.Output == expandValue);
        var project = (ConvOp)Net.Ops.Single(o => o.Output == projectValue);
        int inC = expand.InChannels, expC = expand.OutChannels, outC = project.OutChannels;
        var mix = He(outC * inC, inC);
        var w = project.Weights;
        var scale = Math.Sqrt(2.0 / expC);
        for (var o = 0; o < outC; o++)
        {
            for (var e = 0; e < expC; e++)
            {
                double sum = 0;
                for (var i = 0; i < inC; i++)
                {
                    sum += mix[o * inC + i] * expand.Weights[e * inC + i];
                }

                // w[...] is the He draw (std `scale`): rescale it to the std of the R·W_eᵀ term, 2/√inC.
                w[o * expC + e] = (float)(sum + (ProjectionRandomShare * (w[o * expC + e] / scale) * 2 / Math.Sqrt(inC)));
            }
        }
    }

    /// <summary>Weight of the random part of bottleneck projections.</summary>
    public const double ProjectionRandomShare = 0.3;

    public int Add(string name, int a, int b) => Net.Add(new AddOp { Name = name, A = a, B = b }, Net.Shapes[a]);

    public int Pool(string name, int input) => Net.Add(new PoolOp { Name = name, Input = input }, (Net.Shapes[input].C, 1, 1));

    public int Scale(string name, int x, int gate) => Net.Add(new ScaleOp { Name = name, X = x, Gate = gate }, Net.Shapes[x]);

    /// <summary>Squeeze-and-excitation: pool, 1x1 reduce + ReLU, 1x1 expand + hard sigmoid, channel-wise product.</summary>
    public int SqueezeExcite(string name, int input, int squeezeChannels)
    {
        var pooled = Pool(name + ".pool", input);
        var reduced = Conv(name + ".reduce", pooled, squeezeChannels, 1, 1, Activation.Relu);
        var gate = Conv(name + ".expand", reduced, Net.Shapes[input].C, 1, 1, Activation.HardSigmoid);
        return Scale(name + ".scale", input, gate);
    }

    public int Classifier(string name, int pooled, int classes)
    {
        var features = Net.Shapes[pooled].C;
        var op = new GemmOp
        {
            Name = name,
            Input = pooled,
            InFeatures = features,
            OutFeatures = classes,
            Weights = He(classes * features, features),
            Bias = new float[classes],
        };
        return Net.Add(op, (classes, 1, 1));
    }

    private float[] He(int count, int fanIn)
    {
        var std = Math.Sqrt(2.0 / fanIn);
        var w = new float[count];
        for (var i = 0; i < w.Length; i++)
        {
            w[i] = (float)(random.NextGaussian() * std);
        }

        return w;
    }
}
