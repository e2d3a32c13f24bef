namespace EdgeMobileNet;

internal static class Program
{
    public static int Main(string[] args)
    {
        Console.Error.WriteLine("edgemobilenet: not implemented yet");
        return args.Length == 0 ? 1 : 1;
    }
}
