namespace EdgeMobileNet.Training;

/// <summary>What to train. Paths are the user's; everything else has a default that works for a few hundred
/// images per class.</summary>
public sealed record TrainingOptions
{
    public required string Backbone { get; init; }

    public required string Data { get; init; }

    /// <summary>Embedding cache folder; null disables caching.</summary>
    public string? CacheDir { get; init; }

    /// <summary>"auto" (default: finetune when every class has at least <see cref="TrainingPipeline.FineTuneMinPerClass"/>
    /// images, else linear), "finetune" (last 1x1 convolution and head), "linear" (frozen convolution, new head),
    /// "centroid" (nearest class mean, for one to five images per class).</summary>
    public string Method { get; init; } = "auto";

    /// <summary>Cross-validation folds for the held-out figures (0: none).</summary>
    public int Folds { get; init; } = 5;

    /// <summary>Generalised-mean pooling power (1 = global average pooling).</summary>
    public int Power { get; init; } = 1;

    /// <summary>Adds the mirrored view of every training image (when <see cref="Augment"/> is "auto"; false there
    /// means no augmentation).</summary>
    public bool Mirror { get; init; } = true;

    /// <summary>Extra training views embedded from changed photos: "auto" (default: "mirror", or "none" when
    /// <see cref="Mirror"/> is false), "none", or a comma-separated list of "mirror", "rotate", "crop", "bright";
    /// "full" is all four (see docs/training.md: measured, the extra views beyond the mirror did not pay).</summary>
    public string Augment { get; init; } = "auto";

    /// <summary>Resize the whole image to the model's input (no centre crop), keeping the whole part in view.</summary>
    public bool FullView { get; init; } = true;

    public double MaxFalseReject { get; init; } = 0.01;

    public double? MaxMissed { get; init; }

    /// <summary>The class a threshold is chosen for (a defect class); null = the first class in name order.</summary>
    public string? RejectClass { get; init; }

    /// <summary>Only the first N images of each class (name order); null = all.</summary>
    public int? PerClass { get; init; }

    /// <summary>With <see cref="PerClass"/>: the images after the first N of each class are a test set the final
    /// model is measured on (a second held-out figure beside the cross-validation; their plain view is embedded and
    /// cached like the training images').</summary>
    public bool TestRest { get; init; }

    public string Engine { get; init; } = "managed";

    /// <summary>One blocking, compacting full garbage collection at each stage boundary (steadier peak memory for the
    /// `train` command). Off where the process does other timed work, such as a station classifying while it trains:
    /// a blocking collection pauses every thread.</summary>
    public bool CompactBetweenStages { get; init; } = true;

    public TrainerSettings Settings { get; init; } = new();
}
