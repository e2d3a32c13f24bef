namespace EdgeMobileNet.Inference.Engines.Managed.Planning;

/// <summary>Planner choices that do not change results (tests compare plans made with and without them).</summary>
internal sealed record PlanOptions
{
    public static readonly PlanOptions Default = new();

    /// <summary>Compute inverted-residual blocks in row strips (<see cref="Operators.InvertedResidualOperator"/>).</summary>
    public bool Strips { get; init; } = true;

    /// <summary>Output rows per strip; null picks per block from <see cref="StripTargetBytes"/>.</summary>
    public int? StripRows { get; init; }

    /// <summary>Expanded bytes one strip aims at (see <see cref="PlanBuilder.StripRowsFor"/>).</summary>
    public int StripTargetBytes { get; init; } = 48 << 10;

    /// <summary>Independent row ranges per fused block (one per worker thread).</summary>
    public int Lanes { get; init; } = 1;
}
