namespace EdgeMobileNet.Capture.V4l2;

/// <summary>
/// The checking facade over one open V4L2 device node (the way GpioController fronts a GpioDriver): typed calls
/// instead of raw ioctls, EINTR retried, ENODEV turned into <see cref="CameraLostException"/>, every other failure a
/// <see cref="CameraException"/> naming the device and the call.
/// </summary>
internal sealed unsafe class V4l2Camera : IDisposable
{
    private readonly IV4l2Device _device;
    private int _fd;

    private V4l2Camera(IV4l2Device device, string path, int fd)
    {
        _device = device;
        Path = path;
        _fd = fd;
    }

    public string Path { get; }

    public int Descriptor => _fd;

    public IV4l2Device Device => _device;

    public static V4l2Camera Open(IV4l2Device device, string path)
    {
        var fd = device.Open(path);
        if (fd >= 0)
        {
            return new V4l2Camera(device, path, fd);
        }

        var errno = -fd;
        var reason = errno switch
        {
            Errno.ENOENT => "no such device (is the camera plugged in? see `edgemobilenet probe`)",
            Errno.EACCES => "permission denied (add the service user to the 'video' group)",
            Errno.EBUSY => "busy (another program is using the camera)",
            _ => Errno.Name(errno),
        };
        throw Errno.IsDeviceGone(errno)
            ? new CameraLostException($"Source:Device: {path}: {reason}", errno)
            : new CameraException($"Source:Device: {path}: {reason}", errno);
    }

    public void Dispose()
    {
        if (_fd >= 0)
        {
            _device.Close(_fd);
            _fd = -1;
        }
    }

    /// <summary>ioctl with EINTR retried; returns 0 or the errno (ENODEV included) for the caller to judge.</summary>
    public int TryIoctl(uint request, void* arg)
    {
        while (true)
        {
            var e = _device.Ioctl(_fd, request, arg);
            if (e != Errno.EINTR)
            {
                return e;
            }
        }
    }

    /// <summary>ioctl that must succeed.</summary>
    public void Ioctl(uint request, void* arg, string what)
    {
        var e = TryIoctl(request, arg);
        if (e != 0)
        {
            throw Failure(what, e);
        }
    }

    public CameraException Failure(string what, int errno) =>
        Errno.IsDeviceGone(errno)
            ? new CameraLostException($"{Path}: device lost during {what} ({Errno.Name(errno)})", errno)
            : new CameraException($"{Path}: {what} failed ({Errno.Name(errno)})", errno);

    public V4l2Capability QueryCapability()
    {
        V4l2Capability cap;
        var e = TryIoctl(Uapi.VidiocQueryCap, &cap);
        if (e == Errno.ENOTTY || e == Errno.EINVAL)
        {
            throw new CameraException($"Source:Device: {Path} is not a V4L2 device", e);
        }

        if (e != 0)
        {
            throw Failure("VIDIOC_QUERYCAP", e);
        }

        return cap;
    }

    public List<V4l2FmtDesc> Formats(uint type)
    {
        var list = new List<V4l2FmtDesc>();
        for (uint i = 0; i < 256; i++)
        {
            var d = new V4l2FmtDesc { Index = i, Type = type };
            var e = TryIoctl(Uapi.VidiocEnumFmt, &d);
            if (e == Errno.EINVAL)
            {
                break;
            }

            if (e != 0)
            {
                throw Failure("VIDIOC_ENUM_FMT", e);
            }

            list.Add(d);
        }

        return list;
    }

    public List<V4l2FrmSizeEnum> FrameSizes(uint fourCc)
    {
        var list = new List<V4l2FrmSizeEnum>();
        for (uint i = 0; i < 256; i++)
        {
            var s = new V4l2FrmSizeEnum { Index = i, PixelFormat = fourCc };
            var e = TryIoctl(Uapi.VidiocEnumFrameSizes, &s);
            if (e is Errno.EINVAL or Errno.ENOTTY)
            {
                break;
            }

            if (e != 0)
            {
                throw Failure("VIDIOC_ENUM_FRAMESIZES", e);
            }

            list.Add(s);
            if (s.Type != Uapi.FrmSizeDiscrete)
            {
                break; // stepwise/continuous: one entry describes them all
            }
        }

        return list;
    }

    public List<V4l2FrmIvalEnum> FrameIntervals(uint fourCc, uint width, uint height)
    {
        var list = new List<V4l2FrmIvalEnum>();
        for (uint i = 0; i < 256; i++)
        {
            var v = new V4l2FrmIvalEnum { Index = i, PixelFormat = fourCc, Width = width, Height = height };
            var e = TryIoctl(Uapi.VidiocEnumFrameIntervals, &v);
            if (e is Errno.EINVAL or Errno.ENOTTY)
            {
                break;
            }

            if (e != 0)
            {
                throw Failure("VIDIOC_ENUM_FRAMEINTERVALS", e);
            }

            list.Add(v);
            if (v.Type != Uapi.FrmIvalDiscrete)
            {
                break;
            }
        }

        return list;
    }

    /// <summary>S_FMT; returns the errno (EINVAL from drivers that refuse a format they lack) and the format the
    /// driver settled on, which may differ from the request in size, format and layout.</summary>
    public int TrySetFormat(uint type, uint fourCc, int width, int height, out V4l2Format result)
    {
        var f = new V4l2Format { Type = type };
        if (type == Uapi.BufTypeVideoCaptureMplane)
        {
            f.PixMp.Width = (uint)width;
            f.PixMp.Height = (uint)height;
            f.PixMp.PixelFormat = fourCc;
            f.PixMp.Field = Uapi.FieldNone;
        }
        else
        {
            f.Pix.Width = (uint)width;
            f.Pix.Height = (uint)height;
            f.Pix.PixelFormat = fourCc;
            f.Pix.Field = Uapi.FieldNone;
        }

        var e = TryIoctl(Uapi.VidiocSFmt, &f);
        if (e != 0 && e != Errno.EINVAL)
        {
            throw Failure("VIDIOC_S_FMT", e);
        }

        result = f;
        return e;
    }

    /// <summary>S_PARM with a time per frame; returns the interval the driver applied, or null when it has none.</summary>
    public V4l2Fract? SetFrameInterval(uint type, uint numerator, uint denominator)
    {
        var p = new V4l2StreamParm { Type = type };
        var e = TryIoctl(Uapi.VidiocGParm, &p);
        if (e is Errno.EINVAL or Errno.ENOTTY)
        {
            return null;
        }

        if (e != 0)
        {
            throw Failure("VIDIOC_G_PARM", e);
        }

        if ((p.Capability & Uapi.CapTimePerFrame) == 0)
        {
            return null;
        }

        p = new V4l2StreamParm { Type = type, TimePerFrame = new V4l2Fract { Numerator = numerator, Denominator = denominator } };
        Ioctl(Uapi.VidiocSParm, &p, "VIDIOC_S_PARM");
        return p.TimePerFrame;
    }

    public V4l2QueryCtrl? QueryControl(uint id)
    {
        var q = new V4l2QueryCtrl { Id = id };
        var e = TryIoctl(Uapi.VidiocQueryCtrl, &q);
        if (e is Errno.EINVAL or Errno.ENOTTY)
        {
            return null;
        }

        return e == 0 ? q : throw Failure("VIDIOC_QUERYCTRL", e);
    }

    /// <summary>Every control, in driver order (V4L2_CTRL_FLAG_NEXT_CTRL); class headings skipped.</summary>
    public List<V4l2QueryCtrl> Controls()
    {
        var list = new List<V4l2QueryCtrl>();
        uint id = 0;
        for (var guard = 0; guard < 1024; guard++)
        {
            var q = new V4l2QueryCtrl { Id = id | Uapi.CtrlFlagNextCtrl };
            var e = TryIoctl(Uapi.VidiocQueryCtrl, &q);
            if (e is Errno.EINVAL or Errno.ENOTTY)
            {
                break;
            }

            if (e != 0)
            {
                throw Failure("VIDIOC_QUERYCTRL", e);
            }

            if (q.Id <= id)
            {
                break; // a driver that does not advance would loop forever
            }

            id = q.Id;
            if (q.Type != Uapi.CtrlTypeCtrlClass && (q.Flags & Uapi.CtrlFlagDisabled) == 0)
            {
                list.Add(q);
            }
        }

        return list;
    }

    public List<(int Index, string Name)> MenuItems(V4l2QueryCtrl control)
    {
        var list = new List<(int, string)>();
        if (control.Type is not (Uapi.CtrlTypeMenu or Uapi.CtrlTypeIntegerMenu))
        {
            return list;
        }

        for (var i = control.Minimum; i <= control.Maximum && i - control.Minimum < 64; i++)
        {
            var m = new V4l2QueryMenu { Id = control.Id, Index = (uint)i };
            if (TryIoctl(Uapi.VidiocQueryMenu, &m) == 0)
            {
                list.Add((i, control.Type == Uapi.CtrlTypeMenu ? m.NameText : m.IntegerValue.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            }
        }

        return list;
    }

    public bool MenuHas(uint id, int index, V4l2QueryCtrl control)
    {
        if (index < control.Minimum || index > control.Maximum)
        {
            return false;
        }

        var m = new V4l2QueryMenu { Id = id, Index = (uint)index };
        return TryIoctl(Uapi.VidiocQueryMenu, &m) == 0;
    }

    public int? GetControl(uint id)
    {
        var c = new V4l2Control { Id = id };
        return TryIoctl(Uapi.VidiocGCtrl, &c) == 0 ? c.Value : null;
    }

    public void SetControl(uint id, int value, string option, string name)
    {
        var c = new V4l2Control { Id = id, Value = value };
        var e = TryIoctl(Uapi.VidiocSCtrl, &c);
        if (e != 0)
        {
            throw Errno.IsDeviceGone(e)
                ? Failure("VIDIOC_S_CTRL", e)
                : new CameraException($"Source:Controls:{option}: {Path} refused {name} = {value} ({Errno.Name(e)})", e);
        }
    }
}
