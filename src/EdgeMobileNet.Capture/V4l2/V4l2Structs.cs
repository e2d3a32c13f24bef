using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace EdgeMobileNet.Capture.V4l2;

// The V4L2 user API structures this code passes to ioctl, laid out as <linux/videodev2.h> lays them out on LP64
// Linux (x86-64 and arm64). Every size and field offset used here is compared with the kernel headers by the ABI
// test (tests/EdgeMobileNet.Capture.Tests/abi), for both architectures. Only the fields the capture code reads or
// writes are named; the rest is reserved space of the right size.

/// <summary>struct v4l2_capability (VIDIOC_QUERYCAP).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct V4l2Capability
{
    public fixed byte Driver[16];
    public fixed byte Card[32];
    public fixed byte BusInfo[32];
    public uint Version;
    public uint Capabilities;
    public uint DeviceCaps;
    public fixed uint Reserved[3];

    /// <summary>The capabilities of this node: device_caps when the driver fills it, else the whole device's.</summary>
    public readonly uint NodeCapabilities => (Capabilities & Uapi.CapDeviceCaps) != 0 ? DeviceCaps : Capabilities;

    public readonly string DriverName
    {
        get
        {
            fixed (byte* p = Driver)
            {
                return V4l2Text.Read(p, 16);
            }
        }
    }

    public readonly string CardName
    {
        get
        {
            fixed (byte* p = Card)
            {
                return V4l2Text.Read(p, 32);
            }
        }
    }

    public readonly string Bus
    {
        get
        {
            fixed (byte* p = BusInfo)
            {
                return V4l2Text.Read(p, 32);
            }
        }
    }
}

/// <summary>struct v4l2_pix_format (single-planar formats).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct V4l2PixFormat
{
    public uint Width;
    public uint Height;
    public uint PixelFormat;
    public uint Field;
    public uint BytesPerLine;
    public uint SizeImage;
    public uint Colorspace;
    public uint Priv;
    public uint Flags;
    public uint YcbcrEnc;
    public uint Quantization;
    public uint XferFunc;
}

/// <summary>struct v4l2_plane_pix_format (packed, 20 bytes).</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal unsafe struct V4l2PlanePixFormat
{
    public uint SizeImage;
    public uint BytesPerLine;
    public fixed ushort Reserved[6];
}

/// <summary>VIDEO_MAX_PLANES plane formats.</summary>
[InlineArray(Uapi.MaxPlanes)]
internal struct V4l2PlaneFormats
{
    private V4l2PlanePixFormat _first;
}

/// <summary>struct v4l2_pix_format_mplane (packed).</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal unsafe struct V4l2PixFormatMplane
{
    public uint Width;
    public uint Height;
    public uint PixelFormat;
    public uint Field;
    public uint Colorspace;
    public V4l2PlaneFormats PlaneFmt;
    public byte NumPlanes;
    public byte Flags;
    public byte YcbcrEnc;
    public byte Quantization;
    public byte XferFunc;
    public fixed byte Reserved[7];
}

/// <summary>struct v4l2_format: the type, then a 200-byte union that starts 8-aligned (it holds pointers).</summary>
[StructLayout(LayoutKind.Explicit, Size = 208)]
internal struct V4l2Format
{
    [FieldOffset(0)] public uint Type;
    [FieldOffset(8)] public V4l2PixFormat Pix;
    [FieldOffset(8)] public V4l2PixFormatMplane PixMp;
}

/// <summary>struct v4l2_requestbuffers (VIDIOC_REQBUFS).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct V4l2RequestBuffers
{
    public uint Count;
    public uint Type;
    public uint Memory;
    public uint Capabilities;
    public byte Flags;
    public fixed byte Reserved[3];
}

/// <summary>struct timeval on LP64.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct TimeVal
{
    public long Seconds;
    public long Microseconds;
}

/// <summary>struct v4l2_timecode.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct V4l2Timecode
{
    public uint Type;
    public uint Flags;
    public byte Frames;
    public byte Seconds;
    public byte Minutes;
    public byte Hours;
    public fixed byte UserBits[4];
}

/// <summary>struct v4l2_buffer (QUERYBUF, QBUF, DQBUF). <see cref="M"/> is the union: the mmap offset for
/// single-planar buffers, the address of the <see cref="V4l2Plane"/> array for multi-planar ones.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct V4l2Buffer
{
    public uint Index;
    public uint Type;
    public uint BytesUsed;
    public uint Flags;
    public uint Field;
    public TimeVal Timestamp;
    public V4l2Timecode Timecode;
    public uint Sequence;
    public uint Memory;
    public ulong M;
    public uint Length;
    public uint Reserved2;
    public uint RequestFd;
}

/// <summary>struct v4l2_plane.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct V4l2Plane
{
    public uint BytesUsed;
    public uint Length;
    public ulong M;
    public uint DataOffset;
    public fixed uint Reserved[11];
}

/// <summary>struct v4l2_fmtdesc (VIDIOC_ENUM_FMT).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct V4l2FmtDesc
{
    public uint Index;
    public uint Type;
    public uint Flags;
    public fixed byte Description[32];
    public uint PixelFormat;
    public uint MbusCode;
    public fixed uint Reserved[3];

    public readonly string DescriptionText
    {
        get
        {
            fixed (byte* p = Description)
            {
                return V4l2Text.Read(p, 32);
            }
        }
    }
}

/// <summary>struct v4l2_frmsizeenum (VIDIOC_ENUM_FRAMESIZES). Discrete: <see cref="Width"/>×<see cref="Height"/>
/// only; stepwise and continuous: all six.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct V4l2FrmSizeEnum
{
    public uint Index;
    public uint PixelFormat;
    public uint Type;
    public uint Width; // discrete.width / stepwise.min_width
    public uint Height; // discrete.height / stepwise.max_width
    public uint StepWidth;
    public uint MinHeight;
    public uint MaxHeight;
    public uint StepHeight;
    public fixed uint Reserved[2];
}

/// <summary>struct v4l2_fract.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct V4l2Fract
{
    public uint Numerator;
    public uint Denominator;
}

/// <summary>struct v4l2_frmivalenum (VIDIOC_ENUM_FRAMEINTERVALS). Discrete: <see cref="Min"/> only.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct V4l2FrmIvalEnum
{
    public uint Index;
    public uint PixelFormat;
    public uint Width;
    public uint Height;
    public uint Type;
    public V4l2Fract Min;
    public V4l2Fract Max;
    public V4l2Fract Step;
    public fixed uint Reserved[2];
}

/// <summary>struct v4l2_streamparm with the capture member of its union (VIDIOC_G_PARM / S_PARM).</summary>
[StructLayout(LayoutKind.Explicit, Size = 204)]
internal struct V4l2StreamParm
{
    [FieldOffset(0)] public uint Type;
    [FieldOffset(4)] public uint Capability;
    [FieldOffset(8)] public uint CaptureMode;
    [FieldOffset(12)] public V4l2Fract TimePerFrame;
    [FieldOffset(20)] public uint ExtendedMode;
    [FieldOffset(24)] public uint ReadBuffers;
}

/// <summary>struct v4l2_queryctrl (VIDIOC_QUERYCTRL).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct V4l2QueryCtrl
{
    public uint Id;
    public uint Type;
    public fixed byte Name[32];
    public int Minimum;
    public int Maximum;
    public int Step;
    public int DefaultValue;
    public uint Flags;
    public fixed uint Reserved[2];

    public readonly string NameText
    {
        get
        {
            fixed (byte* p = Name)
            {
                return V4l2Text.Read(p, 32);
            }
        }
    }
}

/// <summary>struct v4l2_control (VIDIOC_G_CTRL / S_CTRL).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct V4l2Control
{
    public uint Id;
    public int Value;
}

/// <summary>struct v4l2_querymenu (packed, 44 bytes): a menu item's name, or an integer-menu item's value.</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal unsafe struct V4l2QueryMenu
{
    public uint Id;
    public uint Index;
    public fixed byte Name[32];
    public uint Reserved;

    public readonly string NameText
    {
        get
        {
            fixed (byte* p = Name)
            {
                return V4l2Text.Read(p, 32);
            }
        }
    }

    public readonly long IntegerValue
    {
        get
        {
            fixed (byte* p = Name)
            {
                return *(long*)p;
            }
        }
    }
}

/// <summary>struct pollfd.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct PollFd
{
    public int Fd;
    public short Events;
    public short Revents;
}

internal static class V4l2Text
{
    public static unsafe string Read(byte* p, int max)
    {
        var span = new ReadOnlySpan<byte>(p, max);
        var end = span.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? span : span[..end]).Trim();
    }

    public static unsafe void Write(byte* p, int max, string text)
    {
        var span = new Span<byte>(p, max);
        span.Clear();
        var bytes = Encoding.UTF8.GetBytes(text);
        bytes.AsSpan(0, Math.Min(bytes.Length, max - 1)).CopyTo(span);
    }
}
