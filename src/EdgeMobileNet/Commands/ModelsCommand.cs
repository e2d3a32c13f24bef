using System.CommandLine;

namespace EdgeMobileNet.Commands;

internal static class ModelsCommand
{
    public static Command Create()
    {
        var command = new Command("models", "not implemented yet");
        command.SetAction(_ => { Console.Error.WriteLine("not implemented yet"); return 1; });
        return command;
    }
}
