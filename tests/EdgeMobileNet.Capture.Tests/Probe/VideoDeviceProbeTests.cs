using EdgeMobileNet.Capture.Probe;
using EdgeMobileNet.Capture.V4l2;
using Xunit;

namespace EdgeMobileNet.Capture.Tests.Probe;

public sealed class VideoDeviceProbeTests
{
    [Fact]
    public void ListsDriverFormatsSizesRatesAndControlsOfEachDevice()
    {
        using var device = new SimulatedV4l2Device(new SimulatedCamera(), TimeProvider.System);
        var reports = VideoDeviceProbe.Enumerate(device, linkRoot: "/nonexistent");
        var d = Assert.Single(reports);
        Assert.Equal(("/dev/video0", "uvcvideo", "Simulated UVC Camera"), (d.Device, d.Driver, d.Card));
        Assert.Equal(["video-capture", "streaming"], d.Capabilities);
        Assert.Equal(["YUYV", "MJPG"], d.Formats.Select(f => f.FourCc));
        Assert.True(d.Formats[1].Compressed);
        Assert.Equal(["640x480", "320x240"], d.Formats[0].Sizes.Select(s => s.Size));
        Assert.Equal(["30", "15"], d.Formats[0].Sizes[0].FrameRates);
        var gain = d.Controls.Single(c => c.Name == "Gain");
        Assert.Equal((0, 255, 1, 32, (int?)32, "Source:Controls:Gain"), (gain.Minimum, gain.Maximum, gain.Step, gain.Default, gain.Value, gain.Option));
        var exposure = d.Controls.Single(c => c.Name == "Auto Exposure");
        Assert.Equal(["0: Auto Mode", "1: Manual Mode", "2: Shutter Priority Mode", "3: Aperture Priority Mode"], exposure.Menu);
        Assert.Contains("inactive", d.Controls.Single(c => c.Name == "Exposure Time, Absolute").Flags);
        Assert.Equal(8, d.Controls.Count);

        var text = VideoDeviceProbe.ToText(reports, "  ");
        Assert.Contains("/dev/video0  uvcvideo \"Simulated UVC Camera\" (usb-0000:00:14.0-1) video-capture streaming", text, StringComparison.Ordinal);
        Assert.Contains("    YUYV YUYV 4:2:2: 640x480 @ 30 15 fps; 320x240 @ 30 fps", text, StringComparison.Ordinal);
        Assert.Contains("    ctrl Gain (int 0..255, default 32, now 32) <- Source:Controls:Gain", text, StringComparison.Ordinal);
        Assert.Equal(0, device.OpenDescriptors);
    }

    [Fact]
    public void StableByIdAndByPathLinksAreListedWithTheirNode()
    {
        var root = EdgeMobileNet.Tests.Common.TestAssets.NewTempDir();
        Directory.CreateDirectory(Path.Combine(root, "by-id"));
        Directory.CreateDirectory(Path.Combine(root, "by-path"));
        File.CreateSymbolicLink(Path.Combine(root, "by-id", "usb-Simulated_UVC_Camera-video-index0"), "/dev/video0");
        File.CreateSymbolicLink(Path.Combine(root, "by-path", "pci-0000:00:14.0-usb-0:1:1.0-video-index0"), "/dev/video0");
        File.CreateSymbolicLink(Path.Combine(root, "by-id", "usb-Other_Camera-video-index0"), "/dev/video4");
        using var device = new SimulatedV4l2Device(new SimulatedCamera(), TimeProvider.System);

        var d = Assert.Single(VideoDeviceProbe.Enumerate(device, root));
        Assert.Equal(
            [Path.Combine(root, "by-id", "usb-Simulated_UVC_Camera-video-index0"), Path.Combine(root, "by-path", "pci-0000:00:14.0-usb-0:1:1.0-video-index0")],
            d.Links);
        Assert.Contains($"  link {Path.Combine(root, "by-id", "usb-Simulated_UVC_Camera-video-index0")}", VideoDeviceProbe.ToText([d], ""), StringComparison.Ordinal);
    }

    [Fact]
    public void AnUnpluggedDeviceListsNothingAndAFailingNodeIsListedWithItsReason()
    {
        using var device = new SimulatedV4l2Device(new SimulatedCamera(), TimeProvider.System);
        device.Unplug();
        Assert.Empty(VideoDeviceProbe.Enumerate(device, "/nonexistent"));
        Assert.Equal("none", VideoDeviceProbe.ToText([], "  "));

        // The real libc seam on a node that exists but is no camera.
        var report = VideoDeviceProbe.Describe(LibcV4l2Device.Instance, "/dev/null", []);
        Assert.Equal("Source:Device: /dev/null is not a V4L2 device", report.Error);
    }
}
