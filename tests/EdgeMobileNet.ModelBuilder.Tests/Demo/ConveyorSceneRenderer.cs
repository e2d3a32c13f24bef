using EdgeMobileNet.ModelBuilder.Demo;

namespace EdgeMobileNet.ModelBuilder.Tests.Demo;

/// <summary>
/// Test-side renderer of conveyor frames as the station paints them: palette-coloured rectangles and discs on the grey
/// belt, a brightness ramp of up to ±10% across the frame, and per-channel noise of up to ±15. Returns the RGB bytes
/// and the label with the most painted pixels ("empty" for a bare belt).
/// </summary>
internal static class ConveyorSceneRenderer
{
    public static (byte[] Rgb, string Label, double Coverage) Render(int size, Random random)
    {
        var owner = new int[size * size]; // -1 = belt, else part index
        Array.Fill(owner, -1);
        var kind = random.Next(8);
        var parts = kind < 2 ? 0 : kind < 6 ? 1 : 2;
        var colours = Enumerable.Range(0, ColourDemoPalette.Parts.Count).OrderBy(_ => random.Next()).Take(parts).ToArray();
        for (var p = 0; p < parts; p++)
        {
            // The first part covers 10-40% of the frame; a second one is clearly smaller (3-8%).
            var area = p == 0 ? 0.10 + random.NextDouble() * 0.30 : 0.03 + random.NextDouble() * 0.05;
            Paint(owner, size, colours[p], area * size * size, random);
        }

        var counts = new int[ColourDemoPalette.Parts.Count];
        foreach (var o in owner)
        {
            if (o >= 0)
            {
                counts[o]++;
            }
        }

        var best = Array.IndexOf(counts, counts.Max());
        var coverage = counts[best] / (double)(size * size);
        var label = counts[best] == 0 ? ColourDemoPalette.Belt.Label : ColourDemoPalette.Parts[best].Label;

        var rgb = new byte[size * size * 3];
        var shadeX = (random.NextDouble() * 0.2) - 0.1;
        var shadeY = (random.NextDouble() * 0.2) - 0.1;
        for (var y = 0; y < size; y++)
        {
            for (var x = 0; x < size; x++)
            {
                var i = (y * size) + x;
                var c = owner[i] < 0 ? ColourDemoPalette.Belt : ColourDemoPalette.Parts[owner[i]];
                var shade = 1 + (shadeX * ((x / (double)size) - 0.5) * 2 * 0.5) + (shadeY * ((y / (double)size) - 0.5) * 2 * 0.5);
                rgb[3 * i] = Channel(c.R, shade, random);
                rgb[3 * i + 1] = Channel(c.G, shade, random);
                rgb[3 * i + 2] = Channel(c.B, shade, random);
            }
        }

        return (rgb, label, coverage);
    }

    /// <summary>ImageNet-normalised NCHW floats, as the station's preprocessor feeds the model.</summary>
    public static float[] ToModelInput(byte[] rgb, int size)
    {
        float[] mean = [0.485f, 0.456f, 0.406f], std = [0.229f, 0.224f, 0.225f];
        var plane = size * size;
        var x = new float[3 * plane];
        for (var i = 0; i < plane; i++)
        {
            for (var c = 0; c < 3; c++)
            {
                x[c * plane + i] = ((rgb[3 * i + c] / 255f) - mean[c]) / std[c];
            }
        }

        return x;
    }

    private static byte Channel(byte value, double shade, Random random) =>
        (byte)Math.Clamp(Math.Round((value * shade) + random.Next(-15, 16)), 0, 255);

    private static void Paint(int[] owner, int size, int colour, double pixels, Random random)
    {
        if (random.Next(2) == 0)
        {
            var aspect = 0.5 + random.NextDouble();
            var w = Math.Clamp((int)Math.Round(Math.Sqrt(pixels * aspect)), 2, size);
            var h = Math.Clamp((int)Math.Round(pixels / w), 2, size);
            int x0 = random.Next(size - w + 1), y0 = random.Next(size - h + 1);
            for (var y = y0; y < y0 + h; y++)
            {
                for (var x = x0; x < x0 + w; x++)
                {
                    owner[(y * size) + x] = colour;
                }
            }
        }
        else
        {
            var radius = Math.Min(size / 2.0, Math.Sqrt(pixels / Math.PI));
            double cx = radius + (random.NextDouble() * (size - 2 * radius)), cy = radius + (random.NextDouble() * (size - 2 * radius));
            for (var y = 0; y < size; y++)
            {
                for (var x = 0; x < size; x++)
                {
                    if (((x + 0.5 - cx) * (x + 0.5 - cx)) + ((y + 0.5 - cy) * (y + 0.5 - cy)) <= radius * radius)
                    {
                        owner[(y * size) + x] = colour;
                    }
                }
            }
        }
    }
}
