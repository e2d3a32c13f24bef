namespace EdgeMobileNet.Station.Configuration;

// Allowed values of the enumerated settings; configuration takes the names case-insensitively.

/// <summary>Source:Kind.</summary>
public enum SourceKind
{
    Synthetic,
    Files,
    Pipe,

    /// <summary>A V4L2 camera (USB/UVC, or any /dev/videoN capture node).</summary>
    V4l2,

    /// <summary>A Pi CSI camera through rpicam-vid.</summary>
    Rpicam,
}

/// <summary>Trigger:Kind.</summary>
public enum TriggerKind
{
    Continuous,
    Gpio,
    Mqtt,
}

/// <summary>Trigger:Edge.</summary>
public enum TriggerEdge
{
    Rising,
    Falling,
}

/// <summary>Trigger:Pull.</summary>
public enum PinPull
{
    None,
    Up,
    Down,
}

/// <summary>Outputs:N:Mode.</summary>
public enum OutputMode
{
    /// <summary>A gate: a pulse DelayMs after the trigger, PulseMs long.</summary>
    Pulse,

    /// <summary>A lamp: on while the current verdict is the output's verdict.</summary>
    Level,
}

/// <summary>Gpio:Driver.</summary>
public enum GpioDriverKind
{
    /// <summary>libgpiod when a gpiochip exists, else simulated (with a warning).</summary>
    Auto,
    Libgpiod,
    Simulated,
}
