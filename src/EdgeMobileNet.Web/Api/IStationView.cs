namespace EdgeMobileNet.Web.Api;

/// <summary>What the web side reads from, and may ask of, the running station.</summary>
internal interface IStationView
{
    string StationId { get; }

    string RunId { get; }

    HealthDto Health();

    CountersDto Counters();

    MqttDto Mqtt();

    ModelDto Model();

    TriggerDto Trigger();

    GpioDto Gpio();

    /// <summary>The simulated driver is active: the page may fire the trigger input and pulse outputs.</summary>
    bool Commissioning { get; }

    /// <summary>Fires the trigger input once (its configured edge, then back). False when there is no gpio trigger.</summary>
    Task<bool> FireTriggerAsync(CancellationToken cancellationToken);

    /// <summary>Drives an output pin to its active level for <paramref name="ms"/>, then back. False for a pin that
    /// is not an output of the station.</summary>
    Task<bool> PulseAsync(int pin, int ms, CancellationToken cancellationToken);
}
