using EdgeMobileNet.ModelBuilder.Network;

namespace EdgeMobileNet.ModelBuilder.Calibration;

/// <summary>
/// Deterministic natural-ish calibration images: a smooth colour field, a gradient, soft blobs, hard-edged shapes and
/// a little noise, so that every layer sees both flat regions and edges at several scales. Returned as ImageNet-
/// normalised NCHW [3,R,R] float arrays, like real preprocessed photos.
/// </summary>
public static class SyntheticImages
{
    public static IReadOnlyList<float[]> Generate(int count, int resolution, ulong seed)
    {
        var images = new float[count][];
        for (var i = 0; i < count; i++)
        {
            // Each image from its own stream so that image i does not depend on how many were asked for.
            images[i] = One(resolution, new SplitMix64(seed * 0x9E3779B97F4A7C15UL + (ulong)i + 1));
        }

        return images;
    }

    private static float[] One(int r, SplitMix64 rng)
    {
        var rgb = new float[3 * r * r];
        var plane = r * r;

        // Smooth field: bilinear interpolation of a random 3x3 grid of colours.
        var grid = new float[3, 3, 3];
        for (var gy = 0; gy < 3; gy++)
        {
            for (var gx = 0; gx < 3; gx++)
            {
                for (var c = 0; c < 3; c++)
                {
                    grid[gy, gx, c] = (float)rng.NextDouble();
                }
            }
        }

        var angle = rng.NextDouble() * 2 * Math.PI;
        var (gdx, gdy) = (Math.Cos(angle), Math.Sin(angle));
        var gradientStrength = (float)(rng.NextDouble() * 0.4);
        for (var y = 0; y < r; y++)
        {
            for (var x = 0; x < r; x++)
            {
                var fy = y * 2.0 / Math.Max(1, r - 1);
                var fx = x * 2.0 / Math.Max(1, r - 1);
                int y0 = Math.Min(1, (int)fy), x0 = Math.Min(1, (int)fx);
                double ty = fy - y0, tx = fx - x0;
                var g = (float)(((x * gdx) + (y * gdy)) / r - 0.5) * gradientStrength;
                for (var c = 0; c < 3; c++)
                {
                    var top = (grid[y0, x0, c] * (1 - tx)) + (grid[y0, x0 + 1, c] * tx);
                    var bottom = (grid[y0 + 1, x0, c] * (1 - tx)) + (grid[y0 + 1, x0 + 1, c] * tx);
                    rgb[c * plane + y * r + x] = (float)((top * (1 - ty)) + (bottom * ty)) + g;
                }
            }
        }

        // Soft blobs.
        for (var b = 1 + rng.NextInt(4); b > 0; b--)
        {
            double cx = rng.NextDouble() * r, cy = rng.NextDouble() * r, radius = (0.05 + rng.NextDouble() * 0.25) * r;
            var colour = new[] { (float)rng.NextDouble(), (float)rng.NextDouble(), (float)rng.NextDouble() };
            for (var y = 0; y < r; y++)
            {
                for (var x = 0; x < r; x++)
                {
                    var d2 = ((x - cx) * (x - cx) + (y - cy) * (y - cy)) / (radius * radius);
                    var a = (float)Math.Exp(-d2);
                    for (var c = 0; c < 3; c++)
                    {
                        ref var v = ref rgb[c * plane + y * r + x];
                        v = v * (1 - a) + colour[c] * a;
                    }
                }
            }
        }

        // Hard-edged rectangles (edges and corners).
        for (var s = rng.NextInt(4); s > 0; s--)
        {
            int x0 = rng.NextInt(r), y0 = rng.NextInt(r);
            int x1 = Math.Min(r, x0 + 1 + rng.NextInt(r / 2)), y1 = Math.Min(r, y0 + 1 + rng.NextInt(r / 2));
            var colour = new[] { (float)rng.NextDouble(), (float)rng.NextDouble(), (float)rng.NextDouble() };
            for (var y = y0; y < y1; y++)
            {
                for (var x = x0; x < x1; x++)
                {
                    for (var c = 0; c < 3; c++)
                    {
                        rgb[c * plane + y * r + x] = colour[c];
                    }
                }
            }
        }

        // Sensor-like noise, clamp, normalise.
        for (var c = 0; c < 3; c++)
        {
            for (var j = 0; j < plane; j++)
            {
                var v = Math.Clamp(rgb[c * plane + j] + (float)(rng.NextGaussian() * 0.02), 0f, 1f);
                rgb[c * plane + j] = (v - ImageNetNormalization.Mean[c]) / ImageNetNormalization.Std[c];
            }
        }

        return rgb;
    }
}
