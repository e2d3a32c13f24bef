using EdgeMobileNet.Capture.V4l2;
using Xunit;

namespace EdgeMobileNet.Capture.Tests.V4l2;

/// <summary>Camera controls from configuration, applied to the simulated camera and checked against its ranges.</summary>
public sealed class CameraControlTests
{
    private static (SimulatedV4l2Device Device, V4l2Camera Camera) Open()
    {
        var device = new SimulatedV4l2Device(new SimulatedCamera(), TimeProvider.System);
        return (device, V4l2Camera.Open(device, SimulatedV4l2Device.DefaultPath));
    }

    [Fact]
    public void ManualSettingsSwitchTheAutomaticModeOffFirstThenSetTheValue()
    {
        var (device, camera) = Open();
        using var d = device;
        using var c = camera;
        var options = new CameraControlOptions { Exposure = "10000", Gain = "40", WhiteBalance = "5000", Focus = "120", PowerLineFrequency = "50" };
        CameraControlApplier.Apply(camera, options.Parse());

        Assert.Equal(
            [
                (Uapi.CidExposureAuto, Uapi.ExposureManual),
                (Uapi.CidExposureAbsolute, 100), // 10000 µs in 100 µs units
                (Uapi.CidGain, 40),
                (Uapi.CidAutoWhiteBalance, 0),
                (Uapi.CidWhiteBalanceTemperature, 5000),
                (Uapi.CidFocusAuto, 0),
                (Uapi.CidFocusAbsolute, 120),
                (Uapi.CidPowerLineFrequency, 1),
            ],
            device.ControlWrites);
    }

    [Fact]
    public void AutoExposureUsesTheModeTheCameraOffers()
    {
        var (device, camera) = Open();
        using var d = device;
        using var c = camera;
        CameraControlApplier.Apply(camera, new CameraControlOptions { Exposure = "10000" }.Parse());
        CameraControlApplier.Apply(camera, new CameraControlOptions { Exposure = "auto", Focus = "auto", WhiteBalance = "auto" }.Parse());
        Assert.Equal(Uapi.ExposureAperturePriority, device.ControlValue(Uapi.CidExposureAuto)); // UVC's "auto"
        Assert.Equal(1, device.ControlValue(Uapi.CidFocusAuto));
        Assert.Equal(1, device.ControlValue(Uapi.CidAutoWhiteBalance));
    }

    [Theory]
    [InlineData("Exposure", "500000", "Source:Controls:Exposure: 500000 µs is outside the range of exposure_time_absolute on /dev/video0: 3..2047 (300..204700 µs)")]
    [InlineData("Gain", "300", "Source:Controls:Gain: 300 is outside the range of gain on /dev/video0: 0..255")]
    [InlineData("WhiteBalance", "9000", "Source:Controls:WhiteBalance: 9000 K is outside the range of white_balance_temperature on /dev/video0: 2800..6500")]
    [InlineData("WhiteBalance", "5005", "Source:Controls:WhiteBalance: 5005 K is not a multiple of the step 10 of white_balance_temperature on /dev/video0 (from 2800)")]
    [InlineData("Focus", "abc", "Source:Controls:Focus: 'abc' is not a position or auto")]
    [InlineData("PowerLineFrequency", "auto", "Source:Controls:PowerLineFrequency: auto is outside the range of power_line_frequency on /dev/video0: 0..2")]
    [InlineData("PowerLineFrequency", "55", "Source:Controls:PowerLineFrequency: '55' is not off, 50, 60 or auto")]
    public void AValueTheDeviceCannotTakeIsOneLineNamingTheOptionControlAndRange(string option, string value, string expected)
    {
        var (device, camera) = Open();
        using var d = device;
        using var c = camera;
        var options = new CameraControlOptions();
        typeof(CameraControlOptions).GetProperty(option)!.SetValue(options, value);
        var e = Assert.ThrowsAny<CameraException>(() => CameraControlApplier.Apply(camera, options.Parse()));
        Assert.Equal(expected, e.Message);
    }

    [Fact]
    public void AControlTheCameraLacksIsNamed()
    {
        var camera = new SimulatedCamera { Controls = [new(Uapi.CidGain, "Gain", Uapi.CtrlTypeInteger, 0, 100, 1, 0)] };
        using var device = new SimulatedV4l2Device(camera, TimeProvider.System);
        using var cam = V4l2Camera.Open(device, SimulatedV4l2Device.DefaultPath);
        var e = Assert.Throws<CameraException>(() => CameraControlApplier.Apply(cam, new CameraControlOptions { Focus = "10" }.Parse()));
        Assert.Equal("Source:Controls:Focus: /dev/video0 has no focus_automatic_continuous control", e.Message);
    }
}
