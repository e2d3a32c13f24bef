using System.CommandLine;

namespace EdgeMobileNet.Commands;

internal static class BenchCommand
{
    public static Command Create()
    {
        var command = new Command("bench", "not implemented yet");
        command.SetAction(_ => { Console.Error.WriteLine("not implemented yet"); return 1; });
        return command;
    }
}
