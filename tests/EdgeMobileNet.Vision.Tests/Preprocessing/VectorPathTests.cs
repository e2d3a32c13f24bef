using System.Runtime.Intrinsics;
using EdgeMobileNet.Inference;
using EdgeMobileNet.Inference.Engines.Managed;
using EdgeMobileNet.Tests.Common;
using Xunit;

namespace EdgeMobileNet.Vision.Tests.Preprocessing;

/// <summary>
/// The vector loops of the one-pass frame-to-tensor path against their scalar references, byte for byte: the row
/// converter for every (Y, U, V) triple, the planar horizontal filter on many geometries (both vector widths), the
/// affine quantise-and-interleave step on real quantisation tables. Marked for the arm64 stage so the NEON (128-bit)
/// paths run there too.
/// </summary>
[Trait("arm", "true")]
public sealed unsafe class VectorPathTests
{
    public static TheoryData<int> Widths => new(new[] { 512, 256, 128 }.Where(b => b <= PlanarFilter.WidestBits));

    [Theory]
    [MemberData(nameof(Widths))]
    public void Vector_conversion_equals_the_tables_for_every_yuv_triple(int bits)
    {
        Span<byte> ys = stackalloc byte[16];
        byte* r = stackalloc byte[16], g = stackalloc byte[16], b = stackalloc byte[16];
        long blocks = 0, guarded = 0, mismatches = 0;
        string? first = null;
        for (var u = 0; u < 256; u++)
        {
            for (var v = 0; v < 256; v++)
            {
                for (var y0 = 0; y0 < 256; y0 += 16)
                {
                    for (var i = 0; i < 16; i++)
                    {
                        ys[i] = (byte)(y0 + i);
                    }

                    var exact = YuvRows.Convert16(Vector128.Create((ReadOnlySpan<byte>)ys), Vector128.Create((byte)u), Vector128.Create((byte)v), r, g, b, bits);
                    blocks++;
                    guarded += exact ? 0 : 1;
                    for (var i = 0; i < 16; i++)
                    {
                        PixelConverter.ConvertPixel(y0 + i, u, v, out var er, out var eg, out var eb);

                        // Red and blue are exact always; green only when the block is not handed back to the tables.
                        if (r[i] != er || b[i] != eb || (exact && g[i] != eg))
                        {
                            mismatches++;
                            first ??= $"Y {y0 + i} U {u} V {v}: vector {r[i]},{g[i]},{b[i]} tables {er},{eg},{eb}";
                        }
                    }
                }
            }
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"{bits}-bit: {blocks} blocks of 16, {guarded} handed to the tables ({100.0 * guarded / blocks:F2} %)");
        Assert.True(mismatches == 0, $"{mismatches} mismatches, first: {first}");
        Assert.True(guarded < blocks / 20, $"{guarded} of {blocks} blocks fell back: the guard band is too wide");
    }

    [Theory]
    [InlineData(PixelFormat.I420)]
    [InlineData(PixelFormat.NV12)]
    [InlineData(PixelFormat.YUYV)]
    [InlineData(PixelFormat.RGB24)]
    [InlineData(PixelFormat.GRAY8)]
    public void Row_conversion_equals_the_pixel_converter(PixelFormat format)
    {
        foreach (var (w, h) in new[] { (640, 480), (97, 55), (33, 2) })
        {
            var frame = new byte[FrameGeometry.BytesPerFrame(format, w, h)];
            new Random(w + h).NextBytes(frame);
            var expected = new byte[w * 3];
            var planes = new byte[3 * w];
            foreach (var (x0, count) in new[] { (0, w), (1, w - 1), (w / 3, w / 2), (w - 17, 17), (5, 0) })
            {
                for (var y = 0; y < h; y += Math.Max(1, h / 7))
                {
                    PixelConverter.ConvertRow(frame, format, w, h, y, x0, count, expected);
                    fixed (byte* p = planes)
                    {
                        YuvRows.Convert(frame, format, w, h, y, x0, count, p, p + w, p + (2 * w), vector: true);
                    }

                    for (var i = 0; i < count; i++)
                    {
                        for (var c = 0; c < 3; c++)
                        {
                            Assert.True(expected[(3 * i) + c] == planes[(c * w) + i], $"{format} {w}x{h} row {y} x {x0 + i} channel {c}");
                        }
                    }
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void Rgb_deinterleave_equals_the_scalar_loop(int bits)
    {
        // Every count from 0 to 200 crosses each loop's end (64 and 16 pixels per step) at every remainder.
        var pixels = new byte[3 * 200];
        new Random(bits).NextBytes(pixels);
        var expected = new byte[3 * 200];
        var actual = new byte[3 * 200];
        for (var count = 0; count <= 200; count++)
        {
            fixed (byte* p = pixels, e = expected, a = actual)
            {
                RgbRows.Deinterleave(p, count, e, e + 200, e + 400, vector: false, bits);
                RgbRows.Deinterleave(p, count, a, a + 200, a + 400, vector: true, bits);
            }

            Assert.True(expected.AsSpan().SequenceEqual(actual), $"{count} pixels at {bits} bits (64-pixel loop: {RgbRows.Vbmi})");
        }
    }

    public static TheoryData<int, int, int, int> Geometries => new()
    {
        { 640, 341, 58, 224 },   // 640x480 frame, resize 256, centre crop 224 (the zoo model)
        { 480, 256, 16, 224 },
        { 640, 224, 0, 224 },    // whole view to 224 (trained models): 2.9x
        { 480, 224, 0, 224 },
        { 1280, 455, 115, 224 }, // 720p: 2.8x
        { 333, 256, 16, 224 },
        { 224, 224, 0, 224 },    // identity
        { 100, 256, 16, 224 },   // upscale
        { 301, 163, 3, 97 },     // odd window, not a multiple of 16
    };

    [Theory]
    [MemberData(nameof(Geometries))]
    public void Planar_filter_equals_the_scalar_loop(int input, int output, int start, int length)
    {
        var bank = FilterBank.Create(input, output, start, length);
        var plan = PlanarFilter.TryCreate(bank);
        Assert.NotNull(plan);
        var source = new byte[input + PlanarFilter.SourcePadding];
        var random = new Random(input * output);
        var expected = new byte[length];
        var actual = new byte[3 * plan.PaddedLength];
        foreach (var bits in new[] { 512, 256, 128 }.Where(b => b <= PlanarFilter.WidestBits))
        {
            for (var round = 0; round < 20; round++)
            {
                random.NextBytes(source);
                if (round == 0)
                {
                    source.AsSpan().Fill(255); // the largest sums: rounding may reach 256 before the clamp
                }

                fixed (byte* s = source, e = expected, a = actual)
                {
                    PlanarFilter.RunScalar(bank, s, e);
                    int n = plan.PaddedLength;
                    plan.Run(((nint)s, (nint)a), ((nint)s, (nint)(a + n)), ((nint)s, (nint)(a + (2 * n))), bits);
                }

                for (var c = 0; c < 3; c++)
                {
                    Assert.True(expected.AsSpan().SequenceEqual(actual.AsSpan(c * plan.PaddedLength, length)), $"{bits}-bit plane {c}");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void Vertical_pass_equals_the_scalar_loop(int input, int output, int start, int length)
    {
        var bank = FilterBank.Create(input, output, start, length);
        const int stride = 3 * 48;
        var rows = new byte[(bank.SourceEnd - bank.SourceFirst) * stride];
        var expected = new byte[length * stride];
        var random = new Random(input + output);
        foreach (var bits in new[] { 512, 256, 128 }.Where(b => b <= PlanarFilter.WidestBits))
        {
            for (var round = 0; round < 5; round++)
            {
                random.NextBytes(rows);
                if (round == 0)
                {
                    rows.AsSpan().Fill(255);
                }

                var actual = new byte[length * stride];
                BilinearResampler.Vertical(rows, stride, bank, expected, vector: false);
                VerticalPass.Run(rows, stride, bank, actual, vector: true, bits);
                Assert.True(expected.AsSpan().SequenceEqual(actual), $"{bits}-bit round {round}");
            }
        }
    }

    [Fact]
    public void Wide_downscale_has_no_plan_and_runs_the_scalar_loop()
    {
        // 1920 -> 256 is 7.5x: a block of four outputs spans far more than 16 source bytes.
        Assert.Null(PlanarFilter.TryCreate(FilterBank.Create(1920, 341, 58, 224)));
    }

    [Fact]
    public void Quantise_step_is_exact_on_the_zoo_model_table()
    {
        using var engine = ManagedClassifier.LoadManaged(TestAssets.ZooInt8, new ClassifierOptions { Engine = "managed" });
        var preprocessor = new Preprocessor(engine.Input, PreprocessOptions.ImageNet);
        var table = new byte[768];
        engine.QuantizeInput(preprocessor.Table, table);
        var output = new PlanarOutput(table);
        Assert.True(output.Affine, "no exact affine form for the zoo model's quantisation table");
        AssertWriteMatchesTable(output, table);
        AssertWriteMatchesTable(PlanarOutput.Identity(), PlanarOutput_IdentityTable());
    }

    [Fact]
    public void A_table_no_line_fits_takes_the_lookup()
    {
        var table = new byte[768];
        new Random(3).NextBytes(table);
        var output = new PlanarOutput(table);
        Assert.False(output.Affine);
        AssertWriteMatchesTable(output, table);
    }

    [Theory]
    [InlineData(PixelFormat.I420)]
    [InlineData(PixelFormat.YUYV)]
    [InlineData(PixelFormat.RGB24)]
    [InlineData(PixelFormat.GRAY8)]
    public void One_pass_with_vectors_equals_without(PixelFormat format)
    {
        var input = new ModelInputInfo("input", TensorLayout.Nchw, 3, 224, 224, TensorElementKind.Float32);
        foreach (var (w, h, region) in new[] { (640, 480, FrameRegion.Full(640, 480)), (641, 479, new FrameRegion(101, 37, 333, 301)) })
        {
            var frame = new byte[FrameGeometry.BytesPerFrame(format, w, h)];
            new Random(w ^ h).NextBytes(frame);
            var expected = new float[input.ElementCount];
            var actual = new float[input.ElementCount];
            new FrameToTensor(input, PreprocessOptions.ImageNet) { UseVectors = false }.Write(frame, format, w, h, region, expected);
            new FrameToTensor(input, PreprocessOptions.ImageNet).Write(frame, format, w, h, region, actual);
            Assert.Equal(expected, actual);
        }
    }

    private static byte[] PlanarOutput_IdentityTable() => Enumerable.Range(0, 768).Select(i => (byte)i).ToArray();

    /// <summary>Random planar crops (odd width for the scalar tail) through the writer against direct lookups.</summary>
    private static void AssertWriteMatchesTable(PlanarOutput output, byte[] table)
    {
        const int width = 37, height = 5, stride = 48;
        var crop = new byte[height * 3 * stride];
        new Random(9).NextBytes(crop);
        var actual = new byte[width * height * 3];
        fixed (byte* c = crop, a = actual)
        {
            output.Write(c, stride, width, height, a, vector: true);
        }

        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                for (var ch = 0; ch < 3; ch++)
                {
                    var value = crop[(y * 3 * stride) + (ch * stride) + x];
                    Assert.True(table[(ch * 256) + value] == actual[(((y * width) + x) * 3) + ch], $"pixel ({x},{y}) channel {ch} value {value}");
                }
            }
        }
    }
}
