using EdgeMobileNet.Station.Decisions;

namespace EdgeMobileNet.Station.Pipeline;

/// <summary>One classification, reused from frame to frame by the pipeline (no allocation per frame).</summary>
internal sealed class ClassificationResult
{
    public ClassificationResult(int topK)
    {
        TopIndex = new int[topK];
        TopScore = new float[topK];
    }

    public long Number { get; set; }

    public DateTimeOffset Time { get; set; }

    public string Trigger { get; set; } = "";

    public long FrameSequence { get; set; }

    public int Index { get; set; }

    public float Score { get; set; }

    /// <summary>Best classes first; <see cref="TopCount"/> entries are valid.</summary>
    public int[] TopIndex { get; }

    public float[] TopScore { get; }

    public int TopCount { get; set; }

    public Verdict Verdict { get; set; }

    public double CaptureMs { get; set; }

    public double PreprocessMs { get; set; }

    public double InferenceMs { get; set; }

    public double TotalMs { get; set; }
}
