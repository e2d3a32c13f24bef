using System.CommandLine;
using System.Globalization;
using EdgeMobileNet.Cli;
using EdgeMobileNet.Inference;
using EdgeMobileNet.ModelTools.Catalogue;

namespace EdgeMobileNet.Commands;

/// <summary>`models pull`: a catalogue model or any URL with its hash, resumable, verified before it is kept.</summary>
internal static class ModelsPullCommand
{
    /// <summary>Default for --mirror (a site's internal copy of the upstream files).</summary>
    public const string MirrorVariable = "EDGEMOBILENET_MODEL_MIRROR";

    public static Command Create()
    {
        var source = new Argument<string?>("NAME|URL") { Description = "A catalogue name (run without it for the list) or an http(s) URL", Arity = ArgumentArity.ZeroOrOne };
        var sha = new Option<string?>("--sha256") { Description = "Expected SHA-256 (required for a URL; overrides the catalogue's)" };
        var output = new Option<string>("--out") { Description = "Folder to save into", DefaultValueFactory = _ => "." };
        var mirror = new Option<string?>("--mirror") { Description = $"Base URL of a mirror holding the files under their names (default: ${MirrorVariable})" };
        var command = new Command("pull", "Download a well-known model or any URL, resumable, SHA-256 verified") { source, sha, output, mirror };
        command.SetAction(parse => Run(parse, parse.GetValue(source), parse.GetValue(sha), parse.GetValue(output)!, parse.GetValue(mirror) ?? Environment.GetEnvironmentVariable(MirrorVariable)));
        return command;
    }

    private static int Run(ParseResult parse, string? source, string? sha, string directory, string? mirror)
    {
        var stdout = parse.Out();
        if (source is null)
        {
            foreach (var e in ModelCatalogue.Entries)
            {
                stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{e.Name,-22} {e.Bytes / 1e6,6:F1} MB  {e.Description}"));
                stdout.WriteLine($"{"",-22}           {e.Url}");
                stdout.WriteLine($"{"",-22}           sha256 {e.Sha256}");
            }

            return 0;
        }

        if (sha is not null && !ModelDownloader.IsSha256(sha))
        {
            throw new EdgeMobileNetException($"--sha256: '{sha}' is not 64 hexadecimal digits");
        }

        Uri url;
        string fileName;
        string expected;
        if (ModelCatalogue.Find(source) is { } entry)
        {
            url = new Uri(entry.Url);
            fileName = entry.FileName;
            expected = sha ?? entry.Sha256;
        }
        else if (Uri.TryCreate(source, UriKind.Absolute, out var u) && u.Scheme is "http" or "https")
        {
            url = u;
            fileName = Path.GetFileName(Uri.UnescapeDataString(u.AbsolutePath));
            if (fileName.Length == 0 || fileName.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0)
            {
                throw new EdgeMobileNetException($"{source}: the URL does not end in a file name");
            }

            expected = sha ?? throw new EdgeMobileNetException($"{source}: --sha256 is required for a URL (the file is kept only when its hash matches)");
        }
        else
        {
            throw new EdgeMobileNetException($"'{source}' is neither a catalogue name ({string.Join(", ", ModelCatalogue.Entries.Select(e => e.Name))}) nor an http(s) URL");
        }

        if (!string.IsNullOrEmpty(mirror))
        {
            if (!Uri.TryCreate(mirror.TrimEnd('/') + "/", UriKind.Absolute, out var m) || m.Scheme is not ("http" or "https"))
            {
                throw new EdgeMobileNetException($"--mirror: '{mirror}' is not an http(s) URL");
            }

            url = new Uri(m, Uri.EscapeDataString(fileName));
        }

        var stderr = parse.Error();
        var terminal = parse.ShowsProgress();
        var progress = new DownloadLine(stderr, terminal, fileName);
        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        http.DefaultRequestHeaders.UserAgent.ParseAdd("edgemobilenet");
        var result = new ModelDownloader(http).PullAsync(url, expected, directory, fileName, progress).GetAwaiter().GetResult();
        progress.Done();
        var how = result.AlreadyPresent ? "already present, verified"
            : result.ResumedFrom > 0 ? string.Create(CultureInfo.InvariantCulture, $"resumed at {result.ResumedFrom} bytes, verified")
            : "verified";
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{result.Path}: {result.Bytes} bytes, sha256 {result.Sha256} ({how}) from {url}"));
        return 0;
    }

    /// <summary>Bytes, rate and ETA on stderr: in place on a terminal, else a line every 10 %.</summary>
    private sealed class DownloadLine(TextWriter stderr, bool terminal, string name) : IProgress<DownloadProgress>
    {
        private int _decile = -1;
        private bool _written;

        public void Report(DownloadProgress p)
        {
            var of = p.Total is { } t ? string.Create(CultureInfo.InvariantCulture, $"/{t / 1e6:F1}") : "";
            var eta = p.EtaSeconds is { } e ? string.Create(CultureInfo.InvariantCulture, $", ETA {e:F0} s") : "";
            var text = string.Create(CultureInfo.InvariantCulture, $"{name}: {p.Bytes / 1e6:F1}{of} MB ({p.Rate / 1e6:F2} MB/s{eta})");
            if (terminal)
            {
                stderr.Write("\r" + text + "   ");
                _written = true;
                return;
            }

            var decile = p.Total is { } total && total > 0 ? (int)(p.Bytes * 10 / total) : (int)(p.Bytes >> 22);
            if (decile != _decile)
            {
                _decile = decile;
                stderr.WriteLine(text);
            }
        }

        public void Done()
        {
            if (_written)
            {
                stderr.WriteLine();
            }
        }
    }
}
