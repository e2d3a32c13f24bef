using EdgeMobileNet.Tests.Common;

namespace EdgeMobileNet.Station.Tests.Support;

/// <summary>The real built `edgemobilenet` executable as a child process, with a private demo-model cache.</summary>
internal static class StationProcess
{
    public static ChildProcess Start(IEnumerable<string> args, IDictionary<string, string>? environment = null)
    {
        var env = new Dictionary<string, string>(environment ?? new Dictionary<string, string>())
        {
            ["XDG_CACHE_HOME"] = TestAssets.NewTempDir(),
        };
        env.TryAdd("STATE_DIRECTORY", TestAssets.NewTempDir()); // a private event outbox unless the test shares one
        var apphost = Path.Combine(AppContext.BaseDirectory, "edgemobilenet");
        return File.Exists(apphost)
            ? ChildProcess.Start(apphost, args, env)
            : ChildProcess.Start("dotnet", [Path.Combine(AppContext.BaseDirectory, "edgemobilenet.dll"), .. args], env);
    }

    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(IEnumerable<string> args, TimeSpan timeout, IDictionary<string, string>? environment = null)
    {
        using var p = Start(args, environment);
        var code = await p.WaitForExitAsync(timeout);
        return (code, p.Stdout, p.Stderr);
    }
}
