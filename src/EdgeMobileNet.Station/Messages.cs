namespace EdgeMobileNet.Station;

/// <summary>Text of messages that end up on one log or stderr line.</summary>
internal static class Messages
{
    /// <summary>Joins a multi-line text (an exception message from a native library) into one line.</summary>
    public static string OneLine(string text) =>
        string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
