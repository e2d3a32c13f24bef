using System.CommandLine;

namespace EdgeMobileNet.Commands;

internal static class ClassifyCommand
{
    public static Command Create()
    {
        var command = new Command("classify", "not implemented yet");
        command.SetAction(_ => { Console.Error.WriteLine("not implemented yet"); return 1; });
        return command;
    }
}
