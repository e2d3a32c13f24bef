using EdgeMobileNet.Station.State;

namespace EdgeMobileNet.Station.Sinks;

/// <summary>
/// Somewhere a result goes: the loop hands every classification, in order, to each registered sink (GPIO outputs,
/// the MQTT event, the console line, …) after recording it in <see cref="RunState"/>. A new output is one class and
/// one registration (<c>services.AddSingleton&lt;IResultSink, MySink&gt;()</c>).
/// </summary>
/// <remarks>Called on the classifier loop's thread: a sink must not block (queue slow work). The result object is
/// reused for the next frame; keep <see cref="ClassificationResult.ToSnapshot"/> if you need it later. An exception
/// from a sink is a pipeline fault.</remarks>
public interface IResultSink
{
    void Accept(ClassificationResult result);
}
