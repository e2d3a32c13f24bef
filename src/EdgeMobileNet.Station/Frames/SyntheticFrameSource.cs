using EdgeMobileNet.Vision;

namespace EdgeMobileNet.Station.Frames;

/// <summary>Renders <see cref="ConveyorScene"/> frames at a fixed rate (or as fast as possible with rate 0).</summary>
internal sealed class SyntheticFrameSource : IFrameSource
{
    private readonly ConveyorScene _scene;
    private readonly double _rate;
    private readonly bool _lossless;
    private readonly TimeProvider _time;

    public SyntheticFrameSource(ConveyorScene scene, double rate, bool lossless, TimeProvider time)
    {
        _scene = scene;
        _rate = rate;
        _lossless = lossless;
        _time = time;
    }

    public string Description => $"synthetic {_scene.Width}x{_scene.Height} at {(_rate > 0 ? $"{_rate} fps" : "full speed")}";

    public async Task RunAsync(LatestFrameSlot slot, CancellationToken cancellationToken)
    {
        using var timer = _rate > 0 ? new PeriodicTimer(TimeSpan.FromSeconds(1 / _rate), _time) : null;
        while (!cancellationToken.IsCancellationRequested)
        {
            var buffer = slot.BeginWrite();
            _scene.Render(slot.LastSequence + 1, buffer.Prepare(PixelFormat.RGB24, _scene.Width, _scene.Height));
            slot.Publish();
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
                await Task.Yield();
            }
        }
    }
}
