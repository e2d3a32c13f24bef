using EdgeMobileNet.Inference;
using EdgeMobileNet.Station.Outbox;
using EdgeMobileNet.Tests.Common;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Xunit;

namespace EdgeMobileNet.Station.Tests.Outbox;

[Collection(OutboxProcessesCollection.Name)]
public sealed class OutboxServicesTests : IDisposable
{
    private readonly string _dir = TestAssets.NewTempDir();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void The_disk_outbox_is_the_default_and_lives_in_the_state_directory()
    {
        using var sp = Provider([]);
        var store = sp.GetRequiredService<IOutboxStore>();
        Assert.IsType<SegmentLogOutbox>(store);
        Assert.Equal(Path.Combine(_dir, "outbox"), ((SegmentLogOutbox)store).Directory);
        store.Append("t", _ => [1, 2, 3]);
        Assert.Equal(1, store.Backlog.Count);
    }

    [Fact]
    public void Memory_is_chosen_by_key_and_bad_keys_are_named()
    {
        using (var sp = Provider(new() { ["Outbox:Kind"] = "memory" }))
        {
            Assert.IsType<MemoryOutboxStore>(sp.GetRequiredService<IOutboxStore>());
        }

        using (var sp = Provider(new() { ["Outbox:CommitIntervalMs"] = "0" }))
        {
            var e = Assert.Throws<OptionsValidationException>(() => sp.GetRequiredService<IOptions<OutboxOptions>>().Value);
            Assert.StartsWith("Outbox:CommitIntervalMs:", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_state_directory_that_cannot_be_created_names_the_key()
    {
        var file = Path.Combine(_dir, "a-file");
        File.WriteAllText(file, "");
        var e = Assert.Throws<EdgeMobileNetException>(() => OutboxServices.Create(new OutboxOptions(), file, TimeProvider.System, NullLogger.Instance));
        Assert.StartsWith("Station:StateDir: cannot keep the outbox in ", e.Message, StringComparison.Ordinal);
    }

    private ServiceProvider Provider(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<Microsoft.Extensions.Logging.ILoggerFactory>(NullLoggerFactory.Instance);
        services.AddOutbox(configuration, _ => _dir);
        return services.BuildServiceProvider();
    }
}
