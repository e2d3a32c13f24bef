using EdgeMobileNet.Station.Configuration;
using EdgeMobileNet.Vision;
using Microsoft.Extensions.Logging;

namespace EdgeMobileNet.Station.Frames;

/// <summary>Builds the configured <see cref="IFrameSource"/> (a V4L2 source would be one more case here).</summary>
internal static class FrameSourceFactory
{
    public static IFrameSource Create(SourceSection o, TimeProvider time, ILoggerFactory loggers) => o.Kind switch
    {
        "synthetic" => new SyntheticFrameSource(new ConveyorScene(o.Width, o.Height, o.Seed, o.FramesPerPart), o.Rate, o.Lossless, time),
        "files" => new FileFrameSource(o.Path, o.Rate, o.Loop, o.Lossless, time),
        "pipe" => new PipeFrameSource(
            o.Command,
            Enum.Parse<PixelFormat>(o.PixelFormat, ignoreCase: true),
            o.Width,
            o.Height,
            o.Lossless,
            TimeSpan.FromMilliseconds(o.RestartMinMs),
            TimeSpan.FromMilliseconds(o.RestartMaxMs),
            time,
            loggers.CreateLogger<PipeFrameSource>()),
        _ => throw new Inference.EdgeMobileNetException($"Source:Kind: unknown source kind '{o.Kind}'"),
    };
}
