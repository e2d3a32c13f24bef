namespace EdgeMobileNet.Inference;

/// <summary>
/// A failure caused by the user's input (a file, a model, a configuration key), with a one-line message that names
/// the culprit. The CLI prints <see cref="Exception.Message"/> alone and exits with code 2; anything else is a bug.
/// </summary>
public class EdgeMobileNetException : Exception
{
    public EdgeMobileNetException(string message) : base(message) { }

    public EdgeMobileNetException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>A model file that cannot be loaded: missing, truncated, not ONNX, unsupported, or not an image classifier.</summary>
public sealed class ModelLoadException : EdgeMobileNetException
{
    public ModelLoadException(string path, string reason, Exception? inner = null)
        : base($"{path}: {WithoutPath(path, reason)}", inner ?? new InvalidOperationException(reason))
    {
        Path = path;
        Reason = WithoutPath(path, reason);
    }

    public string Path { get; }

    public string Reason { get; }

    // Reader errors already start with the file name; the message names it once.
    private static string WithoutPath(string path, string reason) =>
        reason.StartsWith(path + ": ", StringComparison.Ordinal) ? reason[(path.Length + 2)..] : reason;
}
