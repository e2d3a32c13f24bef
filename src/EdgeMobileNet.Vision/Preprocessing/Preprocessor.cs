using EdgeMobileNet.Inference;

namespace EdgeMobileNet.Vision;

/// <summary>Normalisation and crop settings. Defaults: ImageNet mean/std on [0,1] pixels, resize 256 → crop 224.</summary>
public sealed record PreprocessOptions
{
    public static PreprocessOptions ImageNet { get; } = new();

    public float[] Mean { get; init; } = [0.485f, 0.456f, 0.406f];

    public float[] Std { get; init; } = [0.229f, 0.224f, 0.225f];

    /// <summary>Shorter side is resized to round(size × ratio) before the centre crop (256/224 by convention).</summary>
    public float ResizeRatio { get; init; } = 256f / 224f;
}

/// <summary>RGB image → a model's input tensor (resize shorter side, centre crop, normalise, layout).
/// Reuses its scratch buffers between calls, so a frame loop allocates nothing. Not thread-safe: one per worker.</summary>
/// <remarks>
/// The resize reproduces PIL's <c>Image.resize(BILINEAR)</c> bit for bit (see <see cref="BilinearResampler"/>), which
/// is how the reference tensors and the published accuracy figures were produced; only the crop window is computed.
/// </remarks>
public sealed class Preprocessor
{
    private readonly BilinearResampler _resampler = new();
    private readonly RgbImage _crop;

    // Per channel, the model value of each 0..255 pixel: one lookup replaces a divide, subtract and divide per value.
    private readonly float[] _table = new float[3 * 256];

    public Preprocessor(ModelInputInfo input, PreprocessOptions options)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(options);
        if (input.Channels != 3)
        {
            throw new EdgeMobileNetException($"model input '{input.Name}' has {input.Channels} channels; the preprocessor feeds RGB (3)");
        }

        if (input.Height < 1 || input.Width < 1)
        {
            throw new EdgeMobileNetException($"model input '{input.Name}' has no usable image size ({input.Width}x{input.Height})");
        }

        if (options.Mean is not { Length: 3 } || options.Std is not { Length: 3 })
        {
            throw new EdgeMobileNetException($"preprocess mean and std need 3 values each (R, G, B), got {options.Mean?.Length ?? 0} and {options.Std?.Length ?? 0}");
        }

        // Below 1 the crop would not fit; far above the conventional 1.14 it is surely a typo (and would overflow).
        if (!(options.ResizeRatio >= 1f && options.ResizeRatio <= 8f))
        {
            throw new EdgeMobileNetException($"preprocess resize ratio must be between 1 and 8 (256/224 by convention), got {options.ResizeRatio}");
        }

        for (var c = 0; c < 3; c++)
        {
            if (!(options.Std[c] > 0f) || !float.IsFinite(options.Mean[c]) || !float.IsFinite(options.Std[c]))
            {
                throw new EdgeMobileNetException($"preprocess std must be positive and mean finite, got mean {options.Mean[c]} / std {options.Std[c]} for channel {"RGB"[c]}");
            }
        }

        Input = input;
        Options = options;
        ShortSide = ResizeGeometry.ShortSideFor(input.Width, input.Height, options.ResizeRatio);
        _crop = new RgbImage(input.Width, input.Height);

        for (var c = 0; c < 3; c++)
        {
            for (var v = 0; v < 256; v++)
            {
                // float32 arithmetic in the order a NumPy pipeline does it: v/255, minus mean, over std.
                _table[(c * 256) + v] = input.ElementKind == TensorElementKind.UInt8
                    ? v
                    : ((v / 255f) - options.Mean[c]) / options.Std[c];
            }
        }
    }

    public ModelInputInfo Input { get; }

    public PreprocessOptions Options { get; }

    /// <summary>The shorter side of the resized image before the centre crop (256 for a 224 model by default).</summary>
    public int ShortSide { get; }

    /// <summary>Per channel (R, G, B), the model value of each pixel value 0..255 (3 x 256 values).</summary>
    internal ReadOnlySpan<float> Table => _table;

    /// <summary>The uint8 crop produced by the last <see cref="Run"/>; valid until the next call.</summary>
    public RgbImage LastCrop => _crop;

    /// <summary>Geometry used for an image of the given size.</summary>
    public ResizeGeometry GeometryFor(int width, int height) => ResizeGeometry.For(width, height, ShortSide, Input.Width, Input.Height);

    /// <summary>Writes the model input for <paramref name="image"/> into <paramref name="destination"/>
    /// (<see cref="ModelInputInfo.ElementCount"/> values in the model's layout).</summary>
    public void Run(RgbImage image, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (destination.Length != Input.ElementCount)
        {
            throw new ArgumentException($"destination holds {destination.Length} values, model input '{Input.Name}' needs {Input.ElementCount}", nameof(destination));
        }

        RunToRgb(image, _crop);
        WriteTensor(_crop, destination);
    }

    /// <summary>Resizes and centre-crops <paramref name="image"/> into <paramref name="destinationCrop"/> (model W×H),
    /// the uint8 stage before normalisation.</summary>
    public void RunToRgb(RgbImage image, RgbImage destinationCrop)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(destinationCrop);
        var geometry = GeometryFor(image.Width, image.Height);
        _resampler.ResizeCrop(image, geometry, destinationCrop);
    }

    /// <summary>Normalises an already cropped W×H image into the model's layout.</summary>
    public void WriteTensor(RgbImage crop, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(crop);
        if (crop.Width != Input.Width || crop.Height != Input.Height)
        {
            throw new ArgumentException($"crop is {crop.Width}x{crop.Height}, model input '{Input.Name}' is {Input.Width}x{Input.Height}", nameof(crop));
        }

        if (destination.Length != Input.ElementCount)
        {
            throw new ArgumentException($"destination holds {destination.Length} values, model input '{Input.Name}' needs {Input.ElementCount}", nameof(destination));
        }

        ReadOnlySpan<byte> pixels = crop.Pixels;
        ReadOnlySpan<float> r = _table.AsSpan(0, 256), g = _table.AsSpan(256, 256), b = _table.AsSpan(512, 256);
        int count = Input.Width * Input.Height;
        if (Input.Layout == TensorLayout.Nchw)
        {
            var dr = destination[..count];
            var dg = destination.Slice(count, count);
            var db = destination.Slice(2 * count, count);
            for (int i = 0, p = 0; i < count; i++, p += 3)
            {
                dr[i] = r[pixels[p]];
                dg[i] = g[pixels[p + 1]];
                db[i] = b[pixels[p + 2]];
            }
        }
        else
        {
            for (var p = 0; p < pixels.Length; p += 3)
            {
                destination[p] = r[pixels[p]];
                destination[p + 1] = g[pixels[p + 1]];
                destination[p + 2] = b[pixels[p + 2]];
            }
        }
    }
}
