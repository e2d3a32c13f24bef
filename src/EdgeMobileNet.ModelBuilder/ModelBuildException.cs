using EdgeMobileNet.Inference;

namespace EdgeMobileNet.ModelBuilder;

/// <summary>A bad builder argument or calibration input; the message names the option or file.</summary>
public sealed class ModelBuildException(string message) : EdgeMobileNetException(message);
