using EdgeMobileNet.Cli;
using EdgeMobileNet.Cli.Tests.Support;
using Xunit;

namespace EdgeMobileNet.Cli.Tests.Plumbing;

public sealed class CommandTreeTests
{
    [Fact]
    public void EveryVerbIsWired()
    {
        var root = Program.CreateRoot();
        Assert.Equal(["classify", "bench", "probe", "models", "run", "gpio", "train", "snapshot"], root.Subcommands.Select(c => c.Name));
    }

    [Fact]
    public void NoVerbRunsTheStation()
    {
        Assert.Equal("run", CliHost.Parse(Program.CreateRoot(), []).CommandResult.Command.Name);
        Assert.Equal("run", CliHost.Parse(Program.CreateRoot(), ["--verbose"]).CommandResult.Command.Name);
    }

    [Fact]
    public void HelpStaysWithTheRoot()
    {
        Assert.Equal(Program.CreateRoot().Name, CliHost.Parse(Program.CreateRoot(), ["--help"]).CommandResult.Command.Name);
        var outcome = CliRun.InProcess("--help");
        Assert.Equal(0, outcome.ExitCode);
        Assert.Contains("classify", outcome.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void VerbsAreNotRedirected() =>
        Assert.Equal("probe", CliHost.Parse(Program.CreateRoot(), ["probe", "--json"]).CommandResult.Command.Name);
}
