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
public sealed class FrameToTensor
{
    private readonly Preprocessor _preprocessor;
    private readonly BilinearResampler _resampler = new();
    private readonly IClassifier? _classifier;
    private readonly IQuantizedInput? _quantized;
    private readonly byte[]? _bytes;
    private byte[] _line = [];
    private byte[] _rows = [];

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
            _bytes = new byte[table.Length];
            q.QuantizeInput(table, _bytes);
        }
    }

    public ModelInputInfo Input => _preprocessor.Input;

    /// <summary>True when frames go straight to the engine's quantised input.</summary>
    public bool WritesQuantized => _quantized is not null;

    /// <summary>The uint8 RGB crop of the last frame (valid until the next one).</summary>
    public RgbImage LastCrop => _preprocessor.LastCrop;

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
        _preprocessor.WriteTensor(_preprocessor.LastCrop, destination);
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
            _preprocessor.WriteTensor(_preprocessor.LastCrop, classifier.InputBuffer);
            return;
        }

        // Channels-last bytes in crop order: value i is channel i mod 3.
        ReadOnlySpan<byte> crop = _preprocessor.LastCrop.Pixels;
        var dst = q.QuantizedInputBuffer;
        ReadOnlySpan<byte> r = _bytes.AsSpan(0, 256), g = _bytes.AsSpan(256, 256), b = _bytes.AsSpan(512, 256);
        if (dst.Length != crop.Length)
        {
            throw new InvalidOperationException($"quantised input holds {dst.Length} bytes, the crop has {crop.Length}");
        }

        for (var i = 0; i + 2 < crop.Length; i += 3)
        {
            dst[i] = r[crop[i]];
            dst[i + 1] = g[crop[i + 1]];
            dst[i + 2] = b[crop[i + 2]];
        }
    }

    /// <summary>Converts, resizes and crops <paramref name="region"/> of the frame into the preprocessor's crop.</summary>
    private unsafe void Crop(ReadOnlySpan<byte> frame, PixelFormat format, int width, int height, FrameRegion region)
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
        int rowStride = geometry.CropWidth * 3;

        // One converted source row (+1 byte: the horizontal vector path reads 4 bytes per pixel) and the rows of the
        // horizontal pass; grown once per geometry.
        if (_line.Length < (columns * 3) + 1)
        {
            _line = new byte[(columns * 3) + 1];
        }

        if (_rows.Length < rowCount * rowStride)
        {
            _rows = new byte[rowCount * rowStride];
        }

        var vector = _resampler.UseVectors;
        fixed (byte* line = _line, rows = _rows)
        {
            // First[x] counts from the region's left edge; the line starts at its column columnFirst.
            byte* origin = line - (columnFirst * 3);
            byte* safeEnd = line + (columns * 3) - 2;
            for (var r = 0; r < rowCount; r++)
            {
                PixelConverter.ConvertRow(frame, format, width, height, region.Y + rowFirst + r, region.X + columnFirst, columns, _line);
                BilinearResampler.HorizontalRow(origin, safeEnd, horizontal, rows + ((long)r * rowStride), vector);
            }
        }

        BilinearResampler.Vertical(_rows, rowStride, vertical, _preprocessor.LastCrop.Pixels, vector);
    }
}
