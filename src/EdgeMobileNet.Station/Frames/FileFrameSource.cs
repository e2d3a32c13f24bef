using EdgeMobileNet.Inference;
using EdgeMobileNet.Vision;

namespace EdgeMobileNet.Station.Frames;

/// <summary>An image, or every image in a folder (by name), decoded and published at a fixed rate; optionally
/// looping. Without looping the source ends after the last image.</summary>
internal sealed class FileFrameSource : IFrameSource
{
    private static readonly string[] Extensions = [".jpg", ".jpeg", ".png", ".bmp", ".webp"];
    private readonly string _path;
    private readonly double _rate;
    private readonly bool _loop;
    private readonly bool _lossless;
    private readonly TimeProvider _time;

    public FileFrameSource(string path, double rate, bool loop, bool lossless, TimeProvider time)
    {
        _path = path;
        _rate = rate;
        _loop = loop;
        _lossless = lossless;
        _time = time;
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
            foreach (var file in files)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var image = ImageDecoder.Decode(file);
                var buffer = slot.BeginWrite();
                image.Pixels.CopyTo(buffer.Prepare(PixelFormat.RGB24, image.Width, image.Height));
                slot.Publish();
                if (_lossless)
                {
                    await slot.WaitUntilTakenAsync(cancellationToken).ConfigureAwait(false);
                }

                if (timer is not null)
                {
                    await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false);
                }
            }
        }
        while (_loop);
    }
}
