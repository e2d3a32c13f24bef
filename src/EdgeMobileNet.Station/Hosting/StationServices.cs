using System.Device.Gpio;
using EdgeMobileNet.Station.Configuration;
using EdgeMobileNet.Station.Frames;
using EdgeMobileNet.Station.Gpio;
using EdgeMobileNet.Station.Mqtt;
using EdgeMobileNet.Station.Pipeline;
using EdgeMobileNet.Station.Triggers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeMobileNet.Station.Hosting;

/// <summary>The station's object graph. Hosted services start in the order registered (broker, pins, publisher,
/// classifier, capture) and stop in reverse: frames stop first, events are flushed, the pins go safe, the embedded
/// broker closes last.</summary>
internal static class StationServices
{
    public static IServiceCollection AddStation(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<StationOptions>().Bind(configuration).ValidateOnStart();
        services.AddSingleton<IValidateOptions<StationOptions>, StationOptionsValidator>();

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ModelLoader>();
        services.AddSingleton<StationCounters>();
        services.AddSingleton<StationState>();
        services.AddSingleton<LatencyStats>();
        services.AddSingleton<StationFault>();
        services.AddSingleton<LatestFrameSlot>();
        services.AddSingleton<TriggerQueue>();
        services.AddSingleton(sp => new SimulatedGpioDriver(sp.GetRequiredService<TimeProvider>(), Options(sp).Gpio.PinCount));
        services.AddSingleton(sp => GpioControllerFactory.Create(
            Options(sp).Gpio,
            sp.GetRequiredService<SimulatedGpioDriver>(),
            sp.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(GpioController).FullName!)));
        services.AddSingleton(sp => new OutputBank(
            sp.GetRequiredService<GpioController>(),
            Options(sp).Outputs,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<LatencyStats>()));
        services.TryAddSingleton<IEventOutbox>(sp => new MemoryOutbox(Options(sp).Mqtt.QueueCapacity));
        services.AddSingleton(sp => FrameSourceFactory.Create(Options(sp).Source, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>()));

        services.AddHostedService<EmbeddedBrokerService>();
        services.AddHostedService<GpioService>();
        services.AddHostedService<MqttPublisherService>();
        services.AddHostedService<InspectionService>(); // loads the model before the camera starts
        services.AddHostedService<CaptureService>();
        return services;
    }

    private static StationOptions Options(IServiceProvider sp) => sp.GetRequiredService<IOptions<StationOptions>>().Value;
}
