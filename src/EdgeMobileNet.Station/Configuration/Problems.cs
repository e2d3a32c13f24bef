using System.Globalization;
using Microsoft.Extensions.Options;

namespace EdgeMobileNet.Station.Configuration;

/// <summary>Collects a section's bad settings, each message starting with the key's full path.</summary>
internal sealed class Problems
{
    private readonly List<string> _messages = [];

    public void Add(string key, string message) => _messages.Add($"{key}: {message}");

    /// <summary>A message that already starts with its key (a camera option check's one line).</summary>
    public void AddLine(string message) => _messages.Add(message);

    public ValidateOptionsResult Result() => _messages.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(_messages);

    /// <summary>A whole number in [min, max].</summary>
    public void Range(string key, long value, long min, long max)
    {
        if (value < min || value > max)
        {
            Add(key, $"must be {min}..{max}, got {value}");
        }
    }

    /// <summary>A finite number in [min, max]; with <paramref name="zeroAllowed"/> 0 is also accepted (it means "off").</summary>
    public void Range(string key, double value, double min, double max, bool zeroAllowed = false)
    {
        if (zeroAllowed && value == 0)
        {
            return;
        }

        if (!(value >= min && value <= max))
        {
            var range = string.Create(CultureInfo.InvariantCulture, $"{min:0.######}..{max:0.######}");
            Add(key, $"must be {(zeroAllowed ? "0 or " : "")}{range}, got {value.ToString(CultureInfo.InvariantCulture)}");
        }
    }

    public void Pin(string key, int pin, int pinCount)
    {
        if (pin < 0 || pin >= pinCount)
        {
            Add(key, $"pin {pin} is out of range 0..{pinCount - 1} (Gpio:PinCount)");
        }
    }

    public void FileExists(string key, string path)
    {
        if (path.Length > 0 && !File.Exists(path))
        {
            Add(key, $"file not found: {path}");
        }
    }
}
