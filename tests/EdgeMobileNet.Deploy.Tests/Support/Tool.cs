using EdgeMobileNet.Tests.Common;
using Xunit;

namespace EdgeMobileNet.Deploy.Tests.Support;

/// <summary>Finds a program a test needs (systemd-analyze). Missing: fail under CI, skip elsewhere.</summary>
internal static class Tool
{
    public static string Require(string name, string package)
    {
        var dirs = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/bin", "/usr/sbin", "/bin", "/sbin"]);
        foreach (var dir in dirs)
        {
            var path = Path.Combine(dir, name);
            if (File.Exists(path))
            {
                return path;
            }
        }

        var message = $"{name} not installed (apt-get install {package})";
        if (TestAssets.IsCi)
        {
            Assert.Fail(message);
        }

        Assert.Skip(message);
        return name;
    }
}
