namespace EdgeMobileNet.Web.Feed;

/// <summary>One classification as the page and `/api/events` show it; an immutable copy of the pipeline's result.</summary>
internal sealed record LiveResult(
    long Number,
    DateTimeOffset Time,
    string Trigger,
    long FrameSequence,
    string Label,
    int Index,
    float Score,
    TopClass[] Top,
    string Verdict,
    double CaptureMs,
    double PreprocessMs,
    double InferenceMs,
    double TotalMs);

internal sealed record TopClass(string Label, int Index, float Score);

/// <summary>The part of a frame the model sees (the centre crop), in frame pixels.</summary>
internal readonly record struct Region(int X, int Y, int Width, int Height);

/// <summary>A JPEG of the frame a result was computed on.</summary>
internal sealed record LiveFrame(long Number, int Width, int Height, Region Roi, byte[] Jpeg);
