namespace EdgeMobileNet.Capture.V4l2;

/// <summary>
/// Settings of a V4L2 source (<c>Source:Kind v4l2</c>), bound from the <c>Source</c> section. Names are the
/// configuration keys; <see cref="Validate"/> rejects bad values naming the key.
/// </summary>
internal sealed class V4l2CaptureOptions
{
    /// <summary>Device node: /dev/videoN, or a stable /dev/v4l/by-id/… or /dev/v4l/by-path/… link.</summary>
    public string Device { get; set; } = "/dev/video0";

    public int Width { get; set; } = 640;

    public int Height { get; set; } = 480;

    /// <summary>Formats to try, in order: YUYV, NV12, GREY, MJPEG (a comma-separated list; "auto" is all four).</summary>
    public string Formats { get; set; } = "auto";

    /// <summary>Frames per second asked of the driver (frame interval 1/FrameRate); 0 keeps the driver's.</summary>
    public double FrameRate { get; set; } = 30;

    /// <summary>Memory-mapped buffers requested (the driver may grant more or fewer; at least 2 are needed).</summary>
    public int Buffers { get; set; } = 4;

    /// <summary>A device silent for this many frame intervals (at least 1 s) is closed and opened again.</summary>
    public int StallIntervals { get; set; } = 30;

    public int RestartMinMs { get; set; } = 500;

    public int RestartMaxMs { get; set; } = 10_000;

    public CameraControlOptions Controls { get; set; } = new();

    public static IReadOnlyList<string> AutoFormats { get; } = ["YUYV", "NV12", "GREY", "MJPEG"];

    /// <summary>The preference list as fourccs, in order.</summary>
    public IReadOnlyList<(string Name, uint FourCc)> FormatPreference()
    {
        var names = string.Equals(Formats.Trim(), "auto", StringComparison.OrdinalIgnoreCase)
            ? AutoFormats
            : Formats.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var list = new List<(string, uint)>();
        foreach (var n in names)
        {
            var fourCc = n.ToUpperInvariant() switch
            {
                "YUYV" or "YUY2" => Uapi.PixYuyv,
                "NV12" => Uapi.PixNv12,
                "GREY" or "GRAY" or "GRAY8" => Uapi.PixGrey,
                "MJPEG" or "MJPG" => Uapi.PixMjpeg,
                "JPEG" => Uapi.PixJpeg,
                "YU12" or "I420" or "YUV420" => Uapi.PixYuv420,
                _ => throw new CameraException($"Source:Formats: unknown format '{n}' (expected YUYV, NV12, GREY, MJPEG, JPEG, YU12 or auto)"),
            };
            list.Add((n.ToUpperInvariant(), fourCc));
        }

        return list.Count > 0 ? list : throw new CameraException("Source:Formats: empty list (expected e.g. YUYV,MJPEG or auto)");
    }

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Device))
        {
            throw new CameraException("Source:Device: empty (expected a path such as /dev/video0)");
        }

        if (Width < 16 || Height < 16 || Width > 16384 || Height > 16384)
        {
            throw new CameraException($"Source:Width/Height: {Width}x{Height} is not a camera frame size (16..16384)");
        }

        if (!(FrameRate >= 0 && FrameRate <= 1000))
        {
            throw new CameraException($"Source:FrameRate: {FrameRate} is not between 0 and 1000");
        }

        if (Buffers < 2 || Buffers > 32)
        {
            throw new CameraException($"Source:Buffers: {Buffers} is not between 2 and 32");
        }

        if (StallIntervals < 2)
        {
            throw new CameraException($"Source:StallIntervals: {StallIntervals} must be at least 2");
        }

        if (RestartMinMs < 1 || RestartMaxMs < RestartMinMs)
        {
            throw new CameraException($"Source:RestartMinMs/RestartMaxMs: {RestartMinMs}/{RestartMaxMs} (need 1 ≤ min ≤ max)");
        }

        _ = FormatPreference();
        Controls.Parse();
    }
}
