namespace EdgeMobileNet.ModelBuilder.Reference;

/// <summary>
/// Calibration results per value id: <see cref="Output"/> is the value itself (after activation);
/// <see cref="BeforeActivation"/> is a conv's output before its activation, or the classifier's product before bias.
/// </summary>
internal sealed record CalibrationRanges(ValueRange[] Output, ValueRange[] BeforeActivation);
