using System.Runtime.InteropServices;
using EdgeMobileNet.Capture.Frames;

namespace EdgeMobileNet.Capture.V4l2;

/// <summary>A frame size a simulated camera offers, with its frame intervals (seconds per frame as num/den).</summary>
internal sealed record SimulatedSize(int Width, int Height, params (uint Numerator, uint Denominator)[] Intervals);

/// <summary>A pixel format a simulated camera offers.</summary>
internal sealed record SimulatedFormat(string FourCc, string Description, bool Compressed, params SimulatedSize[] Sizes);

/// <summary>A control of a simulated camera (integer, boolean or menu).</summary>
internal sealed record SimulatedControl(uint Id, string Name, uint Type, int Minimum, int Maximum, int Step, int Default, params string[] Menu);

/// <summary>What a simulated camera is: identity, node type, formats, controls and quirks.</summary>
internal sealed record SimulatedCamera
{
    public string Driver { get; init; } = "uvcvideo";

    public string Card { get; init; } = "Simulated UVC Camera";

    public string BusInfo { get; init; } = "usb-0000:00:14.0-1";

    /// <summary>Multi-planar API (V4L2_CAP_VIDEO_CAPTURE_MPLANE), as the Pi's ISP nodes and many SoC drivers use.</summary>
    public bool Multiplanar { get; init; }

    /// <summary>Row alignment of raw formats in bytes: bytesperline = width × bytes per pixel rounded up to this.</summary>
    public int StrideAlign { get; init; } = 1;

    /// <summary>Old drivers answer EINVAL to S_FMT with a format they lack instead of substituting one.</summary>
    public bool RejectsUnknownFormat { get; init; }

    /// <summary>Formats listed by ENUM_FMT that S_FMT nevertheless refuses with EINVAL (fourccs).</summary>
    public IReadOnlyList<string> RefusedFormats { get; init; } = [];

    /// <summary>Formats listed by ENUM_FMT for which S_FMT silently substitutes the first format (fourccs).</summary>
    public IReadOnlyList<string> SubstitutedFormats { get; init; } = [];

    /// <summary>Whether S_PARM takes a frame interval (V4L2_CAP_TIMEPERFRAME).</summary>
    public bool SupportsFrameInterval { get; init; } = true;

    /// <summary>The most buffers REQBUFS grants.</summary>
    public int MaxBuffers { get; init; } = 32;

    public IReadOnlyList<SimulatedFormat> Formats { get; init; } =
    [
        new("YUYV", "YUYV 4:2:2", false, new SimulatedSize(640, 480, (1, 30), (1, 15)), new SimulatedSize(320, 240, (1, 30))),
        new("MJPG", "Motion-JPEG", true, new SimulatedSize(1280, 720, (1, 30)), new SimulatedSize(640, 480, (1, 30), (1, 15))),
    ];

    public IReadOnlyList<SimulatedControl> Controls { get; init; } =
    [
        new(Uapi.CidAutoWhiteBalance, "White Balance, Automatic", Uapi.CtrlTypeBoolean, 0, 1, 1, 1),
        new(Uapi.CidGain, "Gain", Uapi.CtrlTypeInteger, 0, 255, 1, 32),
        new(Uapi.CidPowerLineFrequency, "Power Line Frequency", Uapi.CtrlTypeMenu, 0, 2, 1, 2, "Disabled", "50 Hz", "60 Hz"),
        new(Uapi.CidWhiteBalanceTemperature, "White Balance Temperature", Uapi.CtrlTypeInteger, 2800, 6500, 10, 4600),
        new(Uapi.CidExposureAuto, "Auto Exposure", Uapi.CtrlTypeMenu, 0, 3, 1, 3, "Auto Mode", "Manual Mode", "Shutter Priority Mode", "Aperture Priority Mode"),
        new(Uapi.CidExposureAbsolute, "Exposure Time, Absolute", Uapi.CtrlTypeInteger, 3, 2047, 1, 250),
        new(Uapi.CidFocusAbsolute, "Focus, Absolute", Uapi.CtrlTypeInteger, 0, 250, 5, 0),
        new(Uapi.CidFocusAuto, "Focus, Automatic Continuous", Uapi.CtrlTypeBoolean, 0, 1, 1, 1),
    ];
}

/// <summary>A scripted happening, consumed in order by the simulated device's poll/dequeue calls.</summary>
internal enum SimulatedEvent
{
    /// <summary>The next poll is interrupted by a signal (EINTR).</summary>
    PollInterrupted,

    /// <summary>The next poll reports readable but the dequeue finds nothing (EAGAIN), as after a spurious wake-up.</summary>
    SpuriousWakeup,

    /// <summary>The next dequeue is interrupted (EINTR) once.</summary>
    DequeueInterrupted,

    /// <summary>The next frame is flagged V4L2_BUF_FLAG_ERROR.</summary>
    ErrorFrame,

    /// <summary>The camera stops sending frames until it is streamed again (STREAMON after a reopen): every poll
    /// waits out its timeout in real time, unless woken.</summary>
    Stall,

    /// <summary>Same wait as <see cref="Stall"/>; named for tests that wake the poll (abort during poll).</summary>
    Block,

    /// <summary>The device is unplugged at the next poll.</summary>
    Unplug,
}

/// <summary>
/// A V4L2 camera in memory behind the syscall seam: answers the same ioctls with the same structures as a driver
/// (capabilities, format enumeration and negotiation with the driver's adjustments, frame intervals, controls with
/// ranges, mmap buffers and their queues, streaming), stamps buffers with monotonic timestamps from its
/// <see cref="TimeProvider"/>, and plays scripted faults: EINTR, EAGAIN, error-flagged buffers, stalls, unplugging
/// and replugging. Frames are produced on demand by <see cref="Poll"/> (one per poll while streaming), filled by
/// <see cref="FrameWriter"/>.
/// </summary>
internal sealed unsafe class SimulatedV4l2Device : IV4l2Device, IDisposable
{
    public const string DefaultPath = "/dev/video0";

    private readonly Lock _gate = new();
    private readonly SimulatedCamera _camera;
    private readonly TimeProvider _time;
    private readonly Queue<SimulatedEvent> _script = new();
    private readonly Dictionary<int, bool> _wakeHandles = [];
    private readonly HashSet<int> _openFds = [];
    private readonly Dictionary<uint, int> _controlValues = [];
    private readonly List<Buffer> _buffers = [];
    private readonly Queue<int> _queued = new();
    private readonly Queue<int> _done = new();
    private readonly ManualResetEventSlim _wakeSignal = new();
    private int _nextFd = 100;
    private int _generation;
    private int _streamingFd = -1;
    private bool _present = true;
    private bool _stalled;
    private uint _sequence;
    private uint _bufType;

    public SimulatedV4l2Device(SimulatedCamera camera, TimeProvider time, string path = DefaultPath)
    {
        _camera = camera;
        _time = time;
        Path = path;
        foreach (var c in camera.Controls)
        {
            _controlValues[c.Id] = c.Default;
        }

        var first = camera.Formats[0];
        CurrentFourCc = Uapi.FourCc(first.FourCc);
        CurrentWidth = first.Sizes[0].Width;
        CurrentHeight = first.Sizes[0].Height;
        CurrentInterval = first.Sizes[0].Intervals[0];
    }

    public delegate int FrameWriterDelegate(Span<byte> buffer, uint fourCc, int width, int height, int stride, uint sequence);

    public string Path { get; }

    /// <summary>Fills a buffer with a frame and returns bytesused. Default: a raw test pattern (every byte = the
    /// sequence number, rows padded with 0xEE), or for compressed formats a short payload.</summary>
    public FrameWriterDelegate FrameWriter { get; set; } = DefaultFrame;

    /// <summary>Advance of the fake clock per produced frame (none when null); tests use it with a FakeTimeProvider.</summary>
    public Action? OnFrameProduced { get; set; }

    public uint CurrentFourCc { get; private set; }

    public int CurrentWidth { get; private set; }

    public int CurrentHeight { get; private set; }

    public (uint Numerator, uint Denominator) CurrentInterval { get; private set; }

    public int Opens { get; private set; }

    public int StreamOns { get; private set; }

    public int FramesProduced { get; private set; }

    /// <summary>Buffers currently mapped by the client (0 after a clean teardown).</summary>
    public int MappedBuffers { get; private set; }

    public int OpenDescriptors
    {
        get
        {
            lock (_gate)
            {
                return _openFds.Count;
            }
        }
    }

    public bool IsStreaming
    {
        get
        {
            lock (_gate)
            {
                return _streamingFd >= 0;
            }
        }
    }

    /// <summary>Every S_CTRL in order (id, value).</summary>
    public List<(uint Id, int Value)> ControlWrites { get; } = [];

    public int ControlValue(uint id)
    {
        lock (_gate)
        {
            return _controlValues[id];
        }
    }

    public void Script(params SimulatedEvent[] events)
    {
        lock (_gate)
        {
            foreach (var e in events)
            {
                _script.Enqueue(e);
            }
        }
    }

    /// <summary>Unplugs the camera now: open descriptors answer ENODEV, the node disappears.</summary>
    public void Unplug()
    {
        lock (_gate)
        {
            UnplugLocked();
        }

        _wakeSignal.Set();
    }

    /// <summary>Plugs the camera back in: the node exists again; old descriptors stay dead.</summary>
    public void Replug()
    {
        lock (_gate)
        {
            _present = true;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            FreeBuffers();
        }

        _wakeSignal.Dispose();
    }

    public int Open(string path)
    {
        lock (_gate)
        {
            if (path != Path || !_present)
            {
                return -Errno.ENOENT;
            }

            var fd = _nextFd++;
            _openFds.Add(fd);
            _fdGeneration[fd] = _generation;
            Opens++;
            return fd;
        }
    }

    public void Close(int fd)
    {
        lock (_gate)
        {
            _openFds.Remove(fd);
            if (_streamingFd == fd)
            {
                _streamingFd = -1;
            }

            if (_openFds.Count == 0 && MappedBuffers == 0)
            {
                FreeBuffers();
            }
        }
    }

    public IReadOnlyList<string> ListDevices()
    {
        lock (_gate)
        {
            return _present ? [Path] : [];
        }
    }

    public int CreateWakeHandle()
    {
        lock (_gate)
        {
            var h = _nextFd++;
            _wakeHandles[h] = false;
            return h;
        }
    }

    public void Wake(int wakeHandle)
    {
        lock (_gate)
        {
            _wakeHandles[wakeHandle] = true;
        }

        _wakeSignal.Set();
    }

    public void CloseWakeHandle(int wakeHandle)
    {
        lock (_gate)
        {
            _wakeHandles.Remove(wakeHandle);
        }
    }

    public int Poll(int fd, int wakeHandle, int timeoutMs, out PollOutcome outcome)
    {
        bool block;
        lock (_gate)
        {
            if (_wakeHandles.TryGetValue(wakeHandle, out var woken) && woken)
            {
                outcome = PollOutcome.Woken;
                return 0;
            }

            if (!IsLive(fd))
            {
                outcome = PollOutcome.Error;
                return 0;
            }

            block = _stalled;
            if (!block && _script.TryDequeue(out var next))
            {
                switch (next)
                {
                    case SimulatedEvent.PollInterrupted:
                        outcome = PollOutcome.Timeout;
                        return Errno.EINTR;
                    case SimulatedEvent.SpuriousWakeup:
                        outcome = PollOutcome.Readable;
                        return 0;
                    case SimulatedEvent.Unplug:
                        UnplugLocked();
                        outcome = PollOutcome.Error;
                        return 0;
                    case SimulatedEvent.Stall:
                        _stalled = true;
                        block = true;
                        break;
                    case SimulatedEvent.Block:
                        block = true;
                        break;
                    case SimulatedEvent.ErrorFrame:
                        ProduceLocked(error: true);
                        outcome = PollOutcome.Readable;
                        return 0;
                    default:
                        // Dequeue-side events go back to the front for DQBUF to see.
                        var rest = _script.ToArray();
                        _script.Clear();
                        _script.Enqueue(next);
                        foreach (var e in rest)
                        {
                            _script.Enqueue(e);
                        }

                        break;
                }
            }

            if (!block)
            {
                if (_done.Count == 0 && !ProduceLocked(error: false))
                {
                    outcome = PollOutcome.Timeout;
                    return 0;
                }

                outcome = PollOutcome.Readable;
                return 0;
            }

            _wakeSignal.Reset();
        }

        // Blocked like a camera that sends nothing: only a wake (or an unplug) ends it before the timeout.
        _wakeSignal.Wait(timeoutMs < 0 ? Timeout.Infinite : timeoutMs);
        lock (_gate)
        {
            outcome = _wakeHandles.TryGetValue(wakeHandle, out var woken) && woken ? PollOutcome.Woken
                : !IsLive(fd) ? PollOutcome.Error
                : PollOutcome.Timeout;
            return 0;
        }
    }

    public int Map(int fd, uint length, uint offset, out byte* address)
    {
        lock (_gate)
        {
            address = null;
            if (!IsLive(fd))
            {
                return Errno.ENODEV;
            }

            var b = _buffers.FirstOrDefault(x => x.Offset == offset);
            if (b is null || length > b.Length)
            {
                return Errno.EINVAL;
            }

            address = b.Memory;
            b.Mapped = true;
            MappedBuffers++;
            return 0;
        }
    }

    public void Unmap(byte* address, uint length)
    {
        lock (_gate)
        {
            var b = _buffers.FirstOrDefault(x => x.Memory == address);
            if (b is { Mapped: true })
            {
                b.Mapped = false;
                MappedBuffers--;
            }

            if (_openFds.Count == 0 && MappedBuffers == 0)
            {
                FreeBuffers();
            }
        }
    }

    public int Ioctl(int fd, uint request, void* arg)
    {
        lock (_gate)
        {
            if (!_openFds.Contains(fd))
            {
                return 9; // EBADF
            }

            if (!IsLive(fd))
            {
                return Errno.ENODEV;
            }

            if (request == Uapi.VidiocQueryCap)
            {
                return QueryCap((V4l2Capability*)arg);
            }

            if (request == Uapi.VidiocEnumFmt)
            {
                return EnumFmt((V4l2FmtDesc*)arg);
            }

            if (request == Uapi.VidiocEnumFrameSizes)
            {
                return EnumSizes((V4l2FrmSizeEnum*)arg);
            }

            if (request == Uapi.VidiocEnumFrameIntervals)
            {
                return EnumIntervals((V4l2FrmIvalEnum*)arg);
            }

            if (request == Uapi.VidiocGFmt || request == Uapi.VidiocSFmt)
            {
                return Format((V4l2Format*)arg, set: request == Uapi.VidiocSFmt);
            }

            if (request == Uapi.VidiocGParm || request == Uapi.VidiocSParm)
            {
                return Parm((V4l2StreamParm*)arg, set: request == Uapi.VidiocSParm);
            }

            if (request == Uapi.VidiocQueryCtrl)
            {
                return QueryCtrl((V4l2QueryCtrl*)arg);
            }

            if (request == Uapi.VidiocQueryMenu)
            {
                return QueryMenu((V4l2QueryMenu*)arg);
            }

            if (request == Uapi.VidiocGCtrl || request == Uapi.VidiocSCtrl)
            {
                return Ctrl((V4l2Control*)arg, set: request == Uapi.VidiocSCtrl);
            }

            if (request == Uapi.VidiocReqBufs)
            {
                return ReqBufs(fd, (V4l2RequestBuffers*)arg);
            }

            if (request == Uapi.VidiocQueryBuf)
            {
                return QueryBuf((V4l2Buffer*)arg);
            }

            if (request == Uapi.VidiocQBuf)
            {
                return QBuf((V4l2Buffer*)arg);
            }

            if (request == Uapi.VidiocDQBuf)
            {
                return DQBuf((V4l2Buffer*)arg);
            }

            if (request == Uapi.VidiocStreamOn || request == Uapi.VidiocStreamOff)
            {
                return Stream(fd, *(int*)arg, on: request == Uapi.VidiocStreamOn);
            }

            return Errno.ENOTTY;
        }
    }

    private uint CaptureType => _camera.Multiplanar ? Uapi.BufTypeVideoCaptureMplane : Uapi.BufTypeVideoCapture;

    private bool IsLive(int fd) => _present && _openFds.Contains(fd) && _generation == GenerationOf(fd);

    // Descriptors opened before an unplug belong to an older generation and stay dead after a replug.
    private readonly Dictionary<int, int> _fdGeneration = [];

    private int GenerationOf(int fd)
    {
        if (!_fdGeneration.TryGetValue(fd, out var g))
        {
            g = _generation;
            _fdGeneration[fd] = g;
        }

        return g;
    }

    private void UnplugLocked()
    {
        foreach (var fd in _openFds)
        {
            GenerationOf(fd);
        }

        _present = false;
        _generation++;
        _streamingFd = -1;
        _queued.Clear();
        _done.Clear();
    }

    private int QueryCap(V4l2Capability* cap)
    {
        *cap = default;
        V4l2Text.Write(cap->Driver, 16, _camera.Driver);
        V4l2Text.Write(cap->Card, 32, _camera.Card);
        V4l2Text.Write(cap->BusInfo, 32, _camera.BusInfo);
        cap->Version = (6u << 16) | (1u << 8);
        cap->DeviceCaps = (_camera.Multiplanar ? Uapi.CapVideoCaptureMplane : Uapi.CapVideoCapture) | Uapi.CapStreaming;
        cap->Capabilities = cap->DeviceCaps | Uapi.CapDeviceCaps | Uapi.CapMetaCapture;
        return 0;
    }

    private int EnumFmt(V4l2FmtDesc* d)
    {
        if (d->Type != CaptureType || d->Index >= _camera.Formats.Count)
        {
            return Errno.EINVAL;
        }

        var f = _camera.Formats[(int)d->Index];
        d->Flags = f.Compressed ? Uapi.FmtFlagCompressed : 0;
        V4l2Text.Write(d->Description, 32, f.Description);
        d->PixelFormat = Uapi.FourCc(f.FourCc);
        return 0;
    }

    private SimulatedFormat? FindFormat(uint fourCc) => _camera.Formats.FirstOrDefault(f => Uapi.FourCc(f.FourCc) == fourCc);

    private int EnumSizes(V4l2FrmSizeEnum* e)
    {
        var f = FindFormat(e->PixelFormat);
        if (f is null || e->Index >= f.Sizes.Length)
        {
            return Errno.EINVAL;
        }

        e->Type = Uapi.FrmSizeDiscrete;
        e->Width = (uint)f.Sizes[(int)e->Index].Width;
        e->Height = (uint)f.Sizes[(int)e->Index].Height;
        return 0;
    }

    private int EnumIntervals(V4l2FrmIvalEnum* e)
    {
        var size = FindFormat(e->PixelFormat)?.Sizes.FirstOrDefault(s => s.Width == e->Width && s.Height == e->Height);
        if (size is null || e->Index >= size.Intervals.Length)
        {
            return Errno.EINVAL;
        }

        e->Type = Uapi.FrmIvalDiscrete;
        e->Min = new V4l2Fract { Numerator = size.Intervals[(int)e->Index].Numerator, Denominator = size.Intervals[(int)e->Index].Denominator };
        return 0;
    }

    private int Format(V4l2Format* f, bool set)
    {
        if (f->Type != CaptureType)
        {
            return Errno.EINVAL;
        }

        if (set)
        {
            if (_streamingFd >= 0 || _buffers.Count > 0)
            {
                return Errno.EBUSY;
            }

            var (fourCc, width, height) = _camera.Multiplanar
                ? (f->PixMp.PixelFormat, (int)f->PixMp.Width, (int)f->PixMp.Height)
                : (f->Pix.PixelFormat, (int)f->Pix.Width, (int)f->Pix.Height);
            var code = Uapi.FourCcText(fourCc);
            if (_camera.RefusedFormats.Contains(code))
            {
                return Errno.EINVAL;
            }

            var format = _camera.SubstitutedFormats.Contains(code) ? null : FindFormat(fourCc);
            if (format is null)
            {
                if (_camera.RejectsUnknownFormat)
                {
                    return Errno.EINVAL;
                }

                format = _camera.Formats[0]; // what a driver does: substitute its own choice
            }

            // The nearest size the driver has (by area difference), as uvcvideo picks it.
            var size = format.Sizes.MinBy(s => Math.Abs(((long)s.Width * s.Height) - ((long)width * height)))!;
            CurrentFourCc = Uapi.FourCc(format.FourCc);
            CurrentWidth = size.Width;
            CurrentHeight = size.Height;
            if (!size.Intervals.Contains(CurrentInterval))
            {
                CurrentInterval = size.Intervals[0];
            }
        }

        var (stride, sizeImage) = Layout();
        if (_camera.Multiplanar)
        {
            f->PixMp = default;
            f->PixMp.Width = (uint)CurrentWidth;
            f->PixMp.Height = (uint)CurrentHeight;
            f->PixMp.PixelFormat = CurrentFourCc;
            f->PixMp.Field = Uapi.FieldNone;
            f->PixMp.NumPlanes = 1;
            f->PixMp.PlaneFmt[0].BytesPerLine = (uint)stride;
            f->PixMp.PlaneFmt[0].SizeImage = (uint)sizeImage;
        }
        else
        {
            f->Pix = default;
            f->Pix.Width = (uint)CurrentWidth;
            f->Pix.Height = (uint)CurrentHeight;
            f->Pix.PixelFormat = CurrentFourCc;
            f->Pix.Field = Uapi.FieldNone;
            f->Pix.BytesPerLine = (uint)stride;
            f->Pix.SizeImage = (uint)sizeImage;
        }

        return 0;
    }

    private (int Stride, int SizeImage) Layout()
    {
        int w = CurrentWidth, h = CurrentHeight, align = Math.Max(1, _camera.StrideAlign);
        int Align(int v) => (v + align - 1) / align * align;
        if (CurrentFourCc == Uapi.PixYuyv)
        {
            var s = Align(((w + 1) / 2) * 4);
            return (s, s * h);
        }

        if (CurrentFourCc == Uapi.PixGrey)
        {
            var s = Align(w);
            return (s, s * h);
        }

        if (CurrentFourCc == Uapi.PixNv12)
        {
            var s = Align(w);
            return (s, (s * h) + (s * ((h + 1) / 2)));
        }

        if (CurrentFourCc == Uapi.PixYuv420)
        {
            var s = Align(w);
            return (s, (s * h) + (2 * (s / 2) * ((h + 1) / 2)));
        }

        return (0, Math.Max(w * h, 64 * 1024)); // compressed: a worst-case buffer, bytesused says what is in it
    }

    private int Parm(V4l2StreamParm* p, bool set)
    {
        if (p->Type != CaptureType)
        {
            return Errno.EINVAL;
        }

        if (set && _camera.SupportsFrameInterval && p->TimePerFrame.Denominator != 0)
        {
            var size = FindFormat(CurrentFourCc)!.Sizes.First(s => s.Width == CurrentWidth && s.Height == CurrentHeight);
            var wanted = (double)p->TimePerFrame.Numerator / p->TimePerFrame.Denominator;
            CurrentInterval = size.Intervals.MinBy(i => Math.Abs(((double)i.Numerator / i.Denominator) - wanted));
        }

        *p = default;
        p->Type = CaptureType;
        p->Capability = _camera.SupportsFrameInterval ? Uapi.CapTimePerFrame : 0;
        p->TimePerFrame = new V4l2Fract { Numerator = CurrentInterval.Numerator, Denominator = CurrentInterval.Denominator };
        return 0;
    }

    private int QueryCtrl(V4l2QueryCtrl* q)
    {
        SimulatedControl? c;
        if ((q->Id & Uapi.CtrlFlagNextCtrl) != 0)
        {
            var after = q->Id & ~Uapi.CtrlFlagNextCtrl;
            c = _camera.Controls.Where(x => x.Id > after).OrderBy(x => x.Id).FirstOrDefault();
        }
        else
        {
            c = _camera.Controls.FirstOrDefault(x => x.Id == q->Id);
        }

        if (c is null)
        {
            return Errno.EINVAL;
        }

        *q = default;
        q->Id = c.Id;
        q->Type = c.Type;
        V4l2Text.Write(q->Name, 32, c.Name);
        q->Minimum = c.Minimum;
        q->Maximum = c.Maximum;
        q->Step = c.Step;
        q->DefaultValue = c.Default;
        q->Flags = Inactive(c.Id) ? Uapi.CtrlFlagInactive : 0;
        return 0;
    }

    // Manual values are inactive while their automatic counterpart is on (as UVC cameras report them).
    private bool Inactive(uint id) =>
        (id == Uapi.CidExposureAbsolute && _controlValues.GetValueOrDefault(Uapi.CidExposureAuto, Uapi.ExposureManual) != Uapi.ExposureManual)
        || (id == Uapi.CidWhiteBalanceTemperature && _controlValues.GetValueOrDefault(Uapi.CidAutoWhiteBalance) != 0)
        || (id == Uapi.CidFocusAbsolute && _controlValues.GetValueOrDefault(Uapi.CidFocusAuto) != 0);

    private int QueryMenu(V4l2QueryMenu* m)
    {
        var c = _camera.Controls.FirstOrDefault(x => x.Id == m->Id);
        if (c is null || c.Type != Uapi.CtrlTypeMenu || m->Index >= c.Menu.Length || m->Index < c.Minimum || m->Index > c.Maximum)
        {
            return Errno.EINVAL;
        }

        V4l2Text.Write(m->Name, 32, c.Menu[m->Index]);
        return 0;
    }

    private int Ctrl(V4l2Control* c, bool set)
    {
        var def = _camera.Controls.FirstOrDefault(x => x.Id == c->Id);
        if (def is null)
        {
            return Errno.EINVAL;
        }

        if (!set)
        {
            c->Value = _controlValues[c->Id];
            return 0;
        }

        if (c->Value < def.Minimum || c->Value > def.Maximum)
        {
            return 34; // ERANGE
        }

        if (Inactive(c->Id))
        {
            return Errno.EACCES; // what uvcvideo answers for a manual value while auto is on
        }

        _controlValues[c->Id] = c->Value;
        ControlWrites.Add((c->Id, c->Value));
        return 0;
    }

    private int ReqBufs(int fd, V4l2RequestBuffers* r)
    {
        if (r->Type != CaptureType || r->Memory != Uapi.MemoryMmap)
        {
            return Errno.EINVAL;
        }

        if (_streamingFd >= 0 || MappedBuffers > 0)
        {
            return Errno.EBUSY;
        }

        FreeBuffers();
        _bufType = r->Type;
        var count = (int)Math.Min(r->Count, (uint)_camera.MaxBuffers);
        var (_, sizeImage) = Layout();
        for (var i = 0; i < count; i++)
        {
            var mem = (byte*)NativeMemory.AllocZeroed((nuint)sizeImage);
            _buffers.Add(new Buffer { Index = i, Offset = (uint)(i * 0x100000), Length = (uint)sizeImage, Memory = mem });
        }

        r->Count = (uint)count;
        _ = fd;
        return 0;
    }

    private int QueryBuf(V4l2Buffer* b)
    {
        if (b->Type != CaptureType || b->Index >= _buffers.Count)
        {
            return Errno.EINVAL;
        }

        var buf = _buffers[(int)b->Index];
        FillBufferInfo(b, buf, bytesUsed: 0);
        return 0;
    }

    private void FillBufferInfo(V4l2Buffer* b, Buffer buf, uint bytesUsed)
    {
        b->Memory = Uapi.MemoryMmap;
        b->Field = Uapi.FieldNone;
        if (_camera.Multiplanar)
        {
            var planes = (V4l2Plane*)b->M;
            if (planes is not null && b->Length >= 1)
            {
                planes[0] = default;
                planes[0].Length = buf.Length;
                planes[0].M = buf.Offset;
                planes[0].BytesUsed = bytesUsed;
            }

            b->Length = 1;
            b->BytesUsed = 0;
        }
        else
        {
            b->M = buf.Offset;
            b->Length = buf.Length;
            b->BytesUsed = bytesUsed;
        }
    }

    private int QBuf(V4l2Buffer* b)
    {
        if (b->Type != CaptureType || b->Index >= _buffers.Count || b->Memory != Uapi.MemoryMmap)
        {
            return Errno.EINVAL;
        }

        var buf = _buffers[(int)b->Index];
        if (buf.Queued)
        {
            return Errno.EINVAL;
        }

        buf.Queued = true;
        _queued.Enqueue(buf.Index);
        return 0;
    }

    private int DQBuf(V4l2Buffer* b)
    {
        if (b->Type != CaptureType)
        {
            return Errno.EINVAL;
        }

        if (_script.TryPeek(out var next) && next == SimulatedEvent.DequeueInterrupted)
        {
            _script.Dequeue();
            return Errno.EINTR;
        }

        if (!_done.TryDequeue(out var index))
        {
            return Errno.EAGAIN;
        }

        var buf = _buffers[index];
        buf.Queued = false;
        FillBufferInfo(b, buf, buf.BytesUsed);
        b->Index = (uint)index;
        b->Flags = Uapi.BufFlagTimestampMonotonic | (buf.Error ? Uapi.BufFlagError : 0);
        b->Sequence = buf.Sequence;
        b->Timestamp = buf.Timestamp;
        return 0;
    }

    private int Stream(int fd, int type, bool on)
    {
        if ((uint)type != CaptureType || (uint)type != _bufType)
        {
            return Errno.EINVAL;
        }

        if (on)
        {
            _streamingFd = fd;
            StreamOns++;
            _stalled = false;
            _sequence = 0;
        }
        else
        {
            _streamingFd = -1;
            _queued.Clear();
            _done.Clear();
            foreach (var b in _buffers)
            {
                b.Queued = false;
            }
        }

        return 0;
    }

    // Fills the oldest queued buffer; false when streaming is off or the client holds every buffer.
    private bool ProduceLocked(bool error)
    {
        if (_streamingFd < 0 || !_queued.TryDequeue(out var index))
        {
            return false;
        }

        var buf = _buffers[index];
        var (stride, _) = Layout();
        var span = new Span<byte>(buf.Memory, (int)buf.Length);
        OnFrameProduced?.Invoke();
        buf.BytesUsed = (uint)FrameWriter(span, CurrentFourCc, CurrentWidth, CurrentHeight, stride, _sequence);
        buf.Error = error;
        buf.Sequence = _sequence++;
        var ns = MonotonicClock.Nanoseconds(_time);
        buf.Timestamp = new TimeVal { Seconds = ns / 1_000_000_000, Microseconds = ns % 1_000_000_000 / 1000 };
        _done.Enqueue(index);
        FramesProduced++;
        return true;
    }

    private static int DefaultFrame(Span<byte> buffer, uint fourCc, int width, int height, int stride, uint sequence)
    {
        if (stride == 0)
        {
            var n = Math.Min(buffer.Length, 1000);
            buffer[..n].Fill((byte)sequence);
            return n;
        }

        buffer.Fill(0xEE);
        var rowBytes = fourCc == Uapi.PixYuyv ? ((width + 1) / 2) * 4 : width;
        var rows = buffer.Length / stride;
        for (var y = 0; y < rows; y++)
        {
            buffer.Slice(y * stride, rowBytes).Fill((byte)sequence);
        }

        return buffer.Length;
    }

    private void FreeBuffers()
    {
        foreach (var b in _buffers)
        {
            NativeMemory.Free(b.Memory);
        }

        _buffers.Clear();
        _queued.Clear();
        _done.Clear();
        MappedBuffers = 0;
    }

    private sealed class Buffer
    {
        public int Index;
        public uint Offset;
        public uint Length;
        public byte* Memory;
        public bool Queued;
        public bool Mapped;
        public bool Error;
        public uint BytesUsed;
        public uint Sequence;
        public TimeVal Timestamp;
    }
}
