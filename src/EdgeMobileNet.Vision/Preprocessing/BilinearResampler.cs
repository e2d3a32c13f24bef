using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace EdgeMobileNet.Vision;

/// <summary>
/// PIL-compatible BILINEAR resize of an RGB24 image, evaluated only over a crop window of the resized image.
/// <para>
/// Two separable passes like PIL: horizontal first (only over the source rows the vertical taps will read), rounded
/// to uint8, then vertical. Both use 22-bit fixed-point weights from <see cref="FilterBank"/>, so the result is
/// bit-identical to PIL's <c>resize(size, BILINEAR)</c> followed by a crop. Identity axes (same size in and out) get
/// a single weight of exactly 1.0, which reproduces PIL's "skip this pass" behaviour exactly.
/// </para>
/// Filter banks are cached per (source size, resized size, window) and the intermediate buffer is reused, so a
/// stream of same-sized frames allocates nothing. Not thread-safe.
/// </summary>
internal sealed class BilinearResampler
{
    // A camera streams one size; a CLI batch sees a handful. Bounded so a long run over odd sizes cannot grow forever.
    private const int MaxCachedBanks = 16;

    private readonly Dictionary<(int In, int Out, int Start, int Length), FilterBank> _banks = [];
    private byte[] _rows = [];

    /// <summary>SIMD inner loops where the CPU has them; tests switch them off to check the scalar loops agree.</summary>
    internal bool UseVectors { get; init; } = Vector128.IsHardwareAccelerated && Vector.IsHardwareAccelerated;

    /// <summary>Resamples <paramref name="source"/> to the resized size in <paramref name="geometry"/> and writes the
    /// crop window into <paramref name="destination"/> (which must be CropWidth × CropHeight).</summary>
    public void ResizeCrop(RgbImage source, in ResizeGeometry geometry, RgbImage destination)
    {
        if (destination.Width != geometry.CropWidth || destination.Height != geometry.CropHeight)
        {
            throw new ArgumentException($"destination is {destination.Width}x{destination.Height}, crop is {geometry.CropWidth}x{geometry.CropHeight}", nameof(destination));
        }

        var horizontal = Bank(source.Width, geometry.ResizedWidth, geometry.CropX, geometry.CropWidth);
        var vertical = Bank(source.Height, geometry.ResizedHeight, geometry.CropY, geometry.CropHeight);

        int rowFirst = vertical.SourceFirst;
        int rowCount = vertical.SourceEnd - rowFirst;
        int rowStride = geometry.CropWidth * 3;
        int needed = rowCount * rowStride;
        if (_rows.Length < needed)
        {
            _rows = new byte[needed];
        }

        Horizontal(source, horizontal, rowFirst, rowCount, _rows, UseVectors);
        Vertical(_rows, rowStride, vertical, destination.Pixels, UseVectors);
    }

    internal FilterBank Bank(int inputSize, int outputSize, int start, int length)
    {
        var key = (inputSize, outputSize, start, length);
        if (!_banks.TryGetValue(key, out var bank))
        {
            if (_banks.Count >= MaxCachedBanks)
            {
                _banks.Clear();
            }

            bank = FilterBank.Create(inputSize, outputSize, start, length);
            _banks[key] = bank;
        }

        return bank;
    }

    private static unsafe void Horizontal(RgbImage source, FilterBank bank, int rowFirst, int rowCount, byte[] rows, bool vector)
    {
        int srcStride = source.Stride;
        int outStride = bank.WindowLength * 3;
        byte[] pixels = source.Pixels;
        fixed (byte* src = pixels, dst = rows)
        {
            // The vector path reads 4 bytes per pixel (RGB plus the next pixel's red, weighted into a discarded lane),
            // so the very last pixel of the buffer must go through the scalar path.
            byte* safeEnd = src + pixels.Length - 3;
            for (var r = 0; r < rowCount; r++)
            {
                HorizontalRow(src + ((long)(rowFirst + r) * srcStride), safeEnd, bank, dst + ((long)r * outStride), vector);
            }
        }
    }

    /// <summary>
    /// One row of the horizontal pass: window output x reads source pixels from <c>inRow + First[x] * 3</c>. Pixels
    /// whose 4-byte vector read would reach <paramref name="safeEnd"/> or beyond take the scalar path.
    /// </summary>
    internal static unsafe void HorizontalRow(byte* inRow, byte* safeEnd, FilterBank bank, byte* outPixel, bool vector)
    {
        int outWidth = bank.WindowLength;
        int taps = bank.MaxTaps;
        fixed (int* weights = bank.Weights, first = bank.First, count = bank.Count)
        {
            int* k = weights;
            for (var x = 0; x < outWidth; x++, k += taps, outPixel += 3)
            {
                byte* p = inRow + (first[x] * 3);
                int n = count[x];
                if (vector && p + ((n - 1) * 3) < safeEnd)
                {
                    var acc = Vector128.Create(FilterBank.Half);
                    for (var t = 0; t < n; t++, p += 3)
                    {
                        var rgbx = Vector128.WidenLower(Vector128.WidenLower(Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<uint>(p)).AsByte())).AsInt32();
                        acc += rgbx * k[t];
                    }

                    acc = Vector128.Min(Vector128.Max(acc >> FilterBank.PrecisionBits, Vector128<int>.Zero), Vector128.Create(255));
                    outPixel[0] = (byte)acc.GetElement(0);
                    outPixel[1] = (byte)acc.GetElement(1);
                    outPixel[2] = (byte)acc.GetElement(2);
                    continue;
                }

                int s0 = FilterBank.Half, s1 = FilterBank.Half, s2 = FilterBank.Half;
                for (var t = 0; t < n; t++, p += 3)
                {
                    int w = k[t];
                    s0 += p[0] * w;
                    s1 += p[1] * w;
                    s2 += p[2] * w;
                }

                outPixel[0] = Clip(s0);
                outPixel[1] = Clip(s1);
                outPixel[2] = Clip(s2);
            }
        }
    }

    internal static unsafe void Vertical(byte[] rows, int stride, FilterBank bank, byte[] destination, bool vector)
    {
        int rowFirst = bank.SourceFirst;
        int taps = bank.MaxTaps;
        int lanes = Vector<byte>.Count;
        var half = new Vector<uint>(FilterBank.Half);
        var max = new Vector<uint>(255);
        fixed (byte* src = rows, dst = destination)
        fixed (int* weights = bank.Weights)
        {
            for (var y = 0; y < bank.WindowLength; y++)
            {
                byte* top = src + ((long)(bank.First[y] - rowFirst) * stride);
                int n = bank.Count[y];
                int* k = weights + (y * taps);
                byte* outRow = dst + ((long)y * stride);

                // Weights of a triangle filter are never negative, so unsigned lanes cannot wrap.
                int j = 0;
                if (vector)
                {
                    for (; j <= stride - lanes; j += lanes)
                    {
                        Vector<uint> a0 = half, a1 = half, a2 = half, a3 = half;
                        byte* p = top + j;
                        for (var t = 0; t < n; t++, p += stride)
                        {
                            var w = new Vector<uint>((uint)k[t]);
                            Vector.Widen(Unsafe.ReadUnaligned<Vector<byte>>(p), out var lo, out var hi);
                            Vector.Widen(lo, out var u0, out var u1);
                            Vector.Widen(hi, out var u2, out var u3);
                            a0 += u0 * w;
                            a1 += u1 * w;
                            a2 += u2 * w;
                            a3 += u3 * w;
                        }

                        var lo16 = Vector.Narrow(Vector.Min(a0 >> FilterBank.PrecisionBits, max), Vector.Min(a1 >> FilterBank.PrecisionBits, max));
                        var hi16 = Vector.Narrow(Vector.Min(a2 >> FilterBank.PrecisionBits, max), Vector.Min(a3 >> FilterBank.PrecisionBits, max));
                        Unsafe.WriteUnaligned(outRow + j, Vector.Narrow(lo16, hi16));
                    }
                }

                for (; j < stride; j++)
                {
                    byte* p = top + j;
                    int s = FilterBank.Half;
                    for (var t = 0; t < n; t++, p += stride)
                    {
                        s += *p * k[t];
                    }

                    outRow[j] = Clip(s);
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static byte Clip(int sum)
    {
        int v = sum >> FilterBank.PrecisionBits;
        return (byte)(v < 0 ? 0 : v > 255 ? 255 : v);
    }
}
