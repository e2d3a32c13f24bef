using System.Globalization;
using EdgeMobileNet.Station.State;

namespace EdgeMobileNet.Station.Sinks;

/// <summary>One line per result on stdout (Station:PrintEvents, on in the demo); logs go to stderr.</summary>
internal sealed class ConsoleSink : IResultSink
{
    public void Accept(ClassificationResult r) => Console.Out.WriteLine(string.Create(
        CultureInfo.InvariantCulture,
        $"#{r.Number,-5} frame {r.FrameSequence,-6} {r.Label,-12} {r.Score,6:0.000}  → {r.Verdict.Name(),-7} {r.TotalMs,7:0.0} ms (inference {r.InferenceMs:0.0} ms)"));
}
