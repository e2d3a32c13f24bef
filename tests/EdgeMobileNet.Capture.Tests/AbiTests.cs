using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using EdgeMobileNet.Capture.V4l2;
using EdgeMobileNet.Tests.Common;
using Xunit;

namespace EdgeMobileNet.Capture.Tests;

/// <summary>
/// The managed V4L2 structures, request numbers and constants against the kernel's own headers: abi/v4l2_abi.c is
/// compiled against linux-libc-dev (x86-64) and, with the cross compiler, against linux-libc-dev-arm64-cross
/// (arm64, run under qemu-user), and every value it prints must equal the managed one.
/// </summary>
[Trait("arm", "true")]
public sealed class AbiTests
{
    private static readonly string Arch = RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();

    [Fact]
    public void ManagedDefinitionsMatchTheHostCompilersHeaders()
    {
        var facts = CompileAndRun("gcc", "host", runner: null);
        Compare(facts, $"host headers, managed layout on {Arch}");
    }

    [Fact]
    public void ManagedDefinitionsMatchTheArm64Headers()
    {
        var (compiler, runner) = Arm64Toolchain();
        var facts = CompileAndRun(compiler, "aarch64", runner);
        Assert.Equal("64", facts["arch.pointer_bits"]);
        Compare(facts, $"arm64 headers, managed layout on {Arch}");
        TestContext.Current.TestOutputHelper?.WriteLine($"{facts.Count} values of the arm64 headers equal the managed definitions as laid out on {Arch}");
    }

    [Fact]
    public void Arm64AndX64HeadersAgreeOnEveryValue()
    {
        // The managed structures have one layout; that is only right if both LP64 ABIs agree, which this shows.
        if (RuntimeInformation.OSArchitecture == Architecture.Arm64 && FindOnPath("aarch64-linux-gnu-gcc") is null)
        {
            Assert.Skip("comparing with the x86-64 headers needs an x86-64 host with the arm64 cross compiler");
        }

        var x64 = CompileAndRun("gcc", "host", runner: null);
        var (compiler, runner) = Arm64Toolchain();
        var arm64 = CompileAndRun(compiler, "aarch64", runner);
        Assert.Equal(x64.Count, arm64.Count);
        foreach (var (key, value) in x64)
        {
            Assert.True(arm64.TryGetValue(key, out var other) && other == value, $"{key}: x86-64 {value}, arm64 {other ?? "missing"}");
        }
    }

    // On an x86-64 host: the cross compiler, run under qemu. On an arm64 machine without one (a Pi): the native gcc.
    private static (string Compiler, string? Runner) Arm64Toolchain() =>
        RuntimeInformation.OSArchitecture == Architecture.Arm64 && FindOnPath("aarch64-linux-gnu-gcc") is null
            ? ("gcc", null)
            : ("aarch64-linux-gnu-gcc", "qemu-aarch64-static");

    [Fact]
    public void ComparisonNoticesAWrongValue()
    {
        var facts = new Dictionary<string, string>(ManagedAbi.Facts()) { ["sizeof.v4l2_buffer"] = "80" };
        var e = Assert.ThrowsAny<Exception>(() => Compare(facts, "altered"));
        Assert.Contains("sizeof.v4l2_buffer", e.Message, StringComparison.Ordinal);
    }

    private static void Compare(IReadOnlyDictionary<string, string> header, string label)
    {
        var managed = ManagedAbi.Facts();
        var mismatches = new List<string>();
        foreach (var (key, value) in header)
        {
            if (key == "arch.pointer_bits")
            {
                continue;
            }

            if (!managed.TryGetValue(key, out var mine))
            {
                mismatches.Add($"{key}: headers {value}, no managed definition");
            }
            else if (mine != value)
            {
                mismatches.Add($"{key}: headers {value}, managed {mine}");
            }
        }

        foreach (var key in managed.Keys.Where(k => !header.ContainsKey(k)))
        {
            mismatches.Add($"{key}: managed value not checked against the headers");
        }

        Assert.True(mismatches.Count == 0, $"{label}: {string.Join("; ", mismatches)}");
        Assert.True(header.Count > 150, $"{label}: only {header.Count} values printed");
    }

    private static Dictionary<string, string> CompileAndRun(string compiler, string arch, string? runner)
    {
        var tools = runner is null ? [compiler] : new[] { compiler, runner };
        foreach (var tool in tools)
        {
            if (FindOnPath(tool) is null)
            {
                var message = $"{tool} not found (Debian: gcc, gcc-aarch64-linux-gnu, libc6-dev-arm64-cross, linux-libc-dev, linux-libc-dev-arm64-cross, qemu-user-static)";
                if (TestAssets.IsCi)
                {
                    Assert.Fail(message);
                }

                Assert.Skip(message);
            }
        }

        var source = Path.Combine(AppContext.BaseDirectory, "abi", "v4l2_abi.c");
        var dir = TestAssets.NewTempDir();
        var exe = Path.Combine(dir, $"v4l2_abi_{arch}");
        // Static for arm64 so qemu needs no library path; the headers are the target's own (the cross compiler's sysroot).
        var (rc, _, err) = Run(compiler, ["-std=c11", "-D_GNU_SOURCE", "-Wall", "-Werror", .. runner is null ? Array.Empty<string>() : ["-static"], "-o", exe, source]);
        Assert.True(rc == 0, $"{compiler} failed ({rc}): {err}");
        var (code, stdout, stderr) = runner is null ? Run(exe, []) : Run(runner, [exe]);
        Assert.True(code == 0, $"{exe} exited {code}: {stderr}");
        var facts = new Dictionary<string, string>();
        foreach (var line in stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split(' ');
            Assert.Equal(2, parts.Length);
            facts.Add(parts[0], parts[1]);
        }

        return facts;
    }

    private static (int Code, string Stdout, string Stderr) Run(string file, string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var p = Process.Start(start)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(120_000), $"{file} did not finish in 120 s");
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    private static string? FindOnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, tool)).FirstOrDefault(File.Exists);
}

/// <summary>The managed side of the comparison, measured from the structures as the runtime lays them out.</summary>
internal static unsafe class ManagedAbi
{
    public static Dictionary<string, string> Facts()
    {
        var f = new Dictionary<string, string>();
        void Size<T>(string name) where T : unmanaged => f[$"sizeof.{name}"] = sizeof(T).ToString(CultureInfo.InvariantCulture);
        void Off(string key, void* field, void* start) => f[$"offsetof.{key}"] = ((byte*)field - (byte*)start).ToString(CultureInfo.InvariantCulture);
        void Req(string name, uint value) => f[$"ioctl.{name}"] = value.ToString(CultureInfo.InvariantCulture);
        void Val(string name, long value) => f[$"const.{name}"] = value.ToString(CultureInfo.InvariantCulture);

        V4l2Capability cap;
        Size<V4l2Capability>("v4l2_capability");
        Off("v4l2_capability.driver", cap.Driver, &cap);
        Off("v4l2_capability.card", cap.Card, &cap);
        Off("v4l2_capability.bus_info", cap.BusInfo, &cap);
        Off("v4l2_capability.version", &cap.Version, &cap);
        Off("v4l2_capability.capabilities", &cap.Capabilities, &cap);
        Off("v4l2_capability.device_caps", &cap.DeviceCaps, &cap);

        V4l2PixFormat pix;
        Size<V4l2PixFormat>("v4l2_pix_format");
        Off("v4l2_pix_format.width", &pix.Width, &pix);
        Off("v4l2_pix_format.height", &pix.Height, &pix);
        Off("v4l2_pix_format.pixelformat", &pix.PixelFormat, &pix);
        Off("v4l2_pix_format.field", &pix.Field, &pix);
        Off("v4l2_pix_format.bytesperline", &pix.BytesPerLine, &pix);
        Off("v4l2_pix_format.sizeimage", &pix.SizeImage, &pix);
        Off("v4l2_pix_format.flags", &pix.Flags, &pix);
        Off("v4l2_pix_format.xfer_func", &pix.XferFunc, &pix);

        V4l2PlanePixFormat ppf;
        Size<V4l2PlanePixFormat>("v4l2_plane_pix_format");
        Off("v4l2_plane_pix_format.sizeimage", &ppf.SizeImage, &ppf);
        Off("v4l2_plane_pix_format.bytesperline", &ppf.BytesPerLine, &ppf);

        V4l2PixFormatMplane mp;
        Size<V4l2PixFormatMplane>("v4l2_pix_format_mplane");
        Off("v4l2_pix_format_mplane.width", &mp.Width, &mp);
        Off("v4l2_pix_format_mplane.pixelformat", &mp.PixelFormat, &mp);
        Off("v4l2_pix_format_mplane.colorspace", &mp.Colorspace, &mp);
        Off("v4l2_pix_format_mplane.plane_fmt", &mp.PlaneFmt, &mp);
        Off("v4l2_pix_format_mplane.num_planes", &mp.NumPlanes, &mp);
        Off("v4l2_pix_format_mplane.xfer_func", &mp.XferFunc, &mp);

        V4l2Format fmt;
        Size<V4l2Format>("v4l2_format");
        Off("v4l2_format.type", &fmt.Type, &fmt);
        Off("v4l2_format.fmt", &fmt.Pix, &fmt);

        V4l2RequestBuffers rb;
        Size<V4l2RequestBuffers>("v4l2_requestbuffers");
        Off("v4l2_requestbuffers.count", &rb.Count, &rb);
        Off("v4l2_requestbuffers.type", &rb.Type, &rb);
        Off("v4l2_requestbuffers.memory", &rb.Memory, &rb);
        Off("v4l2_requestbuffers.capabilities", &rb.Capabilities, &rb);
        Off("v4l2_requestbuffers.flags", &rb.Flags, &rb);

        V4l2Buffer b;
        Size<V4l2Buffer>("v4l2_buffer");
        Off("v4l2_buffer.index", &b.Index, &b);
        Off("v4l2_buffer.type", &b.Type, &b);
        Off("v4l2_buffer.bytesused", &b.BytesUsed, &b);
        Off("v4l2_buffer.flags", &b.Flags, &b);
        Off("v4l2_buffer.field", &b.Field, &b);
        Off("v4l2_buffer.timestamp", &b.Timestamp, &b);
        Off("v4l2_buffer.timecode", &b.Timecode, &b);
        Off("v4l2_buffer.sequence", &b.Sequence, &b);
        Off("v4l2_buffer.memory", &b.Memory, &b);
        Off("v4l2_buffer.m", &b.M, &b);
        Off("v4l2_buffer.length", &b.Length, &b);
        Off("v4l2_buffer.request_fd", &b.RequestFd, &b);
        TimeVal tv;
        Size<TimeVal>("timeval");
        Off("timeval.tv_usec", &tv.Microseconds, &tv);

        V4l2Plane pl;
        Size<V4l2Plane>("v4l2_plane");
        Off("v4l2_plane.bytesused", &pl.BytesUsed, &pl);
        Off("v4l2_plane.length", &pl.Length, &pl);
        Off("v4l2_plane.m", &pl.M, &pl);
        Off("v4l2_plane.data_offset", &pl.DataOffset, &pl);

        V4l2FmtDesc fd;
        Size<V4l2FmtDesc>("v4l2_fmtdesc");
        Off("v4l2_fmtdesc.index", &fd.Index, &fd);
        Off("v4l2_fmtdesc.type", &fd.Type, &fd);
        Off("v4l2_fmtdesc.flags", &fd.Flags, &fd);
        Off("v4l2_fmtdesc.description", fd.Description, &fd);
        Off("v4l2_fmtdesc.pixelformat", &fd.PixelFormat, &fd);

        V4l2FrmSizeEnum fs;
        Size<V4l2FrmSizeEnum>("v4l2_frmsizeenum");
        Off("v4l2_frmsizeenum.index", &fs.Index, &fs);
        Off("v4l2_frmsizeenum.pixel_format", &fs.PixelFormat, &fs);
        Off("v4l2_frmsizeenum.type", &fs.Type, &fs);
        Off("v4l2_frmsizeenum.discrete", &fs.Width, &fs);
        Off("v4l2_frmsizeenum.stepwise", &fs.Width, &fs);
        Off("v4l2_frmsizeenum.stepwise.step_height", &fs.StepHeight, &fs);

        V4l2FrmIvalEnum fi;
        Size<V4l2FrmIvalEnum>("v4l2_frmivalenum");
        Off("v4l2_frmivalenum.index", &fi.Index, &fi);
        Off("v4l2_frmivalenum.pixel_format", &fi.PixelFormat, &fi);
        Off("v4l2_frmivalenum.width", &fi.Width, &fi);
        Off("v4l2_frmivalenum.height", &fi.Height, &fi);
        Off("v4l2_frmivalenum.type", &fi.Type, &fi);
        Off("v4l2_frmivalenum.discrete", &fi.Min, &fi);
        Off("v4l2_frmivalenum.stepwise.step", &fi.Step, &fi);

        V4l2StreamParm sp;
        Size<V4l2StreamParm>("v4l2_streamparm");
        Off("v4l2_streamparm.type", &sp.Type, &sp);
        Off("v4l2_streamparm.parm.capture.capability", &sp.Capability, &sp);
        Off("v4l2_streamparm.parm.capture.timeperframe", &sp.TimePerFrame, &sp);

        V4l2QueryCtrl qc;
        Size<V4l2QueryCtrl>("v4l2_queryctrl");
        Off("v4l2_queryctrl.id", &qc.Id, &qc);
        Off("v4l2_queryctrl.type", &qc.Type, &qc);
        Off("v4l2_queryctrl.name", qc.Name, &qc);
        Off("v4l2_queryctrl.minimum", &qc.Minimum, &qc);
        Off("v4l2_queryctrl.maximum", &qc.Maximum, &qc);
        Off("v4l2_queryctrl.step", &qc.Step, &qc);
        Off("v4l2_queryctrl.default_value", &qc.DefaultValue, &qc);
        Off("v4l2_queryctrl.flags", &qc.Flags, &qc);

        V4l2Control c;
        Size<V4l2Control>("v4l2_control");
        Off("v4l2_control.value", &c.Value, &c);

        V4l2QueryMenu qm;
        Size<V4l2QueryMenu>("v4l2_querymenu");
        Off("v4l2_querymenu.name", qm.Name, &qm);
        Off("v4l2_querymenu.value", qm.Name, &qm);
        Off("v4l2_querymenu.reserved", &qm.Reserved, &qm);

        PollFd pf;
        Size<PollFd>("pollfd");
        Off("pollfd.events", &pf.Events, &pf);
        Off("pollfd.revents", &pf.Revents, &pf);

        Req("VIDIOC_QUERYCAP", Uapi.VidiocQueryCap);
        Req("VIDIOC_ENUM_FMT", Uapi.VidiocEnumFmt);
        Req("VIDIOC_G_FMT", Uapi.VidiocGFmt);
        Req("VIDIOC_S_FMT", Uapi.VidiocSFmt);
        Req("VIDIOC_REQBUFS", Uapi.VidiocReqBufs);
        Req("VIDIOC_QUERYBUF", Uapi.VidiocQueryBuf);
        Req("VIDIOC_QBUF", Uapi.VidiocQBuf);
        Req("VIDIOC_DQBUF", Uapi.VidiocDQBuf);
        Req("VIDIOC_STREAMON", Uapi.VidiocStreamOn);
        Req("VIDIOC_STREAMOFF", Uapi.VidiocStreamOff);
        Req("VIDIOC_G_PARM", Uapi.VidiocGParm);
        Req("VIDIOC_S_PARM", Uapi.VidiocSParm);
        Req("VIDIOC_G_CTRL", Uapi.VidiocGCtrl);
        Req("VIDIOC_S_CTRL", Uapi.VidiocSCtrl);
        Req("VIDIOC_QUERYCTRL", Uapi.VidiocQueryCtrl);
        Req("VIDIOC_QUERYMENU", Uapi.VidiocQueryMenu);
        Req("VIDIOC_ENUM_FRAMESIZES", Uapi.VidiocEnumFrameSizes);
        Req("VIDIOC_ENUM_FRAMEINTERVALS", Uapi.VidiocEnumFrameIntervals);

        Val("VIDEO_MAX_PLANES", Uapi.MaxPlanes);
        Val("V4L2_BUF_TYPE_VIDEO_CAPTURE", Uapi.BufTypeVideoCapture);
        Val("V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE", Uapi.BufTypeVideoCaptureMplane);
        Val("V4L2_MEMORY_MMAP", Uapi.MemoryMmap);
        Val("V4L2_FIELD_NONE", Uapi.FieldNone);
        Val("V4L2_CAP_VIDEO_CAPTURE", Uapi.CapVideoCapture);
        Val("V4L2_CAP_VIDEO_CAPTURE_MPLANE", Uapi.CapVideoCaptureMplane);
        Val("V4L2_CAP_VIDEO_OUTPUT", Uapi.CapVideoOutput);
        Val("V4L2_CAP_VIDEO_M2M", Uapi.CapVideoM2m);
        Val("V4L2_CAP_META_CAPTURE", Uapi.CapMetaCapture);
        Val("V4L2_CAP_READWRITE", Uapi.CapReadWrite);
        Val("V4L2_CAP_STREAMING", Uapi.CapStreaming);
        Val("V4L2_CAP_DEVICE_CAPS", Uapi.CapDeviceCaps);
        Val("V4L2_CAP_TIMEPERFRAME", Uapi.CapTimePerFrame);
        Val("V4L2_BUF_FLAG_ERROR", Uapi.BufFlagError);
        Val("V4L2_BUF_FLAG_TIMESTAMP_MASK", Uapi.BufFlagTimestampMask);
        Val("V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC", Uapi.BufFlagTimestampMonotonic);
        Val("V4L2_FMT_FLAG_COMPRESSED", Uapi.FmtFlagCompressed);
        Val("V4L2_FRMSIZE_TYPE_DISCRETE", Uapi.FrmSizeDiscrete);
        Val("V4L2_FRMSIZE_TYPE_CONTINUOUS", Uapi.FrmSizeContinuous);
        Val("V4L2_FRMSIZE_TYPE_STEPWISE", Uapi.FrmSizeStepwise);
        Val("V4L2_FRMIVAL_TYPE_DISCRETE", Uapi.FrmIvalDiscrete);
        Val("V4L2_FRMIVAL_TYPE_CONTINUOUS", Uapi.FrmIvalContinuous);
        Val("V4L2_FRMIVAL_TYPE_STEPWISE", Uapi.FrmIvalStepwise);
        Val("V4L2_PIX_FMT_YUYV", Uapi.PixYuyv);
        Val("V4L2_PIX_FMT_MJPEG", Uapi.PixMjpeg);
        Val("V4L2_PIX_FMT_JPEG", Uapi.PixJpeg);
        Val("V4L2_PIX_FMT_NV12", Uapi.PixNv12);
        Val("V4L2_PIX_FMT_GREY", Uapi.PixGrey);
        Val("V4L2_PIX_FMT_YUV420", Uapi.PixYuv420);
        Val("V4L2_CID_AUTO_WHITE_BALANCE", Uapi.CidAutoWhiteBalance);
        Val("V4L2_CID_GAIN", Uapi.CidGain);
        Val("V4L2_CID_POWER_LINE_FREQUENCY", Uapi.CidPowerLineFrequency);
        Val("V4L2_CID_WHITE_BALANCE_TEMPERATURE", Uapi.CidWhiteBalanceTemperature);
        Val("V4L2_CID_EXPOSURE_AUTO", Uapi.CidExposureAuto);
        Val("V4L2_CID_EXPOSURE_ABSOLUTE", Uapi.CidExposureAbsolute);
        Val("V4L2_CID_FOCUS_ABSOLUTE", Uapi.CidFocusAbsolute);
        Val("V4L2_CID_FOCUS_AUTO", Uapi.CidFocusAuto);
        Val("V4L2_CTRL_FLAG_DISABLED", Uapi.CtrlFlagDisabled);
        Val("V4L2_CTRL_FLAG_READ_ONLY", Uapi.CtrlFlagReadOnly);
        Val("V4L2_CTRL_FLAG_INACTIVE", Uapi.CtrlFlagInactive);
        Val("V4L2_CTRL_FLAG_NEXT_CTRL", Uapi.CtrlFlagNextCtrl);
        Val("V4L2_CTRL_TYPE_INTEGER", Uapi.CtrlTypeInteger);
        Val("V4L2_CTRL_TYPE_BOOLEAN", Uapi.CtrlTypeBoolean);
        Val("V4L2_CTRL_TYPE_MENU", Uapi.CtrlTypeMenu);
        Val("V4L2_CTRL_TYPE_BUTTON", Uapi.CtrlTypeButton);
        Val("V4L2_CTRL_TYPE_INTEGER64", Uapi.CtrlTypeInteger64);
        Val("V4L2_CTRL_TYPE_CTRL_CLASS", Uapi.CtrlTypeCtrlClass);
        Val("V4L2_CTRL_TYPE_INTEGER_MENU", Uapi.CtrlTypeIntegerMenu);
        Val("V4L2_EXPOSURE_AUTO", Uapi.ExposureAuto);
        Val("V4L2_EXPOSURE_MANUAL", Uapi.ExposureManual);
        Val("V4L2_EXPOSURE_SHUTTER_PRIORITY", Uapi.ExposureShutterPriority);
        Val("V4L2_EXPOSURE_APERTURE_PRIORITY", Uapi.ExposureAperturePriority);
        Val("ENOENT", Errno.ENOENT);
        Val("EINTR", Errno.EINTR);
        Val("EIO", Errno.EIO);
        Val("ENXIO", Errno.ENXIO);
        Val("EAGAIN", Errno.EAGAIN);
        Val("EACCES", Errno.EACCES);
        Val("EBUSY", Errno.EBUSY);
        Val("ENODEV", Errno.ENODEV);
        Val("EINVAL", Errno.EINVAL);
        Val("ENOTTY", Errno.ENOTTY);
        Val("EPIPE", Errno.EPIPE);
        Val("O_RDWR", LinuxFlags.ORdWr);
        Val("O_NONBLOCK", LinuxFlags.ONonBlock);
        Val("O_CLOEXEC", LinuxFlags.OCloExec);
        Val("PROT_READ", LinuxFlags.ProtRead);
        Val("PROT_WRITE", LinuxFlags.ProtWrite);
        Val("MAP_SHARED", LinuxFlags.MapShared);
        Val("POLLIN", LinuxFlags.PollIn);
        Val("POLLPRI", LinuxFlags.PollPri);
        Val("POLLERR", LinuxFlags.PollErr);
        Val("POLLHUP", LinuxFlags.PollHup);
        Val("POLLNVAL", LinuxFlags.PollNval);
        Val("EFD_CLOEXEC", LinuxFlags.EfdCloExec);
        Val("EFD_NONBLOCK", LinuxFlags.EfdNonBlock);
        return f;
    }
}
