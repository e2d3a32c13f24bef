using System.Threading.Channels;
using EdgeMobileNet.Station.State;
using EdgeMobileNet.Vision;
using EdgeMobileNet.Web.Hosting;
using Microsoft.Extensions.Options;

namespace EdgeMobileNet.Web.Feed;

/// <summary>
/// Recent results and frames for the page and `/api/*`, fed from the pipeline thread: per classification one ring
/// write, and at most `Web:FrameRate` times a second one frame copy. JPEG encoding happens on the feed's own task
/// while somebody watches (a live-view client), or on a `latest.jpg` request.
/// </summary>
internal sealed class LiveFeed : IDisposable
{
    private readonly Lock _gate = new();
    private readonly WebOptions _options;
    private readonly TimeProvider _time;
    private readonly ResultSnapshot?[] _results;
    private readonly LiveFrame?[] _frames;
    private readonly List<Subscriber> _subscribers = [];
    private readonly FrameEncoder _encoder;
    private readonly Lock _encodeGate = new();
    private readonly long _minFrameInterval;
    private readonly SemaphoreSlim _frameReady = new(0, 1);
    private readonly Lock _swapGate = new();
    private RawFrame _writing = new(); // the pipeline's
    private RawFrame _latest = new(); // handed over, under _swapGate
    private RawFrame _encoding = new(); // the encoder's, under _encodeGate
    private bool _latestFresh;
    private long _resultCount;
    private long _framesWritten;
    private long _lastEncodedNumber;
    private long _lastEncodeTimestamp;
    private long _lastTaken = long.MinValue / 2; // the pipeline's
    private int _watchers;
    private Func<int, int, Region>? _roi;

    public LiveFeed(IOptions<WebOptions> options, TimeProvider time)
    {
        _options = options.Value;
        _time = time;
        _results = new ResultSnapshot?[_options.RecentEvents];
        _frames = new LiveFrame?[_options.RecentFrames];
        _encoder = new FrameEncoder(_options.JpegQuality);
        _minFrameInterval = (long)(time.TimestampFrequency / _options.FrameRate);
    }

    /// <summary>Classifications seen since start (the newest result's number, or 0).</summary>
    public long LastNumber
    {
        get
        {
            lock (_gate)
            {
                return _resultCount == 0 ? 0 : _results[(_resultCount - 1) % _results.Length]!.Number;
            }
        }
    }

    public int SubscriberCount => Volatile.Read(ref _watchers);

    /// <summary>How the model's crop maps onto a frame of a given size.</summary>
    public void SetRegionOfInterest(Func<int, int, Region> roi) => _roi = roi;

    /// <summary>Called by the pipeline after each classification. Cheap and never blocks on a client: the result
    /// goes into the ring; the frame is copied only when the live view may take one (at most `Web:FrameRate` a
    /// second), and encoded on the feed's task only while somebody watches.</summary>
    public void Publish(ResultSnapshot result, ReadOnlySpan<byte> frame, PixelFormat format, int width, int height)
    {
        lock (_gate)
        {
            _results[_resultCount % _results.Length] = result;
            _resultCount++;
        }

        var now = _time.GetTimestamp();
        if (now - _lastTaken < _minFrameInterval)
        {
            return;
        }

        _lastTaken = now;
        // Three buffers: the pipeline copies into its own and swaps it in under a lock held for two assignments,
        // never while encoding.
        _writing.Set(result.Number, frame, format, width, height);
        lock (_swapGate)
        {
            (_writing, _latest) = (_latest, _writing);
            _latestFresh = true;
        }

        if (Volatile.Read(ref _watchers) > 0 && _frameReady.CurrentCount == 0)
        {
            try
            {
                _frameReady.Release();
            }
            catch (SemaphoreFullException)
            {
                // Already signalled.
            }
        }
    }

    /// <summary>Results after <paramref name="since"/> (a result number), oldest first, at most <paramref name="limit"/>.</summary>
    public List<ResultSnapshot> Since(long since, int limit)
    {
        var list = new List<ResultSnapshot>();
        lock (_gate)
        {
            var first = Math.Max(0, _resultCount - _results.Length);
            for (var i = first; i < _resultCount; i++)
            {
                var r = _results[i % _results.Length]!;
                if (r.Number > since)
                {
                    list.Add(r);
                }
            }
        }

        return list.Count > limit ? list[^limit..] : list;
    }

    public ResultSnapshot? Result(long number)
    {
        lock (_gate)
        {
            var first = Math.Max(0, _resultCount - _results.Length);
            for (var i = _resultCount - 1; i >= first; i--)
            {
                var r = _results[i % _results.Length]!;
                if (r.Number == number)
                {
                    return r;
                }
            }
        }

        return null;
    }

    public LiveFrame? Frame(long number)
    {
        lock (_gate)
        {
            foreach (var f in _frames)
            {
                if (f?.Number == number)
                {
                    return f;
                }
            }
        }

        return null;
    }

    /// <summary>Numbers of the results that have a kept frame, oldest first.</summary>
    public List<long> FrameNumbers()
    {
        lock (_gate)
        {
            return [.. _frames.Where(f => f is not null).Select(f => f!.Number).Order()];
        }
    }

    /// <summary>The newest frame as JPEG, encoded now if it has not been yet; null before the first result.</summary>
    public LiveFrame? Latest() => EncodeLatest(force: true);

    public Subscriber Subscribe()
    {
        var s = new Subscriber();
        lock (_gate)
        {
            _subscribers.Add(s);
            _watchers = _subscribers.Count;
        }

        return s;
    }

    public void Unsubscribe(Subscriber subscriber)
    {
        lock (_gate)
        {
            _subscribers.Remove(subscriber);
            _watchers = _subscribers.Count;
        }

        subscriber.Complete();
    }

    /// <summary>The feed's encoder loop: runs until <paramref name="cancellationToken"/> is cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            await _frameReady.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (EncodeLatest(force: false) is { } frame)
            {
                Subscriber[] subscribers;
                lock (_gate)
                {
                    subscribers = [.. _subscribers];
                }

                foreach (var s in subscribers)
                {
                    s.Frames.Writer.TryWrite(frame);
                }
            }
        }
    }

    public void Dispose()
    {
        _encoder.Dispose();
        _frameReady.Dispose();
    }

    private LiveFrame? EncodeLatest(bool force)
    {
        lock (_encodeGate)
        {
            lock (_swapGate)
            {
                if (_latestFresh)
                {
                    (_encoding, _latest) = (_latest, _encoding);
                    _latestFresh = false;
                }
            }

            var raw = _encoding;
            if (raw.Number == 0)
            {
                return null;
            }

            if (raw.Number == _lastEncodedNumber)
            {
                return force ? Frame(raw.Number) : null;
            }

            var jpeg = _encoder.Encode(raw.Data.AsSpan(0, raw.Length), raw.Format, raw.Width, raw.Height);
            var roi = _roi?.Invoke(raw.Width, raw.Height) ?? new Region(0, 0, raw.Width, raw.Height);
            var frame = new LiveFrame(raw.Number, raw.Width, raw.Height, roi, jpeg);
            _lastEncodedNumber = raw.Number;
            Volatile.Write(ref _lastEncodeTimestamp, _time.GetTimestamp());
            lock (_gate)
            {
                _frames[_framesWritten % _frames.Length] = frame;
                _framesWritten++;
            }

            return frame;
        }
    }

    private sealed class RawFrame
    {
        public byte[] Data { get; private set; } = [];

        public int Length { get; private set; }

        public long Number { get; private set; }

        public PixelFormat Format { get; private set; }

        public int Width { get; private set; }

        public int Height { get; private set; }

        public void Set(long number, ReadOnlySpan<byte> frame, PixelFormat format, int width, int height)
        {
            if (Data.Length < frame.Length)
            {
                Data = new byte[frame.Length];
            }

            frame.CopyTo(Data);
            Length = frame.Length;
            Number = number;
            Format = format;
            Width = width;
            Height = height;
        }
    }
}

/// <summary>One live-view connection's frame queue; a slow client loses its oldest frames, never slows the
/// station. (Results are read from the feed's ring.)</summary>
internal sealed class Subscriber
{
    public Channel<LiveFrame> Frames { get; } = Channel.CreateBounded<LiveFrame>(new BoundedChannelOptions(4) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    public void Complete() => Frames.Writer.TryComplete();
}
