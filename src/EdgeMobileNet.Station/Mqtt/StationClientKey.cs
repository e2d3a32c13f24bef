using System.Security.Cryptography;

namespace EdgeMobileNet.Station.Mqtt;

/// <summary>A random key made once per process. The station's own MQTT client sends it (an MQTT 5 user property of
/// CONNECT) to the embedded broker, which admits the station's client id only with it: another local client cannot
/// take the station's session over or publish in its name. Meaningless to an external broker, so not sent there.</summary>
internal sealed class StationClientKey
{
    /// <summary>Name of the CONNECT user property.</summary>
    public const string Property = "edgemobilenet-station-key";

    public string Value { get; } = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>Whether <paramref name="presented"/> is this key (constant time).</summary>
    public bool Matches(string? presented) =>
        presented is not null &&
        CryptographicOperations.FixedTimeEquals(System.Text.Encoding.UTF8.GetBytes(presented), System.Text.Encoding.UTF8.GetBytes(Value));
}
