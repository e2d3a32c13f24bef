using EdgeMobileNet.Capture.Rpicam;
using EdgeMobileNet.Capture.V4l2;
using EdgeMobileNet.Station.Configuration;

namespace EdgeMobileNet.Station.Frames;

/// <summary>The capture library's settings from the station's <c>Source</c> section (one binding, one schema check).</summary>
internal static class CaptureSettings
{
    public static V4l2CaptureOptions V4l2(SourceOptions o) => new()
    {
        Device = o.Device,
        Width = o.Width,
        Height = o.Height,
        Formats = o.Formats,
        FrameRate = o.FrameRate,
        Buffers = o.Buffers,
        StallIntervals = o.StallIntervals,
        RestartMinMs = o.RestartMinMs,
        RestartMaxMs = o.RestartMaxMs,
        Controls = new CameraControlOptions
        {
            Exposure = o.Controls.Exposure,
            Gain = o.Controls.Gain,
            WhiteBalance = o.Controls.WhiteBalance,
            Focus = o.Controls.Focus,
            PowerLineFrequency = o.Controls.PowerLineFrequency,
        },
    };

    public static RpicamOptions Rpicam(SourceOptions o) => new()
    {
        Executable = o.Rpicam.Executable,
        Camera = o.Rpicam.Camera,
        Width = o.Width,
        Height = o.Height,
        FrameRate = o.FrameRate,
        ShutterUs = o.Rpicam.ShutterUs == 0 ? null : o.Rpicam.ShutterUs,
        Gain = o.Rpicam.Gain == 0 ? null : o.Rpicam.Gain,
        AwbGains = string.IsNullOrWhiteSpace(o.Rpicam.AwbGains) ? null : o.Rpicam.AwbGains,
        LensPosition = string.IsNullOrWhiteSpace(o.Rpicam.LensPosition) ? null : o.Rpicam.LensPosition,
        Roi = string.IsNullOrWhiteSpace(o.Rpicam.Roi) ? null : o.Rpicam.Roi,
        LowLatency = o.Rpicam.LowLatency,
        Stride = o.Rpicam.Stride,
        StrideAlign = o.Rpicam.StrideAlign,
        RestartMinMs = o.RestartMinMs,
        RestartMaxMs = o.RestartMaxMs,
    };

    /// <summary>Throws the one-line <see cref="CameraException"/> naming the key of a bad camera setting.</summary>
    public static void Validate(SourceOptions o)
    {
        if (o.Kind == SourceKind.V4l2)
        {
            V4l2(o).Validate();
        }
        else if (o.Kind == SourceKind.Rpicam)
        {
            Rpicam(o).Validate();
        }
    }
}
