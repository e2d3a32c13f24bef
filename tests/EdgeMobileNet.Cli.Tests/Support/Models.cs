using EdgeMobileNet.Tests.Common;
using Xunit;

namespace EdgeMobileNet.Cli.Tests.Support;

/// <summary>The three shared models with the tag their reference outputs carry.</summary>
public static class Models
{
    public static readonly TheoryData<string> Tags = new("zoo_int8", "tv_qdq", "dequant_fp32");

    public static string PathOf(string tag) => tag switch
    {
        "zoo_int8" => TestAssets.ZooInt8,
        "tv_qdq" => TestAssets.TorchvisionQdq,
        "dequant_fp32" => TestAssets.DerivedFloat,
        _ => throw new ArgumentOutOfRangeException(nameof(tag), tag, null),
    };

    public static bool IsFloat(string tag) => tag == "dequant_fp32";

    /// <summary>Reference input tensors and the output file stem they pair with, including the tract tensor.</summary>
    public static IEnumerable<(string Input, string OutputStem)> ReferenceInputs()
    {
        var inputs = TestAssets.Require("models/reference/inputs");
        foreach (var file in Directory.EnumerateFiles(inputs, "*_input_f32_*.npy").Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(file);
            yield return (file, name[..name.IndexOf("_input_f32_", StringComparison.Ordinal)]);
        }

        yield return (Path.Combine(TestAssets.Images, "grace_hopper_1x3x224x224_tract.npy"), "grace_hopper_tract");
    }

    public static string ReferenceOutput(string stem, string tag) =>
        TestAssets.Require($"models/reference/outputs/{stem}__{tag}_logits.npy");
}
