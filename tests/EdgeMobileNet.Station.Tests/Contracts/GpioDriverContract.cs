using System.Device.Gpio;
using EdgeMobileNet.Station.Gpio;
using Xunit;

namespace EdgeMobileNet.Station.Tests.Contracts;

/// <summary>What the station needs from every GPIO driver behind <see cref="GpioController"/>: outputs opened at a
/// given level without a glitch, written and read back, closed and reopened.</summary>
public abstract class GpioDriverContract
{
    [Fact]
    public void An_output_opens_at_its_initial_level_and_reads_back_what_was_written()
    {
        using var controller = new GpioController(CreateDriver());
        var pin = Pin;
        controller.OpenPin(pin, PinMode.Output, PinValue.Low);
        Assert.Equal(PinValue.Low, controller.Read(pin));
        controller.Write(pin, PinValue.High);
        Assert.Equal(PinValue.High, controller.Read(pin));
        controller.Write(pin, PinValue.Low);
        Assert.Equal(PinValue.Low, controller.Read(pin));
        controller.ClosePin(pin);
        Assert.False(controller.IsPinOpen(pin));
        controller.OpenPin(pin, PinMode.Output, PinValue.Low);
        Assert.True(controller.IsPinOpen(pin));
    }

    [Fact]
    public void A_pin_out_of_range_is_refused()
    {
        using var controller = new GpioController(CreateDriver());
        Assert.ThrowsAny<Exception>(() => controller.OpenPin(10_000, PinMode.Output));
    }

    private protected abstract int Pin { get; }

    private protected abstract GpioDriver CreateDriver();
}

public sealed class SimulatedGpioDriverContract : GpioDriverContract
{
    private protected override int Pin => 17;

    private protected override GpioDriver CreateDriver() => new SimulatedGpioDriver(TimeProvider.System);
}

/// <summary>Real hardware: runs where a gpiochip exists and EDGEMOBILENET_TEST_GPIO_PIN names a pin that is free to
/// toggle (nothing wired to it that must not move).</summary>
public sealed class LibgpiodDriverContract : GpioDriverContract
{
    private protected override int Pin
    {
        get
        {
            var pin = Environment.GetEnvironmentVariable("EDGEMOBILENET_TEST_GPIO_PIN");
            Assert.SkipWhen(!File.Exists("/dev/gpiochip0"), "no /dev/gpiochip0 on this machine");
            Assert.SkipWhen(string.IsNullOrEmpty(pin), "set EDGEMOBILENET_TEST_GPIO_PIN to a pin free to toggle");
            return int.Parse(pin!, System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    private protected override GpioDriver CreateDriver()
    {
        Assert.SkipWhen(!File.Exists("/dev/gpiochip0"), "no /dev/gpiochip0 on this machine");
        return GpioControllerFactory.OpenLibgpiod(0, "test");
    }
}
