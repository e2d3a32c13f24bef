namespace EdgeMobileNet.ModelTools.Catalogue;

/// <summary>A well-known downloadable file: where it lives upstream, what it must hash to.</summary>
/// <param name="Name">Name for `models pull NAME`.</param>
/// <param name="FileName">Name it is saved under (and looked up under on a mirror).</param>
/// <param name="Url">Upstream address.</param>
/// <param name="Sha256">Lower-case hex SHA-256 of the exact bytes.</param>
/// <param name="Bytes">Size in bytes.</param>
/// <param name="Description">One line for the listing.</param>
public sealed record CatalogueEntry(string Name, string FileName, string Url, string Sha256, long Bytes, string Description);

/// <summary>The models (and label files) `models pull` knows by name. Hashes and sizes: docs/models.md says where each
/// was checked.</summary>
public static class ModelCatalogue
{
    private const string Zoo = "https://github.com/onnx/models/raw/main/validated/vision/classification";

    public static IReadOnlyList<CatalogueEntry> Entries { get; } =
    [
        new("mobilenetv2-12-int8", "mobilenetv2-12-int8.onnx", $"{Zoo}/mobilenet/model/mobilenetv2-12-int8.onnx",
            "cc028fe6cae7bc11a4ff53cfc9b79c920e8be65ce33a904ec3e2a8f66d77f95f", 3_655_033,
            "ONNX Model Zoo MobileNetV2-1.0 int8 (QOperator, uint8 activations), ImageNet, Apache-2.0"),
        new("mobilenetv2-12", "mobilenetv2-12.onnx", $"{Zoo}/mobilenet/model/mobilenetv2-12.onnx",
            "c0c3f76d93fa3fd6580652a45618618a220fced18babf65774ed169de0432ad5", 13_964_571,
            "ONNX Model Zoo MobileNetV2-1.0 float32, ImageNet, Apache-2.0"),
        new("synset", "synset.txt", $"{Zoo}/synset.txt",
            "acf75ef0abe89694b19056e0796401068b459c457baa30335f240c7692857355", 31_675,
            "ImageNet class names in model order (1000 lines), for --labels"),
    ];

    public static CatalogueEntry? Find(string name) =>
        Entries.FirstOrDefault(e => string.Equals(e.Name, name, StringComparison.OrdinalIgnoreCase));
}
