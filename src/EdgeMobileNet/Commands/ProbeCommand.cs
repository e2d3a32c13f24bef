using System.CommandLine;
using System.Runtime.InteropServices;
using System.Text.Json;
using EdgeMobileNet.Capture.Probe;
using EdgeMobileNet.Capture.V4l2;
using EdgeMobileNet.Cli;
using EdgeMobileNet.Inference.Engines.Managed.Kernels;
using EdgeMobileNet.Inference.Engines.OnnxRuntime;

namespace EdgeMobileNet.Commands;

/// <summary>`probe`: what this machine offers the runtime (CPU features, ONNX Runtime, cameras, GPIO chips). Each
/// video device is listed with its driver, card, capabilities, formats, frame sizes and rates, and controls with their
/// ranges (through the same V4L2 code the capture uses), so `Source:*` settings can be chosen from it.</summary>
internal static class ProbeCommand
{
    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON document" };
        var command = new Command("probe", "Report CPU features, ONNX Runtime, video devices and GPIO chips") { json };
        command.SetAction(result =>
        {
            var report = Collect();
            var stdout = result.Out();
            if (result.GetValue(json))
            {
                stdout.WriteLine(JsonSerializer.Serialize(report, CliJsonContext.Default.ProbeReport));
            }
            else
            {
                WriteText(stdout, report);
            }

            return 0;
        });
        return command;
    }

    private static ProbeReport Collect()
    {
        var ort = OrtClassifier.RuntimeInfo();
        return new ProbeReport(
            RuntimeInformation.OSDescription,
            RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant(),
            RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant(),
            Environment.ProcessorCount,
            HardwareProbe.CpuModel(),
            HardwareProbe.BoardModel(),
            RuntimeInformation.FrameworkDescription,
            HardwareProbe.Simd(),
            HardwareProbe.VectorBits(),
            new OrtProbe(ort.Available, ort.Version, ort.Providers, ort.Reason),
            VideoDeviceProbe.Enumerate(LibcV4l2Device.Instance),
            HardwareProbe.GpioChips());
    }

    private static void WriteText(TextWriter stdout, ProbeReport r)
    {
        stdout.WriteLine($"os:            {r.Os}");
        stdout.WriteLine($"architecture:  {r.ProcessArchitecture} (os {r.OsArchitecture}), {r.ProcessorCount} processors");
        stdout.WriteLine($"cpu:           {r.CpuModel ?? "unknown"}");
        if (r.BoardModel is not null)
        {
            stdout.WriteLine($"board:         {r.BoardModel}");
        }

        stdout.WriteLine($"runtime:       {r.Runtime}");
        stdout.WriteLine($"simd:          {string.Join(' ', r.Simd.Where(kv => kv.Value).Select(kv => kv.Key))}");
        stdout.WriteLine($"simd missing:  {string.Join(' ', r.Simd.Where(kv => !kv.Value).Select(kv => kv.Key))}");
        stdout.WriteLine($"vectors:       {string.Join(' ', r.VectorBits.Select(kv => $"{kv.Key}={kv.Value}"))}");
        stdout.WriteLine($"managed isa:   {ManagedKernels.Default} (--isa accepts: {string.Join(' ', ManagedKernels.Supported)})");
        stdout.WriteLine(r.OnnxRuntime.Available
            ? $"onnxruntime:   {r.OnnxRuntime.Version} ({string.Join(", ", r.OnnxRuntime.Providers)})"
            : $"onnxruntime:   unavailable: {r.OnnxRuntime.Reason}");
        stdout.WriteLine($"video:         {VideoDeviceProbe.ToText(r.VideoDevices, "               ")}");
        stdout.WriteLine($"gpio:          {(r.Gpiochips.Count == 0 ? "none" : string.Join(", ", r.Gpiochips.Select(c => $"{c.Device} {c.Label ?? "?"} ({c.Lines?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"} lines)")))}");
    }
}
