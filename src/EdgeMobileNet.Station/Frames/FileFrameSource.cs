using EdgeMobileNet.Inference;
using EdgeMobileNet.Station.State;
using EdgeMobileNet.Vision;
using Microsoft.Extensions.Logging;

namespace EdgeMobileNet.Station.Frames;

/// <summary>An image, or every image in a folder (by name), decoded and published at a fixed rate; optionally
/// looping. Without looping the source ends after the last image. An image that cannot be read is skipped, counted
/// and reported (the station is `degraded`); only a pass in which no image at all can be read is a fault. Large
/// JPEGs are decoded scaled down (1/2, 1/4, 1/8) when the model needs far fewer pixels. Images are decoded straight
/// into the slot's back buffer (<see cref="FrameDecoder"/>), which is reused, so a stream allocates no pixel buffers.</summary>
internal sealed partial class FileFrameSource : IFrameSource
{
    public const string SkippedCondition = "images-skipped";
    private static readonly string[] Extensions = [".jpg", ".jpeg", ".png", ".bmp", ".webp"];
    private readonly string _path;
    private readonly double _rate;
    private readonly bool _loop;
    private readonly bool _lossless;
    private readonly int? _decodeShortSide;
    private readonly RunState _run;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly FrameDecoder _decoder = new();
    private static readonly RgbDestination<FrameBuffer> IntoBuffer = static (buffer, width, height) => buffer.Prepare(PixelFormat.RGB24, width, height);

    public FileFrameSource(string path, double rate, bool loop, bool lossless, int? decodeShortSide, RunState run, TimeProvider time, ILogger logger)
    {
        _path = path;
        _rate = rate;
        _loop = loop;
        _lossless = lossless;
        _decodeShortSide = decodeShortSide;
        _run = run;
        _time = time;
        _logger = logger;
    }

    public string Description => $"files {_path}{(_loop ? " (looping)" : "")}";

    public static IReadOnlyList<string> ListImages(string path)
    {
        if (File.Exists(path))
        {
            return [path];
        }

        var files = Directory.EnumerateFiles(path)
            .Where(f => Extensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)
            .ToArray();
        return files.Length > 0 ? files : throw new EdgeMobileNetException($"Source:Path: no images (.jpg, .png, .bmp, .webp) in {path}");
    }

    public async Task RunAsync(LatestFrameSlot slot, CancellationToken cancellationToken)
    {
        var files = ListImages(_path);
        using var timer = _rate > 0 ? new PeriodicTimer(TimeSpan.FromSeconds(1 / _rate), _time) : null;
        do
        {
            var published = 0;
            foreach (var file in files)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (!TryDecode(file, slot.BeginWrite()))
                {
                    continue;
                }

                slot.Publish();
                published++;
                if (_lossless)
                {
                    await slot.WaitUntilTakenAsync(cancellationToken).ConfigureAwait(false);
                }

                if (timer is not null)
                {
                    await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false);
                }
                else if (!_lossless)
                {
                    await Task.Yield(); // full speed, but never a loop that holds its caller's thread
                }
            }

            if (published == 0)
            {
                throw new EdgeMobileNetException($"Source:Path: none of the {files.Count} images in {_path} can be read");
            }
        }
        while (_loop);
    }

    /// <summary>Decodes into the back buffer (not yet published, so a failed decode leaves nothing visible).</summary>
    private bool TryDecode(string file, FrameBuffer buffer)
    {
        try
        {
            _decoder.DecodeFile(file, _decodeShortSide ?? 0, buffer, IntoBuffer);
            return true;
        }
        catch (EdgeMobileNetException e)
        {
            _run.Counters.AddSkipped();
            var skipped = _run.Counters.Skipped;
            LogSkipped(_logger, file, e.Message, skipped);
            _run.Health.Raise(SkippedCondition, $"{skipped} images skipped (last: {Path.GetFileName(file)})");
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Source:Path: skipped an unreadable image {File}: {Reason} ({Skipped} skipped so far)")]
    private static partial void LogSkipped(ILogger logger, string file, string reason, long skipped);
}
