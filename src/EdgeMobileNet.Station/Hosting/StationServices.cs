using System.Diagnostics.CodeAnalysis;
using System.Device.Gpio;
using EdgeMobileNet.Station.Classification;
using EdgeMobileNet.Station.Configuration;
using EdgeMobileNet.Station.Dataset;
using EdgeMobileNet.Station.Frames;
using EdgeMobileNet.Station.Gpio;
using EdgeMobileNet.Station.Models;
using EdgeMobileNet.Station.Mqtt;
using EdgeMobileNet.Station.Outbox;
using EdgeMobileNet.Station.Pipeline;
using EdgeMobileNet.Station.Sinks;
using EdgeMobileNet.Station.State;
using EdgeMobileNet.Station.Systemd;
using EdgeMobileNet.Station.Triggers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeMobileNet.Station.Hosting;

/// <summary>
/// The station's object graph. Data flows one way: frame source → trigger → classify and decide → sinks, with the
/// shared <see cref="RunState"/> beside it. Everything that can fail on bad input (options, model, labels, rules,
/// GPIO driver, frame source) is a singleton built by <see cref="StartupCheck"/> before any hosted service starts.
/// Hosted services start in the order registered (broker, pins, publisher, loop, capture) and stop in reverse:
/// frames stop first, events are flushed, the pins go safe, the embedded broker closes last.
/// </summary>
internal static class StationServices
{
    public static IServiceCollection AddStation(this IServiceCollection services, IConfiguration configuration)
    {
        // One options class per section, bound by the source generator and validated at start.
        services.AddOptions<StationOptions>().Bind(configuration.GetSection(StationOptions.Section)).ValidateOnStart();
        services.AddOptions<ModelOptions>().Bind(configuration.GetSection(ModelOptions.Section)).ValidateOnStart();
        services.AddOptions<SourceOptions>().Bind(configuration.GetSection(SourceOptions.Section)).ValidateOnStart();
        services.AddOptions<TriggerOptions>().Bind(configuration.GetSection(TriggerOptions.Section)).ValidateOnStart();
        services.AddOptions<DecisionOptions>().Bind(configuration.GetSection(DecisionOptions.Section)).ValidateOnStart();
        services.AddOptions<OutputsOptions>().Configure(o => configuration.GetSection(OutputsOptions.Section).Bind(o.Items)).ValidateOnStart();
        services.AddOptions<GpioOptions>().Bind(configuration.GetSection(GpioOptions.Section)).ValidateOnStart();
        services.AddOptions<MqttOptions>().Bind(configuration.GetSection(MqttOptions.Section)).ValidateOnStart();
        services.AddOptions<SnapshotsOptions>().Bind(configuration.GetSection(SnapshotsOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<StationOptions>, StationOptionsValidator>();
        services.AddSingleton<IValidateOptions<ModelOptions>, ModelOptionsValidator>();
        services.AddSingleton<IValidateOptions<SourceOptions>, SourceOptionsValidator>();
        services.AddSingleton<IValidateOptions<TriggerOptions>, TriggerOptionsValidator>();
        services.AddSingleton<IValidateOptions<DecisionOptions>, DecisionOptionsValidator>();
        services.AddSingleton<IValidateOptions<OutputsOptions>, OutputsOptionsValidator>();
        services.AddSingleton<IValidateOptions<GpioOptions>, GpioOptionsValidator>();
        services.AddSingleton<IValidateOptions<MqttOptions>, MqttOptionsValidator>();
        services.AddSingleton<IValidateOptions<SnapshotsOptions>, SnapshotsOptionsValidator>();

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ModelLoader>();
        services.AddSingleton<RunState>();
        services.AddSingleton<StationFault>();
        services.AddSingleton<LatestFrameSlot>(sp => new LatestFrameSlot(sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<RunState>().Counters));
        // Live settings (cmd/set): threshold, outputs, pause, rate; the saved ones override the configuration.
        services.AddSingleton(sp => LiveSettingsSetup.File(Get<StationOptions>(sp)));
        services.AddSingleton(sp => LiveSettingsSetup.Create(
            Get<DecisionOptions>(sp), Get<TriggerOptions>(sp), Get<MqttOptions>(sp), sp.GetRequiredService<LiveSettingsFile>(), sp.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(LiveSettings).FullName!)));
        services.AddSingleton<TriggerQueue>(sp => new TriggerQueue(sp.GetRequiredService<LatestFrameSlot>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<RunState>().Counters, sp.GetRequiredService<LiveSettings>()));
        services.AddSingleton<PipelineHeartbeat>();
        AddGpio(services);
        // The model: a deployed one recorded in the state directory, else Model:Path; replaced at run time by
        // IModelDeployer (cmd/model, web page, training). FrameClassifier is the model the station started with.
        services.AddSingleton(sp => new ModelStore(StateDirectory.Resolve(Get<StationOptions>(sp).StateDir, Environment.GetEnvironmentVariable)));
        services.AddSingleton(sp => new ModelFetcher(sp.GetRequiredService<ModelStore>()));
        services.AddSingleton<ModelPreparer>();
        services.AddSingleton<StartupModel>();
        services.AddSingleton(sp => sp.GetRequiredService<StartupModel>().Model.Classifier);
        services.AddSingleton(sp => new Inspector(
            sp.GetRequiredService<StartupModel>().Model, Get<DecisionOptions>(sp), Get<TriggerOptions>(sp).Kind == TriggerKind.Continuous, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<LiveSettings>()));
        services.AddSingleton<ModelDeployer>();
        services.AddSingleton<IModelDeployer>(sp => sp.GetRequiredService<ModelDeployer>());
        services.AddSingleton(sp => FrameSourceFactory.Create(
            Get<SourceOptions>(sp), sp.GetRequiredService<FrameClassifier>().DecodeShortSide, sp.GetRequiredService<RunState>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>(),
            sp.GetService<Capture.V4l2.IV4l2Device>()));
        services.AddSingleton(CreateTrigger);

        // Sinks, in the order they get each result: a new output is one class and one line here.
        services.AddSingleton<IResultSink, GpioOutputSink>();
        // The durable outbox by default (<state directory>/outbox; opened only with MQTT); Outbox:Kind=memory keeps
        // events in memory only. Its keys are checked either way.
        services.AddOutbox(configuration, sp => Get<StationOptions>(sp).StateDir);
        var mqtt = configuration.GetSection(MqttOptions.Section);
        var mqttEnabled = !bool.TryParse(mqtt["Enabled"], out var enabled) || enabled;
        if (mqttEnabled)
        {
            services.AddSingleton<IResultSink, MqttEventSink>();
        }

        if (bool.TryParse(configuration[$"{StationOptions.Section}:PrintEvents"], out var print) && print)
        {
            services.AddSingleton<IResultSink, ConsoleSink>();
        }

        // After the MQTT event sink: a snapshot names the event id it assigned.
        if (!bool.TryParse(configuration[$"{SnapshotsOptions.Section}:Enabled"], out var snapshots) || snapshots)
        {
            services.AddSingleton(sp => new SnapshotSink(
                Get<SnapshotsOptions>(sp),
                Path.Combine(StateDirectory.Resolve(Get<StationOptions>(sp).StateDir, Environment.GetEnvironmentVariable), "snapshots"),
                Get<StationOptions>(sp).Id,
                sp.GetService<MqttNotices>(),
                sp.GetRequiredService<ILogger<SnapshotSink>>(),
                sp.GetRequiredService<RunState>().Health));
            services.AddSingleton<IResultSink>(sp => sp.GetRequiredService<SnapshotSink>());
        }

        if (mqttEnabled)
        {
            services.TryAddSingleton<StationClientKey>();
        }

        // Capture:Enabled: frames for the dataset folder (a sink, its encoder, cmd/capture).
        services.AddCapture(configuration, sp => Get<StationOptions>(sp).StateDir);

        if (mqttEnabled && string.IsNullOrEmpty(mqtt["Host"]))
        {
            services.AddHostedService<EmbeddedBrokerService>();
        }

        services.AddHostedService<GpioService>();
        if (mqttEnabled)
        {
            // MQTT commands: a new one is one IMqttCommand class and one line here (docs/mqtt.md lists them).
            services.TryAddSingleton(sp => new StationTopics(Get<StationOptions>(sp).Id));
            services.TryAddSingleton<MqttNotices>();
            services.TryAddSingleton<CommandErrors>();
            services.AddSingleton<IMqttCommand, TriggerCommand>();
            services.AddSingleton<IMqttCommand, GpioCommand>();
            services.AddSingleton<SetCommand>();
            services.AddSingleton<IMqttCommand>(sp => sp.GetRequiredService<SetCommand>());
            services.AddSingleton<IMqttConnectHook>(sp => sp.GetRequiredService<SetCommand>());
            services.AddSingleton<HomeAssistantDiscovery>();
            if (!bool.TryParse(mqtt["Discovery"], out var discovery) || discovery)
            {
                services.AddSingleton<IMqttConnectHook>(sp => sp.GetRequiredService<HomeAssistantDiscovery>());
                services.AddSingleton<IMqttCommand, HomeAssistantStatusCommand>();
            }

            services.AddSingleton<ModelCommand>();
            services.AddSingleton<IMqttCommand>(sp => sp.GetRequiredService<ModelCommand>());
            services.AddSingleton<IMqttConnectHook>(sp => sp.GetRequiredService<ModelCommand>());
            services.AddSingleton<MqttCommands>();
            services.AddHostedService<MqttPublisherService>();
        }

        services.AddHostedService<InspectionLoop>();
        services.AddHostedService<CaptureService>();
        services.AddHostedService<FrameWatch>();
        services.AddSystemdWatchdog(); // last: READY=1 once everything above has started
        return services;
    }

    private static void AddGpio(IServiceCollection services)
    {
        services.AddSingleton(sp => new SimulatedGpioDriver(sp.GetRequiredService<TimeProvider>(), Get<GpioOptions>(sp).PinCount));
        services.AddSingleton(sp => GpioControllerFactory.Create(
            Get<GpioOptions>(sp), sp.GetRequiredService<SimulatedGpioDriver>(), sp.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(GpioController).FullName!)));
        services.AddSingleton(sp => new SimulatedGpio(
            GpioControllerFactory.UsesSimulated(Get<GpioOptions>(sp)) ? sp.GetRequiredService<SimulatedGpioDriver>() : null, Get<GpioOptions>(sp).PinCount));
        services.AddSingleton(sp => new OutputBank(
            sp.GetRequiredService<GpioController>(),
            Get<OutputsOptions>(sp).Items,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<RunState>().Latency,
            sp.GetRequiredService<SimulatedGpio>().Driver is null ? null : sp.GetRequiredService<ILoggerFactory>().CreateLogger<OutputBank>()));
    }

    /// <summary>The configured trigger: a new kind is one class and one case here.</summary>
    private static ITriggerSource CreateTrigger(IServiceProvider sp)
    {
        var o = Get<TriggerOptions>(sp);
        var slot = sp.GetRequiredService<LatestFrameSlot>();
        var time = sp.GetRequiredService<TimeProvider>();
        ITriggerSource trigger = o.Kind switch
        {
            TriggerKind.Continuous => new ContinuousTrigger(slot, o.Rate, time, sp.GetRequiredService<LiveSettings>()),
            TriggerKind.Gpio => new GpioTrigger(sp.GetRequiredService<GpioController>(), o, sp.GetRequiredService<TriggerQueue>(), time),
            TriggerKind.Mqtt => new MqttTrigger(sp.GetRequiredService<TriggerQueue>()),
            _ => throw new ArgumentOutOfRangeException(nameof(sp), o.Kind, "unknown trigger kind"),
        };
        slot.CountsDrops = trigger.CountsDrops;
        return trigger;
    }

    private static T Get<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] T>(IServiceProvider sp)
        where T : class => sp.GetRequiredService<IOptions<T>>().Value;
}

/// <summary>Builds everything that can fail on bad input, in the order a user would fix it: every section's
/// settings (all problems reported together), model and labels, decision rules, frame source, GPIO driver, trigger.
/// Run before the host starts, so no connection is made and no pin is driven when any of it is wrong.</summary>
internal static class StartupCheck
{
    public static void Run(IServiceProvider services)
    {
        var failures = new List<string>();
        Validate<StationOptions>(services, failures);
        Validate<ModelOptions>(services, failures);
        Validate<SourceOptions>(services, failures);
        Validate<TriggerOptions>(services, failures);
        Validate<DecisionOptions>(services, failures);
        Validate<OutputsOptions>(services, failures);
        Validate<GpioOptions>(services, failures);
        Validate<MqttOptions>(services, failures);
        Validate<OutboxOptions>(services, failures);
        Validate<SnapshotsOptions>(services, failures);
        Validate<CaptureOptions>(services, failures);
        Validate<StationTrainingOptions>(services, failures);
        if (failures.Count > 0)
        {
            throw new OptionsValidationException("station", typeof(StationOptions), failures.Distinct());
        }

        _ = services.GetRequiredService<LiveSettings>(); // a saved settings file that cannot be read stops here
        _ = services.GetRequiredService<Inspector>();
        _ = services.GetRequiredService<IModelDeployer>();
        _ = services.GetRequiredService<IFrameSource>();
        _ = services.GetRequiredService<GpioController>();
        _ = services.GetRequiredService<ITriggerSource>();
        _ = services.GetService<DatasetStore>(); // with Capture:Enabled: reads the dataset folder; a bad Capture:Dir stops here
        if (services.GetRequiredService<IOptions<MqttOptions>>().Value.Enabled)
        {
            _ = services.GetRequiredService<IOutboxStore>(); // opens (and recovers) the outbox; a bad Station:StateDir stops here
        }
    }

    private static void Validate<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] T>(IServiceProvider services, List<string> failures)
        where T : class
    {
        try
        {
            _ = services.GetRequiredService<IOptions<T>>().Value;
        }
        catch (OptionsValidationException e)
        {
            failures.AddRange(e.Failures);
        }
    }
}
