using System.Diagnostics;

namespace EdgeMobileNet.Station.Tests.Support;

/// <summary>A real mosquitto on a free loopback port with its own temp config and persistence folder. Stop and
/// Start again keep the port and (via persistence) sessions and queued QoS 1 messages, as a broker restart would.</summary>
internal sealed class MosquittoBroker : IAsyncDisposable
{
    private readonly string _binary;
    private readonly string _dir;
    private Process? _process;

    private MosquittoBroker(string binary, (string User, string Password)[] accounts, string? aclFile)
    {
        _binary = binary;
        _dir = EdgeMobileNet.Tests.Common.TestAssets.NewTempDir();
        Port = FreePort.Next();
        var auth = "allow_anonymous true";
        if (accounts.Length > 0)
        {
            // A broker that only lets these accounts in; mosquitto_passwd writes the hashed password file.
            var passwords = Path.Combine(_dir, "passwords");
            foreach (var (a, i) in accounts.Select((a, i) => (a, i)))
            {
                using var p = Process.Start(new ProcessStartInfo(
                    ExternalTool.Require("mosquitto_passwd"), i == 0 ? ["-b", "-c", passwords, a.User, a.Password] : ["-b", passwords, a.User, a.Password]) { UseShellExecute = false })!;
                p.WaitForExit();
            }

            auth = $"allow_anonymous false\npassword_file {passwords}";
            if (aclFile is not null)
            {
                auth += $"\nacl_file {aclFile}";
            }
        }

        // `user`: started as root, mosquitto would switch to its own account and could not write its persistence
        // file into our temp folder, losing sessions across the restart.
        File.WriteAllText(ConfigPath, $"""
            user {Environment.UserName}
            listener {Port} 127.0.0.1
            {auth}
            persistence true
            persistence_location {_dir}/
            autosave_interval 1
            max_queued_messages 100000
            log_dest stderr
            """);
    }

    public int Port { get; }

    private string ConfigPath => Path.Combine(_dir, "mosquitto.conf");

    /// <summary>Starts a broker; with <paramref name="account"/> it admits only that user name and password.</summary>
    public static async Task<MosquittoBroker> StartAsync((string User, string Password)? account = null)
    {
        var broker = new MosquittoBroker(ExternalTool.Require("mosquitto"), account is { } a ? [a] : [], null);
        await broker.StartAgainAsync();
        return broker;
    }

    /// <summary>A broker admitting only <paramref name="accounts"/>, with the access control list <paramref name="aclFile"/>.</summary>
    public static async Task<MosquittoBroker> StartAsync((string User, string Password)[] accounts, string aclFile)
    {
        var broker = new MosquittoBroker(ExternalTool.Require("mosquitto"), accounts, aclFile);
        await broker.StartAgainAsync();
        return broker;
    }

    public async Task StartAgainAsync()
    {
        var start = new ProcessStartInfo(_binary, ["-c", ConfigPath]) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        _process = Process.Start(start)!;
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
        await FreePort.WaitListeningAsync(Port, TimeSpan.FromSeconds(10));
    }

    /// <summary>Stops the broker gracefully (SIGTERM, persistence written) and waits for it to exit.</summary>
    public async Task StopAsync()
    {
        if (_process is { HasExited: false } p)
        {
            Signals.Terminate(p.Id);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await p.WaitForExitAsync(cts.Token);
        }

        _process?.Dispose();
        _process = null;
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false } p)
        {
            p.Kill();
            await p.WaitForExitAsync();
        }

        _process?.Dispose();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // Temp folder; leftovers are harmless.
        }
    }
}
