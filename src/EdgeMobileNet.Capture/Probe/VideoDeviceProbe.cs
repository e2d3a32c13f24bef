using System.Globalization;
using System.Text;
using EdgeMobileNet.Capture.V4l2;

namespace EdgeMobileNet.Capture.Probe;

/// <summary>One video device node as `probe` reports it.</summary>
public sealed record VideoDeviceReport(
    string Device,
    IReadOnlyList<string> Links,
    string? Driver,
    string? Card,
    string? BusInfo,
    IReadOnlyList<string> Capabilities,
    bool Capture,
    IReadOnlyList<VideoFormatReport> Formats,
    IReadOnlyList<VideoControlReport> Controls,
    string? Error);

/// <summary>A pixel format with its frame sizes.</summary>
public sealed record VideoFormatReport(string FourCc, string Description, bool Compressed, IReadOnlyList<VideoSizeReport> Sizes);

/// <summary>A frame size ("640x480", or a stepwise range) and its frame rates ("30", "15", or a range).</summary>
public sealed record VideoSizeReport(string Size, IReadOnlyList<string> FrameRates);

/// <summary>A control with its range, default, current value and menu, and the configuration key that sets it.</summary>
public sealed record VideoControlReport(
    string Name, string Id, string Type, int Minimum, int Maximum, int Step, int Default, int? Value,
    IReadOnlyList<string> Menu, IReadOnlyList<string> Flags, string? Option);

/// <summary>
/// Enumerates video devices through the same <see cref="IV4l2Device"/> seam the capture uses: capabilities, formats,
/// frame sizes and intervals, controls with ranges and menus. A node that cannot be opened or queried is listed with
/// the reason instead of failing the whole probe.
/// </summary>
internal static class VideoDeviceProbe
{
    public static IReadOnlyList<VideoDeviceReport> Enumerate(IV4l2Device device, string linkRoot = "/dev/v4l")
    {
        var links = StableLinks(linkRoot);
        return device.ListDevices().Select(path => Describe(device, path, links.GetValueOrDefault(path) ?? [])).ToList();
    }

    public static VideoDeviceReport Describe(IV4l2Device device, string path, IReadOnlyList<string> links)
    {
        V4l2Camera camera;
        try
        {
            camera = V4l2Camera.Open(device, path);
        }
        catch (CameraException e)
        {
            return new VideoDeviceReport(path, links, null, null, null, [], false, [], [], e.Message);
        }

        using (camera)
        {
            try
            {
                var cap = camera.QueryCapability();
                var caps = cap.NodeCapabilities;
                var type = (caps & Uapi.CapVideoCapture) != 0 ? Uapi.BufTypeVideoCapture
                    : (caps & Uapi.CapVideoCaptureMplane) != 0 ? Uapi.BufTypeVideoCaptureMplane
                    : 0u;
                var formats = type == 0 ? [] : camera.Formats(type).Select(f => DescribeFormat(camera, f)).ToList();
                var controls = camera.Controls().Select(q => DescribeControl(camera, q)).ToList();
                return new VideoDeviceReport(path, links, cap.DriverName, cap.CardName, cap.Bus, CapabilityNames(caps), type != 0, formats, controls, null);
            }
            catch (CameraException e)
            {
                return new VideoDeviceReport(path, links, null, null, null, [], false, [], [], e.Message);
            }
        }
    }

    private static VideoFormatReport DescribeFormat(V4l2Camera camera, V4l2FmtDesc f)
    {
        var sizes = new List<VideoSizeReport>();
        foreach (var s in camera.FrameSizes(f.PixelFormat))
        {
            if (s.Type == Uapi.FrmSizeDiscrete)
            {
                sizes.Add(new VideoSizeReport($"{s.Width}x{s.Height}", Rates(camera, f.PixelFormat, s.Width, s.Height)));
            }
            else
            {
                // Stepwise: Width/Height hold min_width/max_width, then step_width, min/max/step height.
                var text = $"{s.Width}x{s.MinHeight}..{s.Height}x{s.MaxHeight} step {s.StepWidth}x{s.StepHeight}";
                sizes.Add(new VideoSizeReport(text, Rates(camera, f.PixelFormat, s.Height, s.MaxHeight)));
            }
        }

        return new VideoFormatReport(Uapi.FourCcText(f.PixelFormat), f.DescriptionText, (f.Flags & Uapi.FmtFlagCompressed) != 0, sizes);
    }

    private static List<string> Rates(V4l2Camera camera, uint fourCc, uint width, uint height)
    {
        var list = new List<string>();
        foreach (var i in camera.FrameIntervals(fourCc, width, height))
        {
            if (i.Type == Uapi.FrmIvalDiscrete)
            {
                list.Add(Fps(i.Min));
            }
            else
            {
                list.Add($"{Fps(i.Max)}..{Fps(i.Min)}"); // the longest interval is the lowest rate
            }
        }

        return list;
    }

    private static string Fps(V4l2Fract f) =>
        f.Numerator == 0 ? "?" : Math.Round((double)f.Denominator / f.Numerator, 2).ToString(CultureInfo.InvariantCulture);

    private static VideoControlReport DescribeControl(V4l2Camera camera, V4l2QueryCtrl q)
    {
        var type = q.Type switch
        {
            Uapi.CtrlTypeInteger => "int",
            Uapi.CtrlTypeBoolean => "bool",
            Uapi.CtrlTypeMenu => "menu",
            Uapi.CtrlTypeIntegerMenu => "intmenu",
            Uapi.CtrlTypeButton => "button",
            Uapi.CtrlTypeInteger64 => "int64",
            _ => $"type{q.Type}",
        };
        var menu = camera.MenuItems(q).Select(m => $"{m.Index}: {m.Name}").ToList();
        var flags = new List<string>();
        if ((q.Flags & Uapi.CtrlFlagInactive) != 0)
        {
            flags.Add("inactive");
        }

        if ((q.Flags & Uapi.CtrlFlagReadOnly) != 0)
        {
            flags.Add("read-only");
        }

        int? value = q.Type is Uapi.CtrlTypeButton or Uapi.CtrlTypeInteger64 ? null : camera.GetControl(q.Id);
        return new VideoControlReport(q.NameText, $"0x{q.Id:x8}", type, q.Minimum, q.Maximum, q.Step, q.DefaultValue, value, menu, flags, OptionFor(q.Id));
    }

    private static string? OptionFor(uint id) => id switch
    {
        Uapi.CidExposureAuto or Uapi.CidExposureAbsolute => "Source:Controls:Exposure",
        Uapi.CidGain => "Source:Controls:Gain",
        Uapi.CidAutoWhiteBalance or Uapi.CidWhiteBalanceTemperature => "Source:Controls:WhiteBalance",
        Uapi.CidFocusAuto or Uapi.CidFocusAbsolute => "Source:Controls:Focus",
        Uapi.CidPowerLineFrequency => "Source:Controls:PowerLineFrequency",
        _ => null,
    };

    private static List<string> CapabilityNames(uint caps)
    {
        var names = new List<string>();
        void Add(uint bit, string name)
        {
            if ((caps & bit) != 0)
            {
                names.Add(name);
            }
        }

        Add(Uapi.CapVideoCapture, "video-capture");
        Add(Uapi.CapVideoCaptureMplane, "video-capture-mplane");
        Add(Uapi.CapVideoOutput, "video-output");
        Add(Uapi.CapVideoM2m, "m2m");
        Add(Uapi.CapMetaCapture, "meta-capture");
        Add(Uapi.CapReadWrite, "read-write");
        Add(Uapi.CapStreaming, "streaming");
        return names;
    }

    // /dev/v4l/by-id and by-path links, keyed by the node they point at: stable names for Source:Device.
    private static Dictionary<string, List<string>> StableLinks(string root)
    {
        var map = new Dictionary<string, List<string>>();
        foreach (var sub in (string[])["by-id", "by-path"])
        {
            var dir = Path.Combine(root, sub);
            if (!Directory.Exists(dir))
            {
                continue;
            }

            try
            {
                foreach (var link in Directory.GetFiles(dir).Order(StringComparer.Ordinal))
                {
                    var target = new FileInfo(link).ResolveLinkTarget(returnFinalTarget: true)?.FullName;
                    if (target is not null)
                    {
                        (map.TryGetValue(target, out var l) ? l : map[target] = []).Add(link);
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Unreadable link folder: the plain node names still work.
            }
        }

        return map;
    }

    /// <summary>The human-readable listing `probe` prints (one block per device, indented under "video:").</summary>
    public static string ToText(IReadOnlyList<VideoDeviceReport> devices, string indent)
    {
        if (devices.Count == 0)
        {
            return "none";
        }

        var sb = new StringBuilder();
        var first = true;
        foreach (var d in devices)
        {
            if (!first)
            {
                sb.Append('\n').Append(indent);
            }

            first = false;
            if (d.Error is not null)
            {
                sb.Append(d.Device).Append(": ").Append(d.Error);
                continue;
            }

            sb.Append(CultureInfo.InvariantCulture, $"{d.Device}  {d.Driver} \"{d.Card}\" ({d.BusInfo}) {string.Join(' ', d.Capabilities)}");
            foreach (var link in d.Links)
            {
                sb.Append('\n').Append(indent).Append("  link ").Append(link);
            }

            if (!d.Capture)
            {
                sb.Append('\n').Append(indent).Append("  (not a video capture node)");
            }

            foreach (var f in d.Formats)
            {
                sb.Append('\n').Append(indent).Append(CultureInfo.InvariantCulture, $"  {f.FourCc,-4} {f.Description}{(f.Compressed ? " (compressed)" : "")}: ");
                sb.Append(string.Join("; ", f.Sizes.Select(s => s.FrameRates.Count == 0 ? s.Size : $"{s.Size} @ {string.Join(' ', s.FrameRates)} fps")));
            }

            foreach (var c in d.Controls)
            {
                var range = c.Type is "bool" ? "0/1" : $"{c.Minimum}..{c.Maximum}{(c.Step > 1 ? $" step {c.Step}" : "")}";
                sb.Append('\n').Append(indent).Append(CultureInfo.InvariantCulture, $"  ctrl {c.Name} ({c.Type} {range}, default {c.Default}, now {c.Value?.ToString(CultureInfo.InvariantCulture) ?? "?"})");
                if (c.Menu.Count > 0)
                {
                    sb.Append(" [").Append(string.Join(", ", c.Menu)).Append(']');
                }

                if (c.Flags.Count > 0)
                {
                    sb.Append(' ').Append(string.Join(' ', c.Flags));
                }

                if (c.Option is not null)
                {
                    sb.Append(" <- ").Append(c.Option);
                }
            }
        }

        return sb.ToString();
    }
}
