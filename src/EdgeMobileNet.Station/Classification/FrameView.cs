using EdgeMobileNet.Inference;
using EdgeMobileNet.Station.Configuration;
using EdgeMobileNet.Vision;

namespace EdgeMobileNet.Station.Classification;

/// <summary>
/// The part of a camera frame that is classified: the frame turned clockwise by <c>Source:Rotate</c>, then cut to
/// <c>Source:Roi</c> (in the turned frame's pixels). An inspection camera sees the part at a fixed place, so the
/// classifier gets that place rather than the whole belt. Reuses one buffer while the geometry stays the same.
/// </summary>
internal sealed class FrameView
{
    private readonly int _rotate;
    private readonly RoiOptions _roi;
    private RgbImage? _view;

    private FrameView(int rotate, RoiOptions roi)
    {
        _rotate = rotate;
        _roi = roi;
    }

    public static FrameView From(SourceOptions source) => new(source.Rotate, source.Roi);

    /// <summary>True when frames are classified whole and upright (no copy is made).</summary>
    public bool IsIdentity => _rotate == 0 && _roi.IsWholeFrame;

    /// <summary>True when frames are turned (the region is then cut from the turned frame).</summary>
    public bool Rotates => _rotate != 0;

    /// <summary>The classified region in the turned frame's pixels; refuses one that does not fit the frame.</summary>
    public FrameRegion RegionOf(int width, int height)
    {
        var (turnedW, turnedH) = _rotate is 90 or 270 ? (height, width) : (width, height);
        var (x0, y0, w, h) = _roi.IsWholeFrame ? (0, 0, turnedW, turnedH) : (_roi.X, _roi.Y, _roi.Width, _roi.Height);
        if ((long)x0 + w > turnedW || (long)y0 + h > turnedH)
        {
            throw new EdgeMobileNetException(
                $"Source:Roi: {w}x{h} at {x0},{y0} does not fit the {turnedW}x{turnedH} frame{(_rotate != 0 ? $" (turned {_rotate}°)" : "")}");
        }

        return new FrameRegion(x0, y0, w, h);
    }

    public RgbImage Apply(RgbImage frame)
    {
        if (IsIdentity)
        {
            return frame;
        }

        var (x0, y0, w, h) = RegionOf(frame.Width, frame.Height);
        if (_view is null || _view.Width != w || _view.Height != h)
        {
            _view = new RgbImage(w, h);
        }

        var src = frame.Pixels;
        var dst = _view.Pixels;
        var d = 0;
        for (var y = y0; y < y0 + h; y++)
        {
            for (var x = x0; x < x0 + w; x++, d += 3)
            {
                // (x, y) in the turned frame → (sx, sy) in the camera frame.
                var (sx, sy) = _rotate switch
                {
                    90 => (y, frame.Height - 1 - x),
                    180 => (frame.Width - 1 - x, frame.Height - 1 - y),
                    270 => (frame.Width - 1 - y, x),
                    _ => (x, y),
                };
                var s = (sy * frame.Width + sx) * 3;
                dst[d] = src[s];
                dst[d + 1] = src[s + 1];
                dst[d + 2] = src[s + 2];
            }
        }

        return _view;
    }
}
