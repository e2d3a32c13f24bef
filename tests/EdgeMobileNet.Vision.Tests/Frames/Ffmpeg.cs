using System.Diagnostics;
using EdgeMobileNet.Tests.Common;
using Xunit;

namespace EdgeMobileNet.Vision.Tests.Frames;

/// <summary>Runs the ffmpeg CLI. Missing ffmpeg skips on a developer machine and fails under CI, which installs it.</summary>
internal static class Ffmpeg
{
    private static readonly Lazy<string?> Executable = new(Find);

    public static string Require()
    {
        if (Executable.Value is { } path)
        {
            return path;
        }

        const string message = "ffmpeg not found on PATH (apt-get install -y ffmpeg)";
        if (TestAssets.IsCi)
        {
            Assert.Fail(message);
        }

        Assert.Skip(message);
        return "";
    }

    /// <summary>Runs ffmpeg with the given arguments and fails the test with its stderr if it does not exit 0.</summary>
    public static void Run(params string[] arguments)
    {
        var info = new ProcessStartInfo(Require()) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in (string[])["-hide_banner", "-loglevel", "error", "-nostdin", "-y", .. arguments])
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        _ = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"ffmpeg {string.Join(' ', arguments)} exited {process.ExitCode}: {stderr.Result}");
    }

    private static string? Find()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, "ffmpeg");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
