using System.ComponentModel;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace EdgeMobileNet.Station.Frames;

/// <summary>
/// A pipe source's shell command in its own session and process group (started through `setsid`), so ending it
/// ends everything it started: a helper that keeps stderr open can neither delay the station's stop nor survive it.
/// Its stderr goes line by line to a callback; stdout is the frame stream.
/// </summary>
internal sealed partial class PipeCommand : IDisposable
{
    private const int SigTerm = 15;
    private const int SigKill = 9;
    private static readonly TimeSpan TermGrace = TimeSpan.FromMilliseconds(500);
    private readonly Process _process;
    private bool _ended;

    private PipeCommand(Process process)
    {
        _process = process;
    }

    public int Pid => _process.Id;

    public Stream Stdout => _process.StandardOutput.BaseStream;

    public static PipeCommand Start(string command, Action<string> stderrLine)
    {
        var start = new ProcessStartInfo("setsid")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("/bin/sh");
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(command);
        var process = new Process { StartInfo = start };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { Length: > 0 } line)
            {
                stderrLine(line);
            }
        };
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            process.Dispose();
            throw new Inference.EdgeMobileNetException($"Source:Command: cannot start a shell through setsid ({e.Message})", e);
        }

        process.BeginErrorReadLine();
        return new PipeCommand(process);
    }

    /// <summary>Ends the command's process group (SIGTERM, SIGKILL after a grace period) and returns the command's
    /// exit code (null when it had to be killed). Does not wait for descendants' stderr to close.</summary>
    public async Task<int?> EndAsync()
    {
        _ended = true;
        if (!_process.HasExited)
        {
            Signal(SigTerm);
            using var grace = new CancellationTokenSource(TermGrace);
            if (!await ExitedAsync(grace.Token).ConfigureAwait(false))
            {
                Signal(SigKill);
                using var last = new CancellationTokenSource(TermGrace);
                await ExitedAsync(last.Token).ConfigureAwait(false);
            }
        }

        // The shell may be gone while its children still run: they are in the same group.
        Signal(SigKill);
        return _process.HasExited ? _process.ExitCode : null;
    }

    public void Dispose()
    {
        if (!_ended)
        {
            Signal(SigKill);
        }

        _process.Dispose();
    }

    private async Task<bool> ExitedAsync(CancellationToken token)
    {
        // Process.WaitForExitAsync would also wait for stderr to close, which a lingering child can hold open.
        while (!_process.HasExited)
        {
            try
            {
                await Task.Delay(20, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return _process.HasExited;
            }
        }

        return true;
    }

    private void Signal(int signal)
    {
        // setsid made the shell a group leader: its process group id is its pid.
        _ = Kill(-_process.Id, signal);
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
