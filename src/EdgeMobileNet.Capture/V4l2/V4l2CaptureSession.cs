using EdgeMobileNet.Capture.Frames;

namespace EdgeMobileNet.Capture.V4l2;

/// <summary>The format a session streams, as the driver settled it.</summary>
internal sealed record NegotiatedFormat(
    string FourCc, CaptureFormat Format, int Width, int Height, int Stride, int SizeImage, bool Multiplanar, double? FramesPerSecond);

/// <summary>Why a streaming loop ended.</summary>
internal enum SessionEnd
{
    /// <summary>Stop was requested (the wake handle fired).</summary>
    Stopped,

    /// <summary>The device disappeared (ENODEV, POLLERR).</summary>
    Lost,

    /// <summary>No frame for the stall timeout.</summary>
    Stalled,
}

/// <summary>Counters of one source across sessions.</summary>
internal sealed class CaptureCounters
{
    private long _frames, _errorFrames, _empty, _stalls, _reconnects, _retries;

    public long Frames => Interlocked.Read(ref _frames);

    /// <summary>Buffers the driver flagged V4L2_BUF_FLAG_ERROR (skipped, not delivered).</summary>
    public long ErrorFrames => Interlocked.Read(ref _errorFrames);

    /// <summary>Buffers with bytesused 0 (skipped).</summary>
    public long EmptyFrames => Interlocked.Read(ref _empty);

    public long Stalls => Interlocked.Read(ref _stalls);

    public long Reconnects => Interlocked.Read(ref _reconnects);

    /// <summary>EINTR and EAGAIN answers absorbed.</summary>
    public long Retries => Interlocked.Read(ref _retries);

    internal void AddFrame() => Interlocked.Increment(ref _frames);

    internal void AddErrorFrame() => Interlocked.Increment(ref _errorFrames);

    internal void AddEmpty() => Interlocked.Increment(ref _empty);

    internal void AddStall() => Interlocked.Increment(ref _stalls);

    internal void AddReconnect() => Interlocked.Increment(ref _reconnects);

    internal void AddRetry() => Interlocked.Increment(ref _retries);
}

/// <summary>
/// One open-to-close streaming session on a V4L2 device: capability check, format negotiation, frame interval,
/// controls, memory-mapped buffers, streaming with poll, and teardown. States: opened → configured → mapped →
/// streaming → torn down (<see cref="Dispose"/> undoes whatever was reached, in reverse, even after the device has
/// gone).
/// </summary>
internal sealed unsafe class V4l2CaptureSession : IDisposable
{
    private readonly V4l2Camera _camera;
    private readonly V4l2CaptureOptions _options;
    private readonly List<(nint Address, uint Length)> _maps = [];
    private uint _type;
    private bool _streaming;
    private int _bufferCount;
    private V4l2Plane* _planes;

    private V4l2CaptureSession(V4l2Camera camera, V4l2CaptureOptions options)
    {
        _camera = camera;
        _options = options;
    }

    public NegotiatedFormat Format { get; private set; } = null!;

    public string Card { get; private set; } = "";

    public int BufferCount => _bufferCount;

    /// <summary>Opens and configures the device and starts streaming. Any failure closes what was opened.</summary>
    public static V4l2CaptureSession Start(IV4l2Device device, V4l2CaptureOptions options, IReadOnlyList<ControlWrite> controls)
    {
        var camera = V4l2Camera.Open(device, options.Device);
        var session = new V4l2CaptureSession(camera, options);
        try
        {
            session.Configure(controls);
            session.MapBuffers();
            session.StartStreaming();
            return session;
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    private void Configure(IReadOnlyList<ControlWrite> controls)
    {
        var cap = _camera.QueryCapability();
        Card = cap.CardName;
        var caps = cap.NodeCapabilities;
        _type = (caps & Uapi.CapVideoCapture) != 0 ? Uapi.BufTypeVideoCapture
            : (caps & Uapi.CapVideoCaptureMplane) != 0 ? Uapi.BufTypeVideoCaptureMplane
            : throw new CameraException($"Source:Device: {_camera.Path} ({cap.DriverName} '{cap.CardName}') is not a video capture node (capabilities 0x{caps:x8}; a metadata or output node? see `edgemobilenet probe`)");
        if ((caps & Uapi.CapStreaming) == 0)
        {
            throw new CameraException($"Source:Device: {_camera.Path} ({cap.DriverName}) does not support streaming I/O");
        }

        Format = Negotiate();
        if (_options.FrameRate > 0)
        {
            // Time per frame as a fraction: 1000/(fps×1000) keeps fractional rates such as 7.5.
            var applied = _camera.SetFrameInterval(_type, 1000, (uint)Math.Round(_options.FrameRate * 1000));
            Format = Format with { FramesPerSecond = applied is { Numerator: > 0 } a ? (double)a.Denominator / a.Numerator : null };
        }

        CameraControlApplier.Apply(_camera, controls);
    }

    // The first format of the preference list that the device offers and accepts; the driver's answer is the truth
    // (size, bytes per line and image size may all differ from the request).
    private NegotiatedFormat Negotiate()
    {
        var offered = _camera.Formats(_type).Select(d => d.PixelFormat).ToHashSet();
        var tried = new List<string>();
        foreach (var (name, fourCc) in _options.FormatPreference())
        {
            if (!offered.Contains(fourCc))
            {
                continue;
            }

            tried.Add(name);
            var e = _camera.TrySetFormat(_type, fourCc, _options.Width, _options.Height, out var f);
            if (e != 0)
            {
                continue; // EINVAL: this driver refuses it after all; next preference
            }

            uint got, width, height, stride, size;
            if (_type == Uapi.BufTypeVideoCaptureMplane)
            {
                (got, width, height) = (f.PixMp.PixelFormat, f.PixMp.Width, f.PixMp.Height);
                if (f.PixMp.NumPlanes != 1)
                {
                    continue; // separate chroma planes (NM12 and friends) are not read by this source
                }

                (stride, size) = (f.PixMp.PlaneFmt[0].BytesPerLine, f.PixMp.PlaneFmt[0].SizeImage);
            }
            else
            {
                (got, width, height, stride, size) = (f.Pix.PixelFormat, f.Pix.Width, f.Pix.Height, f.Pix.BytesPerLine, f.Pix.SizeImage);
            }

            if (got != fourCc)
            {
                continue; // the driver substituted another format
            }

            var format = ToCaptureFormat(fourCc);
            var minStride = MinimumStride(format, (int)width);
            if (format != CaptureFormat.Mjpeg)
            {
                stride = Math.Max(stride, (uint)minStride); // bytesperline 0 means "packed"
                var needed = RawSize(format, (int)stride, (int)height);
                if (size < needed)
                {
                    throw new CameraException($"{_camera.Path}: driver reports {name} {width}x{height} with {stride} bytes per line but an image size of {size} (< {needed})");
                }
            }
            else
            {
                stride = 0;
            }

            return new NegotiatedFormat(Uapi.FourCcText(fourCc), format, (int)width, (int)height, (int)stride, (int)size, _type == Uapi.BufTypeVideoCaptureMplane, null);
        }

        var offeredText = string.Join(", ", offered.Select(Uapi.FourCcText));
        throw new CameraException(tried.Count == 0
            ? $"Source:Formats: {_camera.Path} offers none of {_options.Formats} (it offers {offeredText})"
            : $"Source:Formats: {_camera.Path} refused {string.Join(", ", tried)} at {_options.Width}x{_options.Height} (it offers {offeredText})");
    }

    internal static CaptureFormat ToCaptureFormat(uint fourCc) =>
        fourCc == Uapi.PixYuyv ? CaptureFormat.Yuyv
        : fourCc == Uapi.PixNv12 ? CaptureFormat.Nv12
        : fourCc == Uapi.PixGrey ? CaptureFormat.Grey
        : fourCc == Uapi.PixYuv420 ? CaptureFormat.I420
        : CaptureFormat.Mjpeg;

    internal static int MinimumStride(CaptureFormat format, int width) => format switch
    {
        CaptureFormat.Yuyv => ((width + 1) / 2) * 4,
        CaptureFormat.Mjpeg => 0,
        _ => width,
    };

    internal static long RawSize(CaptureFormat format, int stride, int height) => format switch
    {
        CaptureFormat.Nv12 => ((long)stride * height) + ((long)stride * ((height + 1) / 2)),
        CaptureFormat.I420 => ((long)stride * height) + (2L * (stride / 2) * ((height + 1) / 2)),
        _ => (long)stride * height,
    };

    private void MapBuffers()
    {
        var req = new V4l2RequestBuffers { Count = (uint)_options.Buffers, Type = _type, Memory = Uapi.MemoryMmap };
        _camera.Ioctl(Uapi.VidiocReqBufs, &req, "VIDIOC_REQBUFS");
        if (req.Count < 2)
        {
            throw new CameraException($"{_camera.Path}: driver granted {req.Count} buffers (at least 2 are needed)");
        }

        _bufferCount = (int)req.Count;
        _planes = (V4l2Plane*)System.Runtime.InteropServices.NativeMemory.AllocZeroed((nuint)(sizeof(V4l2Plane) * Uapi.MaxPlanes));
        for (var i = 0; i < _bufferCount; i++)
        {
            var b = NewBuffer((uint)i);
            _camera.Ioctl(Uapi.VidiocQueryBuf, &b, "VIDIOC_QUERYBUF");
            var (length, offset) = _type == Uapi.BufTypeVideoCaptureMplane ? (_planes[0].Length, _planes[0].M) : (b.Length, b.M);
            var e = _camera.Device.Map(_camera.Descriptor, length, (uint)offset, out var address);
            if (e != 0)
            {
                throw _camera.Failure($"mmap of buffer {i}", e);
            }

            _maps.Add(((nint)address, length));
        }
    }

    private V4l2Buffer NewBuffer(uint index)
    {
        var b = new V4l2Buffer { Index = index, Type = _type, Memory = Uapi.MemoryMmap };
        if (_type == Uapi.BufTypeVideoCaptureMplane)
        {
            new Span<byte>(_planes, sizeof(V4l2Plane) * Uapi.MaxPlanes).Clear();
            b.M = (ulong)_planes;
            b.Length = Uapi.MaxPlanes;
        }

        return b;
    }

    private void StartStreaming()
    {
        for (var i = 0; i < _bufferCount; i++)
        {
            var b = NewBuffer((uint)i);
            _camera.Ioctl(Uapi.VidiocQBuf, &b, "VIDIOC_QBUF");
        }

        var type = (int)_type;
        _camera.Ioctl(Uapi.VidiocStreamOn, &type, "VIDIOC_STREAMON");
        _streaming = true;
    }

    /// <summary>
    /// Delivers frames until woken, lost or stalled. Per readable poll: dequeue (EAGAIN: nothing after all; EINTR:
    /// again), skip error-flagged and empty buffers (counted), hand <c>bytesused</c> bytes with the buffer's
    /// monotonic timestamp to the sink, queue the buffer again.
    /// </summary>
    public SessionEnd Run(ICaptureSink sink, int wakeHandle, int stallTimeoutMs, CaptureCounters counters, TimeProvider time)
    {
        var device = _camera.Device;
        var lastFrame = time.GetTimestamp();
        while (true)
        {
            var remaining = stallTimeoutMs - (int)Math.Min(int.MaxValue, time.GetElapsedTime(lastFrame).TotalMilliseconds);
            if (remaining <= 0)
            {
                return SessionEnd.Stalled;
            }

            var e = device.Poll(_camera.Descriptor, wakeHandle, remaining, out var outcome);
            if (e == Errno.EINTR)
            {
                counters.AddRetry();
                continue;
            }

            if (e != 0)
            {
                return Errno.IsDeviceGone(e) ? SessionEnd.Lost : throw _camera.Failure("poll", e);
            }

            switch (outcome)
            {
                case PollOutcome.Woken:
                    return SessionEnd.Stopped;
                case PollOutcome.Error:
                    return SessionEnd.Lost;
                case PollOutcome.Timeout:
                    if (time.GetElapsedTime(lastFrame).TotalMilliseconds >= stallTimeoutMs)
                    {
                        return SessionEnd.Stalled;
                    }

                    continue;
            }

            var b = NewBuffer(0);
            var d = _camera.TryIoctl(Uapi.VidiocDQBuf, &b);
            if (d == Errno.EAGAIN)
            {
                counters.AddRetry();
                continue;
            }

            if (d != 0)
            {
                return Errno.IsDeviceGone(d) ? SessionEnd.Lost : throw _camera.Failure("VIDIOC_DQBUF", d);
            }

            var index = (int)b.Index;
            var used = _type == Uapi.BufTypeVideoCaptureMplane ? _planes[0].BytesUsed - _planes[0].DataOffset : b.BytesUsed;
            var start = _type == Uapi.BufTypeVideoCaptureMplane ? _planes[0].DataOffset : 0;
            if ((b.Flags & Uapi.BufFlagError) != 0)
            {
                counters.AddErrorFrame();
            }
            else if (used == 0 || index >= _maps.Count || start + used > _maps[index].Length)
            {
                counters.AddEmpty();
            }
            else if (Format.Format != CaptureFormat.Mjpeg && used < RawSize(Format.Format, Format.Stride, Format.Height) - (Format.Stride - MinimumStride(Format.Format, Format.Width)))
            {
                counters.AddEmpty(); // a raw frame cut short: never delivered
            }
            else
            {
                var timestampNs = (b.Flags & Uapi.BufFlagTimestampMask) == Uapi.BufFlagTimestampMonotonic
                    ? (b.Timestamp.Seconds * 1_000_000_000) + (b.Timestamp.Microseconds * 1000)
                    : MonotonicClock.Nanoseconds(time);
                var data = new ReadOnlySpan<byte>((byte*)_maps[index].Address + start, (int)used);
                lastFrame = time.GetTimestamp();
                counters.AddFrame();
                sink.OnFrame(new CapturedFrame(data, Format.Format, Format.Width, Format.Height, Format.Stride, timestampNs, b.Sequence));
            }

            var q = NewBuffer((uint)index);
            var qe = _camera.TryIoctl(Uapi.VidiocQBuf, &q);
            if (qe != 0)
            {
                return Errno.IsDeviceGone(qe) ? SessionEnd.Lost : throw _camera.Failure("VIDIOC_QBUF", qe);
            }
        }
    }

    /// <summary>STREAMOFF, munmap, REQBUFS 0, close, each attempted even if an earlier one failed (a vanished device
    /// answers ENODEV to all of them; the mappings must still go).</summary>
    public void Dispose()
    {
        if (_streaming)
        {
            var type = (int)_type;
            _ = _camera.TryIoctl(Uapi.VidiocStreamOff, &type);
            _streaming = false;
        }

        foreach (var (address, length) in _maps)
        {
            _camera.Device.Unmap((byte*)address, length);
        }

        if (_maps.Count > 0 || _bufferCount > 0)
        {
            var req = new V4l2RequestBuffers { Count = 0, Type = _type, Memory = Uapi.MemoryMmap };
            _ = _camera.TryIoctl(Uapi.VidiocReqBufs, &req);
        }

        _maps.Clear();
        _bufferCount = 0;
        if (_planes is not null)
        {
            System.Runtime.InteropServices.NativeMemory.Free(_planes);
            _planes = null;
        }

        _camera.Dispose();
    }
}
