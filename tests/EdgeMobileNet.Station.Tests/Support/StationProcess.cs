using System.Diagnostics;
using System.Text;

namespace EdgeMobileNet.Station.Tests.Support;

/// <summary>The real built `edgemobilenet` executable as a child process, with its output captured.</summary>
internal sealed class StationProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();

    private StationProcess(Process process)
    {
        _process = process;
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public string Stdout
    {
        get
        {
            lock (_stdout)
            {
                return _stdout.ToString();
            }
        }
    }

    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    public static StationProcess Start(IEnumerable<string> args, IDictionary<string, string>? environment = null)
    {
        var apphost = Path.Combine(AppContext.BaseDirectory, "edgemobilenet");
        var start = File.Exists(apphost)
            ? new ProcessStartInfo(apphost)
            : new ProcessStartInfo("dotnet") { ArgumentList = { Path.Combine(AppContext.BaseDirectory, "edgemobilenet.dll") } };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        start.UseShellExecute = false;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.Environment["XDG_CACHE_HOME"] = EdgeMobileNet.Tests.Common.TestAssets.NewTempDir();
        foreach (var (k, v) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[k] = v;
        }

        var process = new Process { StartInfo = start };
        var station = new StationProcess(process);
        process.OutputDataReceived += (_, e) =>
        {
            lock (station._stdout)
            {
                station._stdout.AppendLine(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            lock (station._stderr)
            {
                station._stderr.AppendLine(e.Data);
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return station;
    }

    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(IEnumerable<string> args, TimeSpan timeout, IDictionary<string, string>? environment = null)
    {
        using var p = Start(args, environment);
        var code = await p.WaitForExitAsync(timeout);
        return (code, p.Stdout, p.Stderr);
    }

    public void Terminate() => Signals.Terminate(_process.Id);

    public void KillHard() => _process.Kill();

    /// <summary>Waits for exit and returns the exit code; kills the process and throws on timeout.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"edgemobilenet did not exit within {timeout}; stderr:\n{Stderr}");
        }

        _process.WaitForExit(); // flushes the redirected output
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
    }
}
