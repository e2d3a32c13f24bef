using System.CommandLine;
using EdgeMobileNet.Commands;

namespace EdgeMobileNet;

internal static class Program
{
    public static int Main(string[] args)
    {
        var root = new RootCommand("EdgeMobileNet: MobileNet classification at the edge (camera → classifier → GPIO and MQTT)");
        root.Subcommands.Add(ClassifyCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        root.Subcommands.Add(ProbeCommand.Create());
        root.Subcommands.Add(ModelsCommand.Create());
        root.Subcommands.Add(RunCommand.Create());
        return root.Parse(args).Invoke();
    }
}
