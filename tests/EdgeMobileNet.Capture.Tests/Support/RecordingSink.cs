using EdgeMobileNet.Capture.Frames;

namespace EdgeMobileNet.Capture.Tests.Support;

/// <summary>One delivered frame, copied out of the driver buffer.</summary>
internal sealed record ReceivedFrame(byte[] Data, CaptureFormat Format, int Width, int Height, int Stride, long TimestampNs, long Sequence);

/// <summary>Records frames and state changes; can stop the source after a number of frames or on a state.</summary>
internal sealed class RecordingSink : ICaptureSink
{
    private readonly Lock _gate = new();
    private readonly List<ReceivedFrame> _frames = [];
    private readonly List<(CaptureState State, string? Reason)> _states = [];

    public Action<ReceivedFrame>? OnEachFrame { get; set; }

    public Action<CaptureState, string?>? OnEachState { get; set; }

    public IReadOnlyList<ReceivedFrame> Frames
    {
        get
        {
            lock (_gate)
            {
                return [.. _frames];
            }
        }
    }

    public IReadOnlyList<(CaptureState State, string? Reason)> States
    {
        get
        {
            lock (_gate)
            {
                return [.. _states];
            }
        }
    }

    public void OnFrame(in CapturedFrame frame)
    {
        var copy = new ReceivedFrame(frame.Data.ToArray(), frame.Format, frame.Width, frame.Height, frame.Stride, frame.TimestampNs, frame.Sequence);
        lock (_gate)
        {
            _frames.Add(copy);
        }

        OnEachFrame?.Invoke(copy);
    }

    public void OnStateChanged(CaptureState state, string? reason)
    {
        lock (_gate)
        {
            _states.Add((state, reason));
        }

        OnEachState?.Invoke(state, reason);
    }
}
