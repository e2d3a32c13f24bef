using System.Text.Json;
using EdgeMobileNet.Tests.Common;

namespace EdgeMobileNet.Web.Tests.Support;

/// <summary>Prometheus' own text-format parser (the `prometheus_client` Python package, Debian's
/// python3-prometheus-client): reads a scrape and returns its metric families as JSON.</summary>
internal static class PrometheusParser
{
    private const string Python = "/usr/bin/python3";

    private const string Script = """
        import json, sys
        from prometheus_client.parser import text_string_to_metric_families
        out = {}
        for f in text_string_to_metric_families(sys.stdin.read()):
            out[f.name] = {"type": f.type, "samples": [{"name": s.name, "labels": s.labels, "value": s.value} for s in f.samples]}
        print(json.dumps(out))
        """;

    public static void Require()
    {
        if (File.Exists(Python) && ChildProcess.RunAsync(Python, ["-c", "import prometheus_client"], TimeSpan.FromSeconds(30)).GetAwaiter().GetResult().ExitCode == 0)
        {
            return;
        }

        if (TestAssets.IsCi)
        {
            Assert.Fail("python3-prometheus-client is missing (apt-get install python3-prometheus-client)");
        }

        Assert.Skip("python3-prometheus-client is not installed");
    }

    /// <summary>Family name → {type, samples[{name, labels, value}]}. A malformed scrape fails the parse.</summary>
    public static async Task<JsonElement> ParseAsync(string text)
    {
        var input = Path.Combine(TestAssets.NewTempDir(), "metrics.txt");
        await File.WriteAllTextAsync(input, text);
        var (code, stdout, stderr) = await ChildProcess.RunAsync("/bin/sh", ["-c", $"{Python} -c \"$0\" < \"$1\"", Script, input], TimeSpan.FromSeconds(60));
        Assert.True(code == 0, $"the Prometheus parser rejected the scrape: {stderr}");
        using var doc = JsonDocument.Parse(stdout);
        return doc.RootElement.Clone();
    }
}
