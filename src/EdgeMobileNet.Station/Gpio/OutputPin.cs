using System.Device.Gpio;
using EdgeMobileNet.Station.State;

namespace EdgeMobileNet.Station.Gpio;

/// <summary>One configured output of <see cref="OutputBank"/> and its current drive state.</summary>
internal sealed class OutputPin(int pin, Verdict verdict, bool isLevel, int pulseMs, int delayMs, bool activeLow)
{
    public int Pin { get; } = pin;

    public Verdict Verdict { get; } = verdict;

    public bool IsLevel { get; } = isLevel;

    public int PulseMs { get; } = pulseMs;

    public int DelayMs { get; } = delayMs;

    public PinValue Active { get; } = activeLow ? PinValue.Low : PinValue.High;

    public PinValue Inactive { get; } = activeLow ? PinValue.High : PinValue.Low;

    public PinValue Current { get; set; } = activeLow ? PinValue.High : PinValue.Low;

    public int ActivePulses { get; set; }
}
