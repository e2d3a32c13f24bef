using Microsoft.ML.OnnxRuntime;

namespace EdgeMobileNet.Inference.Engines.OnnxRuntime;

/// <summary>What `probe` reports about ONNX Runtime: its version and providers, or why the native library won't load.</summary>
public sealed record OrtRuntimeInfo(bool Available, string? Version, IReadOnlyList<string> Providers, string? Reason);

/// <summary>The process-wide ONNX Runtime environment, created once with a quiet log level.</summary>
internal static class OrtRuntime
{
    private static readonly Lock Gate = new();

    /// <summary>
    /// The environment. Created at fatal level so neither warnings (e.g. thread affinity in containers) nor ONNX
    /// Runtime's own copy of an error reach the CLI's stderr, where a failure must be exactly one line; real failures
    /// arrive as exceptions, which carry the same text.
    /// </summary>
    public static OrtEnv Env
    {
        get
        {
            lock (Gate)
            {
                if (!OrtEnv.IsCreated)
                {
                    var options = new EnvironmentCreationOptions
                    {
                        logId = "edgemobilenet",
                        logLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL,
                    };
                    return OrtEnv.CreateInstanceWithOptions(ref options);
                }

                return OrtEnv.Instance();
            }
        }
    }

    public static OrtRuntimeInfo Probe()
    {
        if (UserModeEmulation.IsDetected)
        {
            return new OrtRuntimeInfo(false, null, [], "not loaded under user-mode CPU emulation (its CPU detection crashes the process there)");
        }

        try
        {
            var env = Env;
            return new OrtRuntimeInfo(true, env.GetVersionString(), env.GetAvailableProviders(), null);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException
                                      or TypeInitializationException or OnnxRuntimeException)
        {
            return new OrtRuntimeInfo(false, null, [], Describe(e));
        }
    }

    private static string Describe(Exception e)
    {
        // A type initializer failure hides the real cause (usually the missing native library) one level down.
        while (e is TypeInitializationException { InnerException: { } inner })
        {
            e = inner;
        }

        return $"{e.GetType().Name}: {OneLine(e.Message)}";
    }

    internal static string OneLine(string text) =>
        string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
