using System.Globalization;
using EdgeMobileNet.Capture.V4l2;

namespace EdgeMobileNet.Capture.Rpicam;

/// <summary>
/// Settings of a Pi CSI camera source (<c>Source:Kind rpicam</c>), bound from <c>Source</c> and
/// <c>Source:Rpicam</c>. The source runs <c>rpicam-vid</c> (Raspberry Pi OS Bookworm and later; the older name
/// <c>libcamera-vid</c> takes the same options and can be set as <see cref="Executable"/>) and reads raw YUV420 from
/// its stdout.
/// </summary>
internal sealed class RpicamOptions
{
    public string Executable { get; set; } = "rpicam-vid";

    /// <summary>Camera index as rpicam-vid --list-cameras numbers them.</summary>
    public int Camera { get; set; }

    public int Width { get; set; } = 640;

    public int Height { get; set; } = 480;

    public double FrameRate { get; set; } = 30;

    /// <summary>Fixed exposure time in microseconds (--shutter); null = automatic exposure.</summary>
    public int? ShutterUs { get; set; }

    /// <summary>Fixed analogue gain (--gain); null = automatic.</summary>
    public double? Gain { get; set; }

    /// <summary>Fixed red and blue white-balance gains "r,b" (--awbgains), which turns AWB off; null = automatic.</summary>
    public string? AwbGains { get; set; }

    /// <summary>"auto" (continuous autofocus) or a lens position in dioptres (1/metres; 0 = infinity) for cameras
    /// with a focus motor (Camera Module 3); null = the camera's default.</summary>
    public string? LensPosition { get; set; }

    /// <summary>Region of interest "x,y,w,h" as fractions of the sensor (--roi), a digital zoom; null = full view.</summary>
    public string? Roi { get; set; }

    /// <summary>"auto" (on for a Raspberry Pi 5), "on" or "off": rpicam-vid --low-latency.</summary>
    public string LowLatency { get; set; } = "auto";

    /// <summary>Bytes between rows of the Y plane as rpicam-vid writes them; 0 = <see cref="Width"/> rounded up to
    /// <see cref="StrideAlign"/>. Chroma rows are half of it.</summary>
    public int Stride { get; set; }

    /// <summary>Row alignment of the camera stack's YUV420 buffers (64 bytes on the Pi 4 and Pi 5 ISPs as far as
    /// documented; check with the procedure in docs/cameras.md).</summary>
    public int StrideAlign { get; set; } = 64;

    public int RestartMinMs { get; set; } = 500;

    public int RestartMaxMs { get; set; } = 10_000;

    /// <summary>The stride in effect.</summary>
    public int EffectiveStride => Stride > 0 ? Stride : (Width + StrideAlign - 1) / StrideAlign * StrideAlign;

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Executable))
        {
            throw new CameraException("Source:Rpicam:Executable: empty (expected rpicam-vid)");
        }

        if (Width < 16 || Height < 16 || Width > 9152 || Height > 6944 || Width % 2 != 0 || Height % 2 != 0)
        {
            throw new CameraException($"Source:Width/Height: {Width}x{Height} is not a YUV420 camera size (even, 16..9152 x 16..6944)");
        }

        if (!(FrameRate > 0 && FrameRate <= 240))
        {
            throw new CameraException($"Source:FrameRate: {FrameRate} is not between 0 and 240 (exclusive of 0)");
        }

        if (Camera < 0)
        {
            throw new CameraException($"Source:Rpicam:Camera: {Camera} is negative");
        }

        if (ShutterUs is <= 0)
        {
            throw new CameraException($"Source:Rpicam:ShutterUs: {ShutterUs} must be positive");
        }

        if (Gain is { } g && !(g >= 1 && g <= 64))
        {
            throw new CameraException($"Source:Rpicam:Gain: {g} is not between 1 and 64");
        }

        if (AwbGains is { } awb && ParseNumbers(awb, 2, "Source:Rpicam:AwbGains", "r,b").Any(v => v <= 0 || v > 16))
        {
            throw new CameraException($"Source:Rpicam:AwbGains: '{awb}' needs two gains between 0 and 16");
        }

        if (LensPosition is { } lp && !IsAuto(lp) && !(double.TryParse(lp, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d >= 0 && d <= 32))
        {
            throw new CameraException($"Source:Rpicam:LensPosition: '{lp}' is not auto or dioptres between 0 and 32");
        }

        if (Roi is { } roi)
        {
            var v = ParseNumbers(roi, 4, "Source:Rpicam:Roi", "x,y,w,h");
            if (v.Any(x => x < 0 || x > 1) || v[2] <= 0 || v[3] <= 0 || v[0] + v[2] > 1 || v[1] + v[3] > 1)
            {
                throw new CameraException($"Source:Rpicam:Roi: '{roi}' must be fractions with x+w ≤ 1 and y+h ≤ 1");
            }
        }

        if (LowLatency.Trim().ToLowerInvariant() is not ("auto" or "on" or "off"))
        {
            throw new CameraException($"Source:Rpicam:LowLatency: '{LowLatency}' is not auto, on or off");
        }

        if (StrideAlign is < 1 or > 4096 || (Stride != 0 && Stride < Width) || Stride % 2 != 0)
        {
            throw new CameraException($"Source:Rpicam:Stride: {Stride} (align {StrideAlign}) cannot hold a {Width}-pixel row (0 = automatic, else even and ≥ width)");
        }
    }

    internal static bool IsAuto(string s) => string.Equals(s.Trim(), "auto", StringComparison.OrdinalIgnoreCase);

    internal static double[] ParseNumbers(string text, int count, string key, string shape)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var values = new double[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]))
            {
                throw new CameraException($"{key}: '{text}' is not {shape}");
            }
        }

        return values.Length == count ? values : throw new CameraException($"{key}: '{text}' is not {shape}");
    }
}
