using EdgeMobileNet.Capture.V4l2;
using EdgeMobileNet.Station.Configuration;
using EdgeMobileNet.Station.State;
using Microsoft.Extensions.Logging;

namespace EdgeMobileNet.Station.Frames;

/// <summary>Builds the configured <see cref="IFrameSource"/>: a new kind of source is one class and one case here.</summary>
internal static class FrameSourceFactory
{
    /// <param name="decodeShortSide">For still images: the shorter side the model needs (scaled JPEG decoding), or null.</param>
    /// <param name="cameras">The V4L2 system-call seam (the real one unless a test supplies a simulated device).</param>
    public static IFrameSource Create(SourceOptions o, int? decodeShortSide, RunState run, TimeProvider time, ILoggerFactory loggers, IV4l2Device? cameras = null) => o.Kind switch
    {
        SourceKind.Synthetic => new SyntheticFrameSource(new ConveyorScene(o.Width, o.Height, o.Seed, o.FramesPerPart), o.Rate, o.Lossless, time),
        SourceKind.Files => new FileFrameSource(o.Path, o.Rate, o.Loop, o.Lossless, decodeShortSide, run, time, loggers.CreateLogger<FileFrameSource>()),
        SourceKind.Pipe => new PipeFrameSource(
            new PipeSettings(
                o.Command, o.PixelFormat, o.Width, o.Height, o.Stride, o.Lossless,
                TimeSpan.FromMilliseconds(o.RestartMinMs), TimeSpan.FromMilliseconds(o.RestartMaxMs), TimeSpan.FromMilliseconds(o.StallTimeoutMs)),
            run,
            time,
            loggers.CreateLogger<PipeFrameSource>()),
        SourceKind.V4l2 => CaptureFrameSource.V4l2(o, cameras ?? LibcV4l2Device.Instance, decodeShortSide, run, time, loggers),
        SourceKind.Rpicam => CaptureFrameSource.Rpicam(o, decodeShortSide, run, time, loggers),
        _ => throw new ArgumentOutOfRangeException(nameof(o), o.Kind, "unknown source kind"),
    };
}
