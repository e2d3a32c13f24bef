using System.Runtime;

namespace EdgeMobileNet.Training;

public static partial class TrainingPipeline
{
    /// <summary>
    /// Each stage leaves tens of megabytes of large arrays behind: embedding (a cold cache) decodes every photo into
    /// RGBA and RGB buffers and disposes its engine; each fine-tuning fit allocates its weight copies, Adam moments,
    /// gradients and mini-batch products (about 30 MB) and each fold exports and runs an int8 head. Arrays of 85 kB
    /// and more live on the large object heap, which only a full collection frees and none compacts by default, so
    /// when and where the next stage's arrays land depends on the collector's timing: the same command peaked
    /// anywhere between 246 and 324 MB. One blocking, compacting collection of every generation (large objects
    /// included) at each stage boundary (after embedding, before each fold and before the final fit: seven per
    /// default run) starts every stage from the live data alone. It changes no result. Off with
    /// <see cref="TrainingOptions.CompactBetweenStages"/> false (the station's training job).
    /// </summary>
    private static void ReleaseStageMemory(TrainingOptions options)
    {
        if (!options.CompactBetweenStages)
        {
            return;
        }

        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
    }
}
