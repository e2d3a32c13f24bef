using System.Runtime.InteropServices;

namespace EdgeMobileNet.Station.Hosting;

/// <summary>
/// The process environment as native libraries see it. .NET keeps its own copy of the environment on Linux, so
/// <see cref="Environment.SetEnvironmentVariable(string, string)"/> is invisible to a native library's getenv.
/// </summary>
public static partial class NativeEnvironment
{
    /// <summary>ONNX Runtime otherwise keeps a telemetry queue with a device id and the executable's path under
    /// ~/.cache/Microsoft/DeveloperTools/.onnxruntime/; an embedded product must not. Call before ONNX Runtime loads.</summary>
    public static void DisableOnnxRuntimeTelemetry() => Set("ORT_DISABLE_TELEMETRY", "1");

    public static void Set(string name, string value)
    {
        Environment.SetEnvironmentVariable(name, value);
        if (!OperatingSystem.IsWindows())
        {
            _ = SetEnv(name, value, 1);
        }
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);
}
