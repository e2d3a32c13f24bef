namespace EdgeMobileNet.Capture.V4l2;

/// <summary>
/// Constants of the V4L2 user API and the few libc values the capture path needs. Request numbers are built the
/// way the kernel's asm-generic ioctl.h builds them (direction, size, type 'V', number) from the managed struct
/// sizes, so a wrong struct size would also give a wrong request; the ABI test checks both against the headers.
/// </summary>
internal static unsafe class Uapi
{
    public const int MaxPlanes = 8;

    // Buffer types and memory.
    public const uint BufTypeVideoCapture = 1;
    public const uint BufTypeVideoCaptureMplane = 9;
    public const uint MemoryMmap = 1;
    public const uint FieldNone = 1;

    // Capabilities.
    public const uint CapVideoCapture = 0x00000001;
    public const uint CapVideoCaptureMplane = 0x00001000;
    public const uint CapVideoOutput = 0x00000002;
    public const uint CapVideoM2m = 0x00008000;
    public const uint CapMetaCapture = 0x00800000;
    public const uint CapReadWrite = 0x01000000;
    public const uint CapStreaming = 0x04000000;
    public const uint CapDeviceCaps = 0x80000000;
    public const uint CapTimePerFrame = 0x1000;

    // Buffer flags.
    public const uint BufFlagError = 0x00000040;
    public const uint BufFlagTimestampMask = 0x0000e000;
    public const uint BufFlagTimestampMonotonic = 0x00002000;

    public const uint FmtFlagCompressed = 0x0001;
    public const uint FrmSizeDiscrete = 1, FrmSizeContinuous = 2, FrmSizeStepwise = 3;
    public const uint FrmIvalDiscrete = 1, FrmIvalContinuous = 2, FrmIvalStepwise = 3;

    // Pixel formats (fourcc).
    public static readonly uint PixYuyv = FourCc("YUYV");
    public static readonly uint PixMjpeg = FourCc("MJPG");
    public static readonly uint PixJpeg = FourCc("JPEG");
    public static readonly uint PixNv12 = FourCc("NV12");
    public static readonly uint PixGrey = FourCc("GREY");
    public static readonly uint PixYuv420 = FourCc("YU12");

    // Controls.
    public const uint CidBase = 0x00980900;
    public const uint CidAutoWhiteBalance = CidBase + 12;
    public const uint CidGain = CidBase + 19;
    public const uint CidPowerLineFrequency = CidBase + 24;
    public const uint CidWhiteBalanceTemperature = CidBase + 26;
    public const uint CidCameraClassBase = 0x009a0900;
    public const uint CidExposureAuto = CidCameraClassBase + 1;
    public const uint CidExposureAbsolute = CidCameraClassBase + 2;
    public const uint CidFocusAbsolute = CidCameraClassBase + 10;
    public const uint CidFocusAuto = CidCameraClassBase + 12;
    public const uint CtrlFlagDisabled = 0x0001;
    public const uint CtrlFlagReadOnly = 0x0004;
    public const uint CtrlFlagInactive = 0x0010;
    public const uint CtrlFlagNextCtrl = 0x80000000;
    public const uint CtrlTypeInteger = 1, CtrlTypeBoolean = 2, CtrlTypeMenu = 3, CtrlTypeButton = 4;
    public const uint CtrlTypeInteger64 = 5, CtrlTypeCtrlClass = 6, CtrlTypeIntegerMenu = 9;

    /// <summary>V4L2_EXPOSURE_AUTO / _MANUAL / _SHUTTER_PRIORITY / _APERTURE_PRIORITY.</summary>
    public const int ExposureAuto = 0, ExposureManual = 1, ExposureShutterPriority = 2, ExposureAperturePriority = 3;

    // Request numbers.
    public static readonly uint VidiocQueryCap = Ior(0, sizeof(V4l2Capability));
    public static readonly uint VidiocEnumFmt = Iowr(2, sizeof(V4l2FmtDesc));
    public static readonly uint VidiocGFmt = Iowr(4, sizeof(V4l2Format));
    public static readonly uint VidiocSFmt = Iowr(5, sizeof(V4l2Format));
    public static readonly uint VidiocReqBufs = Iowr(8, sizeof(V4l2RequestBuffers));
    public static readonly uint VidiocQueryBuf = Iowr(9, sizeof(V4l2Buffer));
    public static readonly uint VidiocQBuf = Iowr(15, sizeof(V4l2Buffer));
    public static readonly uint VidiocDQBuf = Iowr(17, sizeof(V4l2Buffer));
    public static readonly uint VidiocStreamOn = Iow(18, sizeof(int));
    public static readonly uint VidiocStreamOff = Iow(19, sizeof(int));
    public static readonly uint VidiocGParm = Iowr(21, sizeof(V4l2StreamParm));
    public static readonly uint VidiocSParm = Iowr(22, sizeof(V4l2StreamParm));
    public static readonly uint VidiocGCtrl = Iowr(27, sizeof(V4l2Control));
    public static readonly uint VidiocSCtrl = Iowr(28, sizeof(V4l2Control));
    public static readonly uint VidiocQueryCtrl = Iowr(36, sizeof(V4l2QueryCtrl));
    public static readonly uint VidiocQueryMenu = Iowr(37, sizeof(V4l2QueryMenu));
    public static readonly uint VidiocEnumFrameSizes = Iowr(74, sizeof(V4l2FrmSizeEnum));
    public static readonly uint VidiocEnumFrameIntervals = Iowr(75, sizeof(V4l2FrmIvalEnum));

    public static uint FourCc(string code) =>
        code.Length == 4
            ? (uint)code[0] | ((uint)code[1] << 8) | ((uint)code[2] << 16) | ((uint)code[3] << 24)
            : throw new ArgumentException("a fourcc has four characters", nameof(code));

    public static string FourCcText(uint code) =>
        string.Create(4, code, static (span, c) =>
        {
            for (var i = 0; i < 4; i++)
            {
                var ch = (char)((c >> (8 * i)) & 0xff);
                span[i] = ch is >= ' ' and <= '~' ? ch : '?';
            }
        }).TrimEnd();

    // asm-generic/ioctl.h: nr bits 0-7, type bits 8-15, size bits 16-29, direction bits 30-31 (1 write, 2 read).
    private static uint Ioc(uint direction, uint nr, int size) => (direction << 30) | ((uint)size << 16) | ((uint)'V' << 8) | nr;

    private static uint Ior(uint nr, int size) => Ioc(2, nr, size);

    private static uint Iow(uint nr, int size) => Ioc(1, nr, size);

    private static uint Iowr(uint nr, int size) => Ioc(3, nr, size);
}

/// <summary>errno values and flags from the Linux UAPI (identical on x86-64 and arm64; checked by the ABI test).</summary>
internal static class Errno
{
    public const int ENOENT = 2, EINTR = 4, EIO = 5, ENXIO = 6, EAGAIN = 11, EACCES = 13, EBUSY = 16, ENODEV = 19;
    public const int EINVAL = 22, ENOTTY = 25, EPIPE = 32;

    public static string Name(int errno) => errno switch
    {
        ENOENT => "ENOENT",
        EINTR => "EINTR",
        EIO => "EIO",
        ENXIO => "ENXIO",
        EAGAIN => "EAGAIN",
        EACCES => "EACCES",
        EBUSY => "EBUSY",
        ENODEV => "ENODEV",
        EINVAL => "EINVAL",
        ENOTTY => "ENOTTY",
        EPIPE => "EPIPE",
        _ => $"errno {errno}",
    };

    /// <summary>The device node went away (unplugged): the kernel answers ENODEV, sometimes ENXIO or EIO.</summary>
    public static bool IsDeviceGone(int errno) => errno is ENODEV or ENXIO or ENOENT;
}

internal static class LinuxFlags
{
    public const int ORdWr = 2, ONonBlock = 0x800, OCloExec = 0x80000;
    public const int ProtRead = 1, ProtWrite = 2, MapShared = 1;
    public const short PollIn = 0x1, PollPri = 0x2, PollErr = 0x8, PollHup = 0x10, PollNval = 0x20;
    public const int EfdCloExec = 0x80000, EfdNonBlock = 0x800;
}
