using EdgeMobileNet.Vision;

namespace EdgeMobileNet.Station.Configuration;

/// <summary>Section `Source`: where frames come from, and the part of each frame that is classified.</summary>
public sealed class SourceOptions
{
    public const string Section = "Source";

    public SourceKind Kind { get; set; } = SourceKind.Synthetic;

    public int Width { get; set; } = 160;

    public int Height { get; set; } = 120;

    /// <summary>pipe: bytes per row of the first plane when the camera pads rows; 0 = packed (no padding).</summary>
    public int Stride { get; set; }

    /// <summary>Frames per second for synthetic and files sources; 0 = as fast as they can be produced.</summary>
    public double Rate { get; set; } = 15;

    /// <summary>Synthetic scene seed: the same seed renders the same conveyor.</summary>
    public int Seed { get; set; } = 1;

    /// <summary>Synthetic: frames each part (or empty gap) stays in view.</summary>
    public int FramesPerPart { get; set; } = 4;

    /// <summary>files: an image file or a folder of images.</summary>
    public string Path { get; set; } = "";

    public bool Loop { get; set; } = true;

    /// <summary>pipe: shell command whose stdout carries raw frames.</summary>
    public string Command { get; set; } = "";

    public PixelFormat PixelFormat { get; set; } = PixelFormat.I420;

    /// <summary>Wait for each frame to be classified before taking the next (replaying a recording); off for
    /// live cameras, where the newest frame wins and the rest are dropped and counted.</summary>
    public bool Lossless { get; set; }

    public int RestartMinMs { get; set; } = 500;

    public int RestartMaxMs { get; set; } = 10_000;

    /// <summary>pipe: a frame not complete this long after the previous one means the command stalled: it is
    /// restarted. 0 = never.</summary>
    public int StallTimeoutMs { get; set; } = 5_000;

    /// <summary>Clockwise rotation in degrees (0, 90, 180, 270) applied to every frame before the region of interest.</summary>
    public int Rotate { get; set; }

    /// <summary>Region of interest in the (rotated) frame, in pixels; 0 width or height = the whole frame.</summary>
    public RoiOptions Roi { get; set; } = new();

    /// <summary>v4l2: device node (/dev/videoN or a /dev/v4l/by-id/… link).</summary>
    public string Device { get; set; } = "/dev/video0";

    /// <summary>v4l2: formats to try in order (YUYV, NV12, GREY, MJPEG, JPEG, YU12) or "auto".</summary>
    public string Formats { get; set; } = "auto";

    /// <summary>v4l2 and rpicam: frames per second asked of the camera (v4l2: 0 keeps the driver's).</summary>
    public double FrameRate { get; set; } = 30;

    /// <summary>v4l2: memory-mapped buffers requested.</summary>
    public int Buffers { get; set; } = 4;

    /// <summary>v4l2: a device silent for this many frame intervals (at least 1 s) is reopened.</summary>
    public int StallIntervals { get; set; } = 30;

    /// <summary>v4l2: camera controls (Source:Controls:*).</summary>
    public CameraControlsOptions Controls { get; set; } = new();

    /// <summary>rpicam: rpicam-vid settings (Source:Rpicam:*).</summary>
    public RpicamSourceOptions Rpicam { get; set; } = new();
}

/// <summary>Source:Controls (v4l2); unset leaves the camera's own setting. See docs/cameras.md.</summary>
public sealed class CameraControlsOptions
{
    public string? Exposure { get; set; }

    public string? Gain { get; set; }

    public string? WhiteBalance { get; set; }

    public string? Focus { get; set; }

    public string? PowerLineFrequency { get; set; }
}

/// <summary>Source:Rpicam (rpicam); 0 or empty = automatic / the camera's default. See docs/cameras.md.</summary>
public sealed class RpicamSourceOptions
{
    public string Executable { get; set; } = "rpicam-vid";

    public int Camera { get; set; }

    /// <summary>Fixed exposure in microseconds; 0 = automatic.</summary>
    public int ShutterUs { get; set; }

    /// <summary>Fixed analogue gain; 0 = automatic.</summary>
    public double Gain { get; set; }

    public string? AwbGains { get; set; }

    public string? LensPosition { get; set; }

    public string? Roi { get; set; }

    public string LowLatency { get; set; } = "auto";

    public int Stride { get; set; }

    public int StrideAlign { get; set; } = 64;
}

/// <summary>Source:Roi.</summary>
public sealed class RoiOptions
{
    public int X { get; set; }

    public int Y { get; set; }

    public int Width { get; set; }

    public int Height { get; set; }

    public bool IsWholeFrame => Width == 0 || Height == 0;
}
