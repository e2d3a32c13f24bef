using System.Globalization;

namespace EdgeMobileNet.Capture.V4l2;

/// <summary>
/// Camera controls from configuration (<c>Source:Controls:*</c>). Unset (null or empty) leaves the camera's own
/// setting. Fixed values make the same part look the same all day: an automatic exposure drifts with what is in
/// view.
/// </summary>
internal sealed class CameraControlOptions
{
    /// <summary>"auto", or the exposure time in microseconds (V4L2 counts it in 100 µs units).</summary>
    public string? Exposure { get; set; }

    /// <summary>Sensor gain in the device's own units.</summary>
    public string? Gain { get; set; }

    /// <summary>"auto", or a colour temperature in kelvin.</summary>
    public string? WhiteBalance { get; set; }

    /// <summary>"auto", or a focus position in the device's units.</summary>
    public string? Focus { get; set; }

    /// <summary>"off", "50", "60" or "auto" (mains flicker filter).</summary>
    public string? PowerLineFrequency { get; set; }

    /// <summary>The control writes these settings ask for, in the order they must happen (automatic modes first,
    /// since a manual value is refused while its automatic mode is on).</summary>
    public IReadOnlyList<ControlWrite> Parse()
    {
        var writes = new List<ControlWrite>();
        if (Has(Exposure))
        {
            if (IsAuto(Exposure))
            {
                writes.Add(new("Exposure", "auto_exposure", Uapi.CidExposureAuto, Uapi.ExposureAperturePriority, "auto"));
            }
            else
            {
                var us = Number("Exposure", Exposure!, "microseconds or auto");
                writes.Add(new("Exposure", "auto_exposure", Uapi.CidExposureAuto, Uapi.ExposureManual, "manual"));
                writes.Add(new("Exposure", "exposure_time_absolute", Uapi.CidExposureAbsolute, (int)Math.Round(us / 100.0), $"{us} µs", Unit: 100, UnitName: "µs"));
            }
        }

        if (Has(Gain))
        {
            var g = Number("Gain", Gain!, "a number");
            writes.Add(new("Gain", "gain", Uapi.CidGain, g, g.ToString(CultureInfo.InvariantCulture)));
        }

        if (Has(WhiteBalance))
        {
            if (IsAuto(WhiteBalance))
            {
                writes.Add(new("WhiteBalance", "white_balance_automatic", Uapi.CidAutoWhiteBalance, 1, "auto"));
            }
            else
            {
                var k = Number("WhiteBalance", WhiteBalance!, "kelvin or auto");
                writes.Add(new("WhiteBalance", "white_balance_automatic", Uapi.CidAutoWhiteBalance, 0, "manual"));
                writes.Add(new("WhiteBalance", "white_balance_temperature", Uapi.CidWhiteBalanceTemperature, k, $"{k} K"));
            }
        }

        if (Has(Focus))
        {
            if (IsAuto(Focus))
            {
                writes.Add(new("Focus", "focus_automatic_continuous", Uapi.CidFocusAuto, 1, "auto"));
            }
            else
            {
                var f = Number("Focus", Focus!, "a position or auto");
                writes.Add(new("Focus", "focus_automatic_continuous", Uapi.CidFocusAuto, 0, "manual"));
                writes.Add(new("Focus", "focus_absolute", Uapi.CidFocusAbsolute, f, f.ToString(CultureInfo.InvariantCulture)));
            }
        }

        if (Has(PowerLineFrequency))
        {
            var v = PowerLineFrequency!.Trim().ToLowerInvariant() switch
            {
                "off" or "0" or "disabled" => 0,
                "50" or "50hz" => 1,
                "60" or "60hz" => 2,
                "auto" => 3,
                _ => throw new CameraException($"Source:Controls:PowerLineFrequency: '{PowerLineFrequency}' is not off, 50, 60 or auto"),
            };
            writes.Add(new("PowerLineFrequency", "power_line_frequency", Uapi.CidPowerLineFrequency, v, PowerLineFrequency!.Trim()));
        }

        return writes;
    }

    private static bool Has(string? v) => !string.IsNullOrWhiteSpace(v);

    private static bool IsAuto(string? v) => string.Equals(v?.Trim(), "auto", StringComparison.OrdinalIgnoreCase);

    private static int Number(string key, string text, string expected) =>
        int.TryParse(text.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= 0
            ? v
            : throw new CameraException($"Source:Controls:{key}: '{text}' is not {expected}");
}

/// <summary>One control write: which option asked for it, the V4L2 control, the value in device units.</summary>
internal sealed record ControlWrite(string Option, string ControlName, uint Id, int Value, string Shown, int Unit = 1, string? UnitName = null);

/// <summary>Applies <see cref="ControlWrite"/>s to an open camera, each checked against the range, step and menu
/// the device reports; a mismatch is one line naming the option, the control and the device.</summary>
internal static class CameraControlApplier
{
    public static void Apply(V4l2Camera camera, IReadOnlyList<ControlWrite> writes)
    {
        foreach (var w in writes)
        {
            var q = camera.QueryControl(w.Id)
                ?? throw new CameraException($"Source:Controls:{w.Option}: {camera.Path} has no {w.ControlName} control");
            if ((q.Flags & Uapi.CtrlFlagDisabled) != 0 || (q.Flags & Uapi.CtrlFlagReadOnly) != 0)
            {
                throw new CameraException($"Source:Controls:{w.Option}: {w.ControlName} of {camera.Path} is {((q.Flags & Uapi.CtrlFlagDisabled) != 0 ? "disabled" : "read-only")}");
            }

            var value = w.Value;
            if (q.Type == Uapi.CtrlTypeMenu && w.Id == Uapi.CidExposureAuto && value == Uapi.ExposureAperturePriority)
            {
                // "auto": UVC cameras offer aperture priority (their full auto); others offer V4L2_EXPOSURE_AUTO.
                value = camera.MenuHas(w.Id, Uapi.ExposureAperturePriority, q) ? Uapi.ExposureAperturePriority
                    : camera.MenuHas(w.Id, Uapi.ExposureAuto, q) ? Uapi.ExposureAuto
                    : throw new CameraException($"Source:Controls:{w.Option}: {camera.Path} offers no automatic exposure mode");
            }

            if (value < q.Minimum || value > q.Maximum)
            {
                var unit = w.Unit == 1 ? "" : $" ({(long)q.Minimum * w.Unit}..{(long)q.Maximum * w.Unit} {w.UnitName})";
                throw new CameraException($"Source:Controls:{w.Option}: {w.Shown} is outside the range of {w.ControlName} on {camera.Path}: {q.Minimum}..{q.Maximum}{unit}");
            }

            if (q.Type == Uapi.CtrlTypeInteger && q.Step > 1 && (value - q.Minimum) % q.Step != 0)
            {
                throw new CameraException($"Source:Controls:{w.Option}: {w.Shown} is not a multiple of the step {q.Step} of {w.ControlName} on {camera.Path} (from {q.Minimum})");
            }

            if (q.Type == Uapi.CtrlTypeMenu && !camera.MenuHas(w.Id, value, q))
            {
                throw new CameraException($"Source:Controls:{w.Option}: {w.Shown} is not offered by {w.ControlName} on {camera.Path}");
            }

            camera.SetControl(w.Id, value, w.Option, w.ControlName);
        }
    }
}
