using System.Security.Cryptography;
using EdgeMobileNet.ModelTools.Catalogue;
using EdgeMobileNet.Tests.Common;

namespace EdgeMobileNet.ModelTools.Tests.Catalogue;

/// <summary>`models pull` against a real HTTP server on loopback serving a shared model.</summary>
public sealed class PullCommandTests : IDisposable
{
    private readonly LoopbackFileServer _server = new();

    public void Dispose() => _server.Dispose();

    private static string Sha(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));

    [Fact]
    public void A_url_with_the_right_hash_is_saved_and_progress_is_shown()
    {
        var bytes = File.ReadAllBytes(TestAssets.ZooInt8);
        var url = _server.Add("models/zoo-int8.onnx", bytes);
        var dir = TestAssets.NewTempDir();

        var (code, output, error) = Verb.Run("models", "pull", url.ToString(), "--sha256", Sha(bytes).ToUpperInvariant(), "--out", dir);

        Assert.True(code == 0, error);
        var saved = Path.Combine(dir, "zoo-int8.onnx");
        Assert.Equal(bytes, File.ReadAllBytes(saved));
        Assert.False(File.Exists(saved + ModelDownloader.PartialSuffix));
        Assert.Equal($"{saved}: {bytes.Length} bytes, sha256 {Sha(bytes)} (verified) from {url}", output.TrimEnd());
        Assert.Matches(@"zoo-int8\.onnx: 3\.7/3\.7 MB \([0-9.]+ MB/s, ETA 0 s\)", error);

        // A second pull finds the good file and downloads nothing.
        var before = _server.Requests.Count;
        (code, output, _) = Verb.Run("models", "pull", url.ToString(), "--sha256", Sha(bytes), "--out", dir);
        Assert.Equal(0, code);
        Assert.Contains("(already present, verified)", output);
        Assert.Equal(before, _server.Requests.Count);
    }

    [Fact]
    public void A_wrong_hash_exits_2_with_one_line_and_keeps_nothing()
    {
        var bytes = File.ReadAllBytes(TestAssets.ZooInt8);
        var url = _server.Add("zoo.onnx", bytes);
        var dir = TestAssets.NewTempDir();
        var wrong = new string('0', 64);

        var (code, output, error) = Verb.Run("models", "pull", url.ToString(), "--sha256", wrong, "--out", dir);

        Assert.Equal(2, code);
        Assert.Equal("", output);
        var line = Assert.Single(Verb.Lines(error), l => l.StartsWith("edgemobilenet:", StringComparison.Ordinal));
        Assert.Equal($"edgemobilenet: {url}: sha256 mismatch: expected {wrong}, got {Sha(bytes)}; the download was discarded", line);
        Assert.Empty(Directory.GetFiles(dir));
    }

    [Fact]
    public void An_interrupted_transfer_is_resumed_with_a_range_request()
    {
        var bytes = File.ReadAllBytes(TestAssets.ZooInt8);
        var url = _server.Add("zoo.onnx", bytes);
        var dir = TestAssets.NewTempDir();
        var partial = Path.Combine(dir, "zoo.onnx" + ModelDownloader.PartialSuffix);
        _server.CutAfter = 1_000_000;

        var (code, _, error) = Verb.Run("models", "pull", url.ToString(), "--sha256", Sha(bytes), "--out", dir);

        Assert.Equal(2, code);
        var line = Assert.Single(Verb.Lines(error), l => l.StartsWith("edgemobilenet:", StringComparison.Ordinal));
        Assert.Contains("transfer interrupted after", line);
        Assert.Contains("run the same command again to resume", line);
        Assert.False(File.Exists(Path.Combine(dir, "zoo.onnx")));
        var kept = new FileInfo(partial).Length;
        Assert.InRange(kept, 1, 1_000_000);
        Assert.Equal(bytes.AsSpan(0, (int)kept).ToArray(), File.ReadAllBytes(partial));

        string output;
        (code, output, error) = Verb.Run("models", "pull", url.ToString(), "--sha256", Sha(bytes), "--out", dir);

        Assert.True(code == 0, error);
        Assert.Contains($"(resumed at {kept} bytes, verified)", output);
        Assert.Equal(bytes, File.ReadAllBytes(Path.Combine(dir, "zoo.onnx")));
        Assert.False(File.Exists(partial));
        Assert.Equal($"bytes={kept}-", _server.Requests.Last().Range);
    }

    [Fact]
    public void A_server_that_ignores_ranges_is_read_again_from_the_start()
    {
        var bytes = File.ReadAllBytes(TestAssets.ZooInt8);
        var url = _server.Add("zoo.onnx", bytes);
        var dir = TestAssets.NewTempDir();
        File.WriteAllBytes(Path.Combine(dir, "zoo.onnx" + ModelDownloader.PartialSuffix), new byte[4096]); // stale, wrong bytes
        _server.HonourRange = false;

        var (code, output, error) = Verb.Run("models", "pull", url.ToString(), "--sha256", Sha(bytes), "--out", dir);

        Assert.True(code == 0, error);
        Assert.Contains("(verified)", output);
        Assert.Equal(bytes, File.ReadAllBytes(Path.Combine(dir, "zoo.onnx")));
    }

    [Fact]
    public void A_catalogue_name_is_fetched_from_the_mirror_and_checked_against_the_catalogue_hash()
    {
        var entry = ModelCatalogue.Find("mobilenetv2-12-int8")!;
        var bytes = File.ReadAllBytes(TestAssets.ZooInt8);
        Assert.Equal(entry.Sha256, Sha(bytes));
        Assert.Equal(entry.Bytes, bytes.Length);
        _server.Add("site-mirror/" + entry.FileName, bytes);
        var dir = TestAssets.NewTempDir();

        var (code, output, error) = Verb.Run("models", "pull", "mobilenetv2-12-int8", "--mirror", new Uri(_server.BaseUrl, "site-mirror").ToString(), "--out", dir);

        Assert.True(code == 0, error);
        Assert.Equal(bytes, File.ReadAllBytes(Path.Combine(dir, entry.FileName)));
        Assert.Contains($"from {_server.BaseUrl}site-mirror/{entry.FileName}", output);
    }

    [Fact]
    public void The_catalogue_lists_the_zoo_models_with_their_hashes_and_labels_match_the_shared_file()
    {
        var (code, output, _) = Verb.Run("models", "pull");
        Assert.Equal(0, code);
        foreach (var e in ModelCatalogue.Entries)
        {
            Assert.Contains(e.Url, output);
            Assert.Contains(e.Sha256, output);
        }

        Assert.Contains("mobilenetv2-12 ", output);
        var synset = ModelCatalogue.Find("synset")!;
        Assert.Equal(synset.Sha256, Sha(File.ReadAllBytes(TestAssets.Synset)));
    }

    [Theory]
    [InlineData("resnet50", "edgemobilenet: 'resnet50' is neither a catalogue name (mobilenetv2-12-int8, mobilenetv2-12, synset) nor an http(s) URL")]
    [InlineData("http://127.0.0.1:9/m.onnx", "edgemobilenet: http://127.0.0.1:9/m.onnx: --sha256 is required for a URL (the file is kept only when its hash matches)")]
    public void Bad_sources_exit_2_with_one_line(string source, string message)
    {
        var (code, _, error) = Verb.Run("models", "pull", source, "--out", TestAssets.NewTempDir());
        Assert.Equal(2, code);
        Assert.Equal(message, Assert.Single(Verb.Lines(error)));
    }

    [Fact]
    public void A_missing_file_on_the_server_exits_2_naming_the_url()
    {
        var url = new Uri(_server.BaseUrl, "nothing.onnx");
        var (code, _, error) = Verb.Run("models", "pull", url.ToString(), "--sha256", new string('a', 64), "--out", TestAssets.NewTempDir());
        Assert.Equal(2, code);
        Assert.Equal($"edgemobilenet: {url}: HTTP 404 Not Found", Assert.Single(Verb.Lines(error)));
    }
}
