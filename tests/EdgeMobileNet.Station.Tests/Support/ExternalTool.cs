using EdgeMobileNet.Tests.Common;
using Xunit;

namespace EdgeMobileNet.Station.Tests.Support;

/// <summary>Finds a program the integration tests need (mosquitto, ffmpeg). Missing: fail under CI, skip elsewhere.</summary>
internal static class ExternalTool
{
    public static string Require(string name, params string[] candidates)
    {
        var dirs = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/sbin", "/usr/local/sbin", "/sbin"]);
        foreach (var candidate in candidates.Prepend(name))
        {
            if (Path.IsPathRooted(candidate) && File.Exists(candidate))
            {
                return candidate;
            }

            foreach (var dir in dirs)
            {
                var path = Path.Combine(dir, candidate);
                if (File.Exists(path))
                {
                    return path;
                }
            }
        }

        var message = $"{name} not installed (apt-get install mosquitto mosquitto-clients ffmpeg)";
        if (TestAssets.IsCi)
        {
            Assert.Fail(message);
        }

        Assert.Skip(message);
        return name;
    }
}
