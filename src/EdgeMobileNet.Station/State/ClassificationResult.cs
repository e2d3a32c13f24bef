namespace EdgeMobileNet.Station.State;

/// <summary>One classification as the loop hands it to the sinks. The loop reuses one instance from frame to frame
/// (no allocation per frame): a sink that keeps anything copies it (<see cref="ToSnapshot"/>).</summary>
public sealed class ClassificationResult
{
    public ClassificationResult(int topK, IReadOnlyList<string> labels)
    {
        TopIndex = new int[topK];
        TopScore = new float[topK];
        Labels = labels;
    }

    /// <summary>The class names of the model that made this classification, by output index (a model deployment
    /// replaces them between two classifications).</summary>
    public IReadOnlyList<string> Labels { get; internal set; }

    /// <summary>Lower-case hex SHA-256 of the model file that made this classification.</summary>
    public string ModelSha256 { get; internal set; } = "";

    /// <summary>Classifications in this run, from 1.</summary>
    public long Number { get; set; }

    public DateTimeOffset Time { get; set; }

    /// <summary>What asked for this classification: continuous, gpio, mqtt, …</summary>
    public string Trigger { get; set; } = "";

    /// <summary><see cref="TimeProvider"/> timestamp of the trigger (when the part was seen).</summary>
    public long TriggerTimestamp { get; set; }

    public long FrameSequence { get; set; }

    public int Index { get; set; }

    public string Label => Labels[Index];

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

    /// <summary>The `event` id (`&lt;stream&gt;-&lt;sequence&gt;`) once the MQTT event sink has appended the event to
    /// the outbox; null before that, without MQTT, or when the write was refused. Sinks registered after the event
    /// sink (snapshots) use it to tie their output to the event.</summary>
    public string? EventId { get; set; }

    /// <summary>The frame classified; valid only while the sinks have the result (the buffer is recycled).</summary>
    internal Frames.FrameBuffer? Frame { get; set; }

    public ResultSnapshot ToSnapshot() => new(
        Number, Time, Trigger, FrameSequence, Label, Index, Score,
        [.. Enumerable.Range(0, TopCount).Select(i => new ClassScore(TopIndex[i], Labels[TopIndex[i]], TopScore[i]))],
        Verdict.Name(), CaptureMs, PreprocessMs, InferenceMs, TotalMs);
}

/// <summary>One class and its score.</summary>
public sealed record ClassScore(int Index, string Label, float Score);

/// <summary>An immutable copy of one classification, for observers (latest result, web page, metrics).</summary>
public sealed record ResultSnapshot(
    long Number, DateTimeOffset Time, string Trigger, long FrameSequence, string Label, int Index, float Score,
    IReadOnlyList<ClassScore> Top, string Verdict, double CaptureMs, double PreprocessMs, double InferenceMs, double TotalMs);
