using System.CommandLine;
using EdgeMobileNet.Cli;
using EdgeMobileNet.Commands;

namespace EdgeMobileNet;

/// <summary>Entry point. <see cref="Run"/> is public so tests can drive the whole CLI in-process.</summary>
public static class Program
{
    public static int Main(string[] args)
    {
        // Before any verb can load ONNX Runtime: no telemetry queue in the user's home.
        Station.Hosting.NativeEnvironment.DisableOnnxRuntimeTelemetry();
        return Run(args, Console.Out, Console.Error);
    }

    /// <summary>Parses and runs one command line; returns the process exit code.</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(args);
        return CliHost.Invoke(CreateRoot(), args, stdout, stderr);
    }

    /// <summary>The command tree; every verb lives in its own file under Commands/.</summary>
    internal static RootCommand CreateRoot()
    {
        var root = new RootCommand("EdgeMobileNet: MobileNet classification at the edge (camera → classifier → GPIO and MQTT)");
        root.Options.Add(GlobalOptions.CreateVerbose());
        root.Subcommands.Add(ClassifyCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        root.Subcommands.Add(ProbeCommand.Create());
        root.Subcommands.Add(ModelsCommand.Create());
        root.Subcommands.Add(RunCommand.Create());
        root.Subcommands.Add(GpioCommand.Create());
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(SnapshotCommand.Create());
        return root;
    }
}
