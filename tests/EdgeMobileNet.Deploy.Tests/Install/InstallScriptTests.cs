using EdgeMobileNet.Deploy.Tests.Support;
using EdgeMobileNet.Tests.Common;
using Xunit;

namespace EdgeMobileNet.Deploy.Tests.Install;

/// <summary>
/// deploy/install.sh and uninstall.sh into a temporary root (--root: files only, no user or systemctl), from a release
/// folder laid out as publish.sh lays it out. The user/systemctl half needs a real device (docs/deploy.md).
/// </summary>
public sealed class InstallScriptTests
{
    private static string DeployDir => Path.Combine(TestAssets.RepoRoot, "deploy");

    [Fact]
    public async Task Install_LaysOutAppSettingsStateAndUnit()
    {
        var (release, root) = NewRelease("1.0");
        await Run(Path.Combine(release, "deploy", "install.sh"), "--root", root, "--no-start");

        var app = Path.Combine(root, "opt", "edgemobilenet");
        Assert.Equal("release 1.0", File.ReadAllText(Path.Combine(app, "marker.txt")).Trim());
        Assert.True(File.GetUnixFileMode(Path.Combine(app, "edgemobilenet")).HasFlag(UnixFileMode.UserExecute));
        Assert.True(File.Exists(Path.Combine(app, "deploy", "uninstall.sh")));
        Assert.Equal(
            File.ReadAllText(Path.Combine(DeployDir, "examples", "inspection-station.json")),
            File.ReadAllText(Path.Combine(root, "etc", "edgemobilenet", "appsettings.json")));
        Assert.Equal(
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead,
            File.GetUnixFileMode(Path.Combine(root, "etc", "edgemobilenet", "appsettings.json")));
        Assert.True(Directory.Exists(Path.Combine(root, "var", "lib", "edgemobilenet", "models")));
        Assert.Equal(
            File.ReadAllText(Path.Combine(DeployDir, "edgemobilenet.service")),
            File.ReadAllText(Path.Combine(root, "etc", "systemd", "system", "edgemobilenet.service")));
    }

    [Fact]
    public async Task Reinstall_KeepsEditedSettings_AndReplacesTheWholeApplication()
    {
        var (release, root) = NewRelease("1.0", "stale.dll");
        await Run(Path.Combine(release, "deploy", "install.sh"), "--root", root, "--no-start", "--example", "camera-monitor");
        var settings = Path.Combine(root, "etc", "edgemobilenet", "appsettings.json");
        Assert.Contains("yard-camera", File.ReadAllText(settings));
        File.WriteAllText(settings, "{ \"Station\": { \"Id\": \"edited\" } }");
        Assert.True(File.Exists(Path.Combine(root, "opt", "edgemobilenet", "stale.dll")));

        var (newer, _) = NewRelease("2.0");
        var output = await Run(Path.Combine(newer, "deploy", "install.sh"), "--root", root, "--no-start");

        Assert.Contains("keeping", output);
        Assert.Equal("{ \"Station\": { \"Id\": \"edited\" } }", File.ReadAllText(settings));
        Assert.Equal("release 2.0", File.ReadAllText(Path.Combine(root, "opt", "edgemobilenet", "marker.txt")).Trim());
        Assert.False(File.Exists(Path.Combine(root, "opt", "edgemobilenet", "stale.dll"))); // 2.0 no longer ships it
        Assert.Equal(["edgemobilenet"], Directory.GetFileSystemEntries(Path.Combine(root, "opt")).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Reinstall_KeepsFilesTheUserPutIntoTheApplicationFolder()
    {
        var (release, root) = NewRelease("1.0");
        await Run(Path.Combine(release, "deploy", "install.sh"), "--root", root, "--no-start");
        var app = Path.Combine(root, "opt", "edgemobilenet");
        // Where configuration.md's example puts the model.
        File.WriteAllText(Path.Combine(app, "parts.onnx"), "the user's model");
        Directory.CreateDirectory(Path.Combine(app, "labels"));
        File.WriteAllText(Path.Combine(app, "labels", "parts.txt"), "good\nscratched\n");

        var (newer, _) = NewRelease("2.0");
        var output = await Run(Path.Combine(newer, "deploy", "install.sh"), "--root", root, "--no-start");

        Assert.Equal("the user's model", File.ReadAllText(Path.Combine(app, "parts.onnx")));
        Assert.Equal("good\nscratched\n", File.ReadAllText(Path.Combine(app, "labels", "parts.txt")));
        Assert.Contains($"keeping {app}/parts.onnx (not part of the release)", output);
        Assert.Equal("release 2.0", File.ReadAllText(Path.Combine(app, "marker.txt")).Trim());
    }

    [Fact]
    public async Task Help_PrintsTheUsageAndNoShell()
    {
        var (code, stdout, _) = await ChildProcess.RunAsync(Path.Combine(DeployDir, "install.sh"), ["--help"], TimeSpan.FromSeconds(30));
        Assert.Equal(0, code);
        Assert.Contains("--no-start", stdout);
        Assert.DoesNotContain("set -euo", stdout);
        Assert.DoesNotContain("#", stdout);
    }

    [Fact]
    public async Task Install_SaysHowToGetLibgpiodWhenItIsMissing()
    {
        var (release, root) = NewRelease("1.0");
        var (code, _, stderr) = await ChildProcess.RunAsync(Path.Combine(release, "deploy", "install.sh"), ["--root", root, "--no-start"], TimeSpan.FromSeconds(30));
        Assert.Equal(0, code);
        var (_, libraries, _) = await ChildProcess.RunAsync("/bin/sh", ["-c", "ldconfig -p 2>/dev/null || /sbin/ldconfig -p"], TimeSpan.FromSeconds(30));
        if (libraries.Contains("libgpiod.so", StringComparison.Ordinal))
        {
            Assert.DoesNotContain("libgpiod", stderr);
        }
        else
        {
            Assert.Contains("install.sh: warning: libgpiod is not installed: GPIO outputs and triggers need it (apt install libgpiod2)", stderr);
        }
    }

    [Fact]
    public async Task Uninstall_KeepsSettingsAndState_PurgeRemovesThem_BothIdempotent()
    {
        var (release, root) = NewRelease("1.0");
        await Run(Path.Combine(release, "deploy", "install.sh"), "--root", root, "--no-start");
        var uninstall = Path.Combine(release, "deploy", "uninstall.sh");

        await Run(uninstall, "--root", root);
        await Run(uninstall, "--root", root);
        Assert.False(Directory.Exists(Path.Combine(root, "opt", "edgemobilenet")));
        Assert.False(File.Exists(Path.Combine(root, "etc", "systemd", "system", "edgemobilenet.service")));
        Assert.True(File.Exists(Path.Combine(root, "etc", "edgemobilenet", "appsettings.json")));
        Assert.True(Directory.Exists(Path.Combine(root, "var", "lib", "edgemobilenet")));

        await Run(uninstall, "--root", root, "--purge");
        await Run(uninstall, "--root", root, "--purge");
        Assert.False(Directory.Exists(Path.Combine(root, "etc", "edgemobilenet")));
        Assert.False(Directory.Exists(Path.Combine(root, "var", "lib", "edgemobilenet")));
    }

    [Fact]
    public async Task UnknownExample_IsOneLineError()
    {
        var (release, root) = NewRelease("1.0");
        var (code, _, stderr) = await ChildProcess.RunAsync(
            Path.Combine(release, "deploy", "install.sh"), ["--root", root, "--example", "nope"], TimeSpan.FromSeconds(30));
        Assert.Equal(1, code);
        Assert.StartsWith("install.sh: --example: no such example 'nope'", stderr.Trim());
        Assert.False(Directory.Exists(Path.Combine(root, "opt", "edgemobilenet")));
    }

    /// <summary>An unpacked release as publish.sh makes it: the application files plus deploy/ from the repository.</summary>
    private static (string Release, string Root) NewRelease(string version, params string[] extraFiles)
    {
        var dir = TestAssets.NewTempDir();
        var release = Path.Combine(dir, "edgemobilenet-" + version);
        Directory.CreateDirectory(Path.Combine(release, "deploy", "examples"));
        var exe = Path.Combine(release, "edgemobilenet");
        File.WriteAllText(exe, $"#!/bin/sh\necho {version}\n");
        File.SetUnixFileMode(exe, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.WriteAllText(Path.Combine(release, "marker.txt"), $"release {version}\n");
        foreach (var extra in extraFiles)
        {
            File.WriteAllText(Path.Combine(release, extra), $"part of release {version}\n");
        }

        foreach (var f in new[] { "edgemobilenet.service", "install.sh", "uninstall.sh" })
        {
            File.Copy(Path.Combine(DeployDir, f), Path.Combine(release, "deploy", f));
        }

        foreach (var f in Directory.GetFiles(Path.Combine(DeployDir, "examples"), "*.json"))
        {
            File.Copy(f, Path.Combine(release, "deploy", "examples", Path.GetFileName(f)));
        }

        return (release, Path.Combine(dir, "root"));
    }

    private static async Task<string> Run(string script, params string[] args)
    {
        var (code, stdout, stderr) = await ChildProcess.RunAsync(script, args, TimeSpan.FromSeconds(30));
        Assert.True(code == 0, $"{Path.GetFileName(script)} {string.Join(' ', args)} exited {code}:\n{stdout}{stderr}");
        return stdout;
    }
}
