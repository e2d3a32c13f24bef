using EdgeMobileNet.Inference;

namespace EdgeMobileNet.Vision;

/// <summary>A rectangle of a frame in source pixels: the part the model sees (resized and centre-cropped as a whole
/// image would be).</summary>
public readonly record struct FrameRegion(int X, int Y, int Width, int Height)
{
    public static FrameRegion Full(int width, int height) => new(0, 0, width, height);
}

/// <summary>
/// A raw camera frame (I420, NV12, YUYV, RGB24, GRAY8) or a decoded image to a model's input in one pass over the
/// rows: each source row the resize reads is converted to RGB only over the columns the crop needs, filtered
/// horizontally, then the vertical pass makes the crop, and one lookup per value turns a pixel into the model's value.
/// For an engine that takes its quantised input directly (<see cref="IQuantizedInput"/>, the managed engine on an int8
/// model) that lookup gives the byte the model's first QuantizeLinear would produce, written straight into the
/// engine's arena; no float image is made at all.
/// <para>
/// The result is the same as <see cref="PixelConverter.ToRgb"/> followed by <see cref="Preprocessor.Run"/> (and the
/// engine's own quantisation): the same conversion, the same PIL-exact filter weights (precomputed per geometry and
/// cached), the same normalisation table. Buffers are kept between frames, so a stream allocates nothing. Not
/// thread-safe: one per worker.
/// </para>
/// </summary>
public sealed unsafe class FrameToTensor
{
    private static readonly PlanarOutput Identity = PlanarOutput.Identity();

    private readonly Preprocessor _preprocessor;
    private readonly BilinearResampler _resampler = new();
    private readonly IClassifier? _classifier;
    private readonly IQuantizedInput? _quantized;
    private readonly PlanarOutput? _toQuantized;
    private byte[] _line = [];
    private byte[] _rows = [];
    private byte[] _crop = [];
    private int _planeStride;
    private bool _vector;
    private bool _cropPending;
    // Horizontal plans per filter bank (null: the bank's blocks are too wide for a plan), bounded like the resampler's
    // bank cache, so a station alternating between a few regions builds each plan once.
    private readonly Dictionary<FilterBank, PlanarFilter?> _plans = new(ReferenceEqualityComparer.Instance);

    /// <summary>Writes into a caller's float buffer (<see cref="Write(ReadOnlySpan{byte}, PixelFormat, int, int, FrameRegion, Span{float})"/>).</summary>
    public FrameToTensor(ModelInputInfo input, PreprocessOptions options)
    {
        _preprocessor = new Preprocessor(input, options);
    }

    /// <summary>Writes into <paramref name="classifier"/>'s input: its quantised input when it offers one, else its
    /// float <see cref="IClassifier.InputBuffer"/>; <see cref="Run"/> then runs it from there.</summary>
    public FrameToTensor(IClassifier classifier, PreprocessOptions options)
        : this((classifier ?? throw new ArgumentNullException(nameof(classifier))).Input, options)
    {
        _classifier = classifier;
        if (classifier is IQuantizedInput { HasQuantizedInput: true } q && classifier.Input.Layout == TensorLayout.Nchw)
        {
            _quantized = q;
            var table = _preprocessor.Table;
            var bytes = new byte[table.Length];
            q.QuantizeInput(table, bytes);
            _toQuantized = new PlanarOutput(bytes);
        }
    }

    public ModelInputInfo Input => _preprocessor.Input;

    /// <summary>Vector loops where the CPU has them; tests switch them off to check the scalar loops agree.</summary>
    internal bool UseVectors { get; init; } = true;

    /// <summary>The vector instructions the one-pass loops use on this CPU: avx512, avx2, ssse3, neon or scalar.</summary>
    public static string VectorIsa => Simd.Isa;

    /// <summary>True when frames go straight to the engine's quantised input.</summary>
    public bool WritesQuantized => _quantized is not null;

    /// <summary>The uint8 RGB crop of the last frame (valid until the next one).</summary>
    public RgbImage LastCrop
    {
        get
        {
            if (_cropPending)
            {
                FillLastCrop();
            }

            return _preprocessor.LastCrop;
        }
    }

    /// <summary>Geometry used for a region of the given size.</summary>
    public ResizeGeometry GeometryFor(int width, int height) => _preprocessor.GeometryFor(width, height);

    /// <summary>A raw frame (whole, or <paramref name="region"/> of it) into the bound classifier's input.</summary>
    public void Write(ReadOnlySpan<byte> frame, PixelFormat format, int width, int height, FrameRegion? region = null)
    {
        var classifier = _classifier ?? throw new InvalidOperationException("not bound to a classifier: pass a destination");
        Crop(frame, format, width, height, region ?? FrameRegion.Full(width, height));
        Finish(classifier);
    }

    /// <summary>A decoded image (e.g. an MJPEG frame) into the bound classifier's input.</summary>
    public void Write(RgbImage image, FrameRegion? region = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        Write(image.Pixels, PixelFormat.RGB24, image.Width, image.Height, region);
    }

    /// <summary>A raw frame into <paramref name="destination"/>, float values in the model's layout.</summary>
    public void Write(ReadOnlySpan<byte> frame, PixelFormat format, int width, int height, FrameRegion region, Span<float> destination)
    {
        Crop(frame, format, width, height, region);
        _preprocessor.WriteTensor(LastCrop, destination);
    }

    /// <summary>Runs the bound classifier on what <see cref="Write(ReadOnlySpan{byte}, PixelFormat, int, int, FrameRegion?)"/>
    /// wrote; the span is valid until the next run.</summary>
    public ReadOnlySpan<float> Run()
    {
        var classifier = _classifier ?? throw new InvalidOperationException("not bound to a classifier");
        return _quantized is { } q ? q.RunQuantized() : classifier.Run();
    }

    private void Finish(IClassifier classifier)
    {
        if (_quantized is not { } q)
        {
            _preprocessor.WriteTensor(LastCrop, classifier.InputBuffer);
            return;
        }

        var dst = q.QuantizedInputBuffer;
        int width = Input.Width, height = Input.Height;
        if (dst.Length != width * height * 3)
        {
            throw new InvalidOperationException($"quantised input holds {dst.Length} bytes, the crop has {width * height * 3}");
        }

        fixed (byte* crop = _crop, output = dst)
        {
            _toQuantized!.Write(crop, _planeStride, width, height, output, _vector);
        }
    }

    private void FillLastCrop()
    {
        var image = _preprocessor.LastCrop;
        fixed (byte* crop = _crop, output = image.Pixels)
        {
            Identity.Write(crop, _planeStride, image.Width, image.Height, output, _vector);
        }

        _cropPending = false;
    }

    /// <summary>Converts, resizes and crops <paramref name="region"/> of the frame into the planar crop.</summary>
    private void Crop(ReadOnlySpan<byte> frame, PixelFormat format, int width, int height, FrameRegion region)
    {
        var needed = FrameGeometry.BytesPerFrame(format, width, height);
        if (frame.Length != needed)
        {
            throw new EdgeMobileNetException($"{format} frame {width}x{height} must be {needed} bytes, got {frame.Length}");
        }

        if (region.Width < 1 || region.Height < 1 || region.X < 0 || region.Y < 0 || region.X + region.Width > width || region.Y + region.Height > height)
        {
            throw new EdgeMobileNetException($"region {region.Width}x{region.Height} at ({region.X},{region.Y}) is outside the {width}x{height} frame");
        }

        var geometry = _preprocessor.GeometryFor(region.Width, region.Height);
        var horizontal = _resampler.Bank(region.Width, geometry.ResizedWidth, geometry.CropX, geometry.CropWidth);
        var vertical = _resampler.Bank(region.Height, geometry.ResizedHeight, geometry.CropY, geometry.CropHeight);
        int columnFirst = horizontal.SourceFirst, columns = horizontal.SourceEnd - columnFirst;
        int rowFirst = vertical.SourceFirst, rowCount = vertical.SourceEnd - rowFirst;

        _vector = UseVectors && _resampler.UseVectors && Simd.Vector128Paths;
        if (!_plans.TryGetValue(horizontal, out var plan))
        {
            if (_plans.Count >= 16)
            {
                _plans.Clear();
            }

            plan = PlanarFilter.TryCreate(horizontal);
            _plans[horizontal] = plan;
        }

        plan = _vector ? plan : null;

        // Planes of a row: R, G, B, each the window rounded up to 16 (the vector stores), so the vertical pass and the
        // output step see one flat row of 3 x planeStride bytes.
        _planeStride = plan?.PaddedLength ?? ((geometry.CropWidth + 15) & ~15);
        int rowStride = 3 * _planeStride;
        int lineStride = columns + PlanarFilter.SourcePadding;
        Grow(ref _line, 3 * lineStride);
        Grow(ref _rows, rowCount * rowStride);
        Grow(ref _crop, geometry.CropHeight * rowStride);

        fixed (byte* line = _line, rows = _rows, source = frame)
        {
            int firstY = region.Y + rowFirst, firstX = region.X + columnFirst;
            for (var r = 0; r < RowPrefetch.Ahead && r < rowCount; r++)
            {
                RowPrefetch.Row(source, format, width, height, firstY + r, firstX, columns);
            }

            for (var r = 0; r < rowCount; r++)
            {
                if (r + RowPrefetch.Ahead < rowCount)
                {
                    RowPrefetch.Row(source, format, width, height, firstY + r + RowPrefetch.Ahead, firstX, columns);
                }

                YuvRows.Convert(frame, format, width, height, region.Y + rowFirst + r, region.X + columnFirst, columns, line, line + lineStride, line + (2 * lineStride), _vector);
                // The bank counts columns from the region's left edge; each plane starts at its column columnFirst.
                byte* output = rows + ((long)r * rowStride);
                byte* origin = line - columnFirst;
                if (plan is not null)
                {
                    plan.Run(((nint)origin, (nint)output), ((nint)(origin + lineStride), (nint)(output + _planeStride)), ((nint)(origin + (2 * lineStride)), (nint)(output + (2 * _planeStride))));
                }
                else
                {
                    for (var c = 0; c < 3; c++)
                    {
                        PlanarFilter.RunScalar(horizontal, origin + (c * lineStride), output + (c * _planeStride));
                    }
                }
            }
        }

        VerticalPass.Run(_rows, rowStride, vertical, _crop, _vector, Simd.WidestBits);
        _cropPending = true;
    }

    private static void Grow(ref byte[] buffer, int length)
    {
        if (buffer.Length < length)
        {
            buffer = new byte[length];
        }
    }
}
