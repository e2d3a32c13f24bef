using System.Globalization;

namespace EdgeMobileNet.Capture.Rpicam;

/// <summary>
/// Builds the rpicam-vid argument list from <see cref="RpicamOptions"/>: raw YUV420 to stdout, no preview, no time
/// limit, flushed per frame, plus the fixed settings an inspection needs. Arguments are passed as a list (no shell).
/// </summary>
internal static class RpicamCommand
{
    public static IReadOnlyList<string> Arguments(RpicamOptions o, bool isPi5)
    {
        var inv = CultureInfo.InvariantCulture;
        var args = new List<string>
        {
            "--camera", o.Camera.ToString(inv),
            "--width", o.Width.ToString(inv),
            "--height", o.Height.ToString(inv),
            "--framerate", o.FrameRate.ToString(inv),
            "--codec", "yuv420",
            "--timeout", "0",
            "--nopreview",
            "--flush",
        };
        if (o.ShutterUs is { } shutter)
        {
            args.AddRange(["--shutter", shutter.ToString(inv)]);
        }

        if (o.Gain is { } gain)
        {
            args.AddRange(["--gain", gain.ToString(inv)]);
        }

        if (o.AwbGains is { } awb)
        {
            var g = RpicamOptions.ParseNumbers(awb, 2, "Source:Rpicam:AwbGains", "r,b");
            args.AddRange(["--awbgains", string.Join(',', g.Select(v => v.ToString(inv)))]);
        }

        if (o.LensPosition is { } lens)
        {
            if (RpicamOptions.IsAuto(lens))
            {
                args.AddRange(["--autofocus-mode", "continuous"]);
            }
            else
            {
                args.AddRange(["--autofocus-mode", "manual", "--lens-position", double.Parse(lens, NumberStyles.Float, inv).ToString(inv)]);
            }
        }

        if (o.Roi is { } roi)
        {
            var r = RpicamOptions.ParseNumbers(roi, 4, "Source:Rpicam:Roi", "x,y,w,h");
            args.AddRange(["--roi", string.Join(',', r.Select(v => v.ToString(inv)))]);
        }

        var low = o.LowLatency.Trim().ToLowerInvariant();
        if (low == "on" || (low == "auto" && isPi5))
        {
            args.Add("--low-latency");
        }

        args.AddRange(["--output", "-"]);
        return args;
    }

    /// <summary>True on a Raspberry Pi 5 (the device tree's model string).</summary>
    public static bool IsPi5(string modelPath = "/proc/device-tree/model")
    {
        try
        {
            return File.Exists(modelPath) && File.ReadAllText(modelPath).Contains("Raspberry Pi 5", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The executable's full path from PATH (or as given when it contains a slash); null when absent.</summary>
    public static string? Resolve(string executable)
    {
        if (executable.Contains('/', StringComparison.Ordinal))
        {
            return File.Exists(executable) ? executable : null;
        }

        return (Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/bin:/usr/bin:/bin")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, executable))
            .FirstOrDefault(File.Exists);
    }
}
