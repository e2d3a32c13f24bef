namespace EdgeMobileNet.Capture.Frames;

/// <summary>
/// Capture timestamps are CLOCK_MONOTONIC nanoseconds: the clock V4L2 stamps buffers with
/// (V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC), the clock libgpiod stamps edge events with by default, and the clock behind
/// <see cref="TimeProvider.System"/>'s timestamps on Linux. Comparing a frame's time with an edge's time is then a
/// plain comparison of two numbers.
/// </summary>
internal static class MonotonicClock
{
    public static long Nanoseconds(TimeProvider time) => ToNanoseconds(time.GetTimestamp(), time.TimestampFrequency);

    public static long ToNanoseconds(long timestamp, long frequency) =>
        frequency == 1_000_000_000 ? timestamp : (long)((Int128)timestamp * 1_000_000_000 / frequency);

    /// <summary>The <see cref="TimeProvider"/> timestamp of a monotonic nanosecond time (the inverse of <see cref="Nanoseconds"/>).</summary>
    public static long ToTimestamp(long nanoseconds, TimeProvider time) =>
        time.TimestampFrequency == 1_000_000_000 ? nanoseconds : (long)((Int128)nanoseconds * time.TimestampFrequency / 1_000_000_000);
}
