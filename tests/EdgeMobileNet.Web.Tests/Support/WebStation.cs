using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using EdgeMobileNet.Station.Tests.Support;
using EdgeMobileNet.Tests.Common;

namespace EdgeMobileNet.Web.Tests.Support;

/// <summary>The real `edgemobilenet run --demo` as a child process with its page on a free loopback port (its own
/// MQTT port too), and an HTTP client for it.</summary>
internal sealed partial class WebStation : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private WebStation(ChildProcess process, int port, string? token)
    {
        Process = process;
        Port = port;
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(20) };
        if (token is not null)
        {
            Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
    }

    public ChildProcess Process { get; }

    public int Port { get; }

    /// <summary>Always 127.0.0.1, whatever the station binds.</summary>
    public string BaseUrl => $"http://127.0.0.1:{Port}";

    public HttpClient Http { get; }

    /// <summary>Starts the demo with the page on <paramref name="port"/> (a free one when 0) and waits until the
    /// page's address is printed.</summary>
    public static async Task<WebStation> StartAsync(IEnumerable<string>? extraArgs = null, int port = 0, string bind = "127.0.0.1", string? token = null, string[]? cpus = null, int? mqttPort = null, IDictionary<string, string>? environment = null)
    {
        port = port == 0 ? FreePort.Next() : port;
        string[] args =
        [
            "run", "--demo",
            "--Web:Urls", $"http://{bind}:{port}",
            "--Mqtt:Port", (mqttPort ?? FreePort.Next()).ToString(System.Globalization.CultureInfo.InvariantCulture),
            .. token is null ? Array.Empty<string>() : ["--Web:Token", token],
            .. extraArgs ?? [],
        ];
        // On request, confined to some CPUs (taskset), so a measurement sees the web server compete with the classifier.
        var process = cpus is null
            ? StationProcess.Start(args, environment)
            : ChildProcess.Start("taskset", ["-c", string.Join(',', cpus), Path.Combine(AppContext.BaseDirectory, "edgemobilenet"), .. args], new Dictionary<string, string> { ["XDG_CACHE_HOME"] = TestAssets.NewTempDir() });
        var station = new WebStation(process, port, token);
        var deadline = DateTime.UtcNow + StartTimeout;
        while (!PageLine().IsMatch(process.Stdout))
        {
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                var stderr = process.Stderr;
                await station.DisposeAsync();
                throw new InvalidOperationException($"the station did not print its page address; stderr:\n{stderr}");
            }

            await Task.Delay(50);
        }

        return station;
    }

    /// <summary>GETs a JSON document (with the token when the station has one); fails on a non-success status.</summary>
    public async Task<System.Text.Json.JsonElement> GetJsonAsync(string path)
    {
        var text = await Http.GetStringAsync(new Uri(path, UriKind.Relative), TestContext.Current.CancellationToken);
        using var doc = System.Text.Json.JsonDocument.Parse(text);
        return doc.RootElement.Clone();
    }

    /// <summary>Polls until <paramref name="condition"/> holds; fails with <paramref name="what"/> on timeout.</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"timed out after {timeout.TotalSeconds:0} s waiting for: {what}");
            }

            await Task.Delay(100);
        }
    }

    public async Task<int> StopAsync()
    {
        Process.Terminate();
        return await Process.WaitForExitAsync(TimeSpan.FromSeconds(15));
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (!Process.HasExited)
        {
            Process.Terminate();
            try
            {
                await Process.WaitForExitAsync(TimeSpan.FromSeconds(10));
            }
            catch (TimeoutException)
            {
                // Killed by the wait.
            }
        }

        Process.Dispose();
    }

    [GeneratedRegex(@"^page: http://\S+/$", RegexOptions.Multiline)]
    private static partial Regex PageLine();
}
