using System.Diagnostics;
using EdgeMobileNet.Inference;
using EdgeMobileNet.Tests.Common;
using EdgeMobileNet.Vision;
using Xunit;

namespace EdgeMobileNet.Capture.Tests.Support;

/// <summary>ffmpeg-made streams from the shared photos, JPEG stream splitting, and a top-1 helper.</summary>
internal static class Media
{
    public static readonly string[] Photos = ["cat.jpg", "dog.jpg", "elephants.jpg", "imagenet_finch.jpeg", "grace_hopper.jpg"];

    /// <summary>Runs ffmpeg and returns its stdout. Under CI a missing ffmpeg fails; locally it skips.</summary>
    public static byte[] Ffmpeg(params string[] args)
    {
        var start = new ProcessStartInfo("ffmpeg") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in (string[])["-hide_banner", "-loglevel", "error", .. args])
        {
            start.ArgumentList.Add(a);
        }

        Process p;
        try
        {
            p = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            if (TestAssets.IsCi)
            {
                Assert.Fail("ffmpeg not found");
            }

            Assert.Skip("ffmpeg not found");
            throw;
        }

        using (p)
        {
            using var ms = new MemoryStream();
            var err = p.StandardError.ReadToEndAsync();
            p.StandardOutput.BaseStream.CopyTo(ms);
            p.WaitForExit();
            Assert.True(p.ExitCode == 0, $"ffmpeg {string.Join(' ', args)}: {err.Result}");
            return ms.ToArray();
        }
    }

    /// <summary>An MJPEG stream (concatenated JPEG images) of the given photos scaled to width×height.</summary>
    public static byte[] MjpegStream(int width, int height, IEnumerable<string> photos)
    {
        var images = TestAssets.Images;
        using var stream = new MemoryStream();
        foreach (var photo in photos)
        {
            stream.Write(Ffmpeg("-i", Path.Combine(images, photo), "-vf", $"scale={width}:{height},format=yuvj422p", "-q:v", "3", "-f", "mjpeg", "-"));
        }

        return stream.ToArray();
    }

    /// <summary>Splits an MJPEG stream into its JPEG images by walking the markers (segment lengths up to the
    /// start of scan, then the entropy-coded data to EOI; 0xFF in scan data is always stuffed or a restart).</summary>
    public static List<byte[]> SplitJpegs(byte[] stream)
    {
        var frames = new List<byte[]>();
        var i = 0;
        while (i + 4 <= stream.Length)
        {
            Assert.True(stream[i] == 0xFF && stream[i + 1] == 0xD8, $"no SOI at {i}");
            var start = i;
            i += 2;
            while (true)
            {
                Assert.Equal(0xFF, stream[i]);
                var marker = stream[i + 1];
                var length = (stream[i + 2] << 8) | stream[i + 3];
                i += 2 + length;
                if (marker == 0xDA)
                {
                    while (!(stream[i] == 0xFF && stream[i + 1] == 0xD9))
                    {
                        i++;
                    }

                    i += 2;
                    break;
                }
            }

            frames.Add(stream[start..i]);
        }

        return frames;
    }

    public static int Top1(IClassifier classifier, Preprocessor preprocessor, RgbImage image)
    {
        preprocessor.Run(image, classifier.InputBuffer);
        var scores = classifier.Run();
        var best = 0;
        for (var i = 1; i < scores.Length; i++)
        {
            if (scores[i] > scores[best])
            {
                best = i;
            }
        }

        return best;
    }

    /// <summary>images/expected_labels.tsv: for each photo, its expected class index and the accepted alternatives.</summary>
    public static Dictionary<string, HashSet<int>> AcceptableLabels()
    {
        var result = new Dictionary<string, HashSet<int>>();
        foreach (var line in File.ReadAllLines(Path.Combine(TestAssets.Images, "expected_labels.tsv")).Skip(1))
        {
            var cols = line.Split('\t');
            var set = new HashSet<int> { int.Parse(cols[1], System.Globalization.CultureInfo.InvariantCulture) };
            foreach (var alt in cols[4].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                var number = new string(alt.TakeWhile(char.IsDigit).ToArray());
                if (number.Length > 0)
                {
                    set.Add(int.Parse(number, System.Globalization.CultureInfo.InvariantCulture));
                }
            }

            result[cols[0]] = set;
        }

        return result;
    }

    public static IClassifier LoadZooModel() =>
        ClassifierFactory.Create(TestAssets.ZooInt8, new ClassifierOptions { Engine = "managed", Threads = 1 });
}
