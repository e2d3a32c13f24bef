using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EdgeMobileNet.Vision;

/// <summary>
/// The vertical pass over the horizontally filtered rows of the one-pass path. Rows are flat byte arrays (three planes
/// side by side), so the pass is the same for every channel. With AVX-512 each 16 bytes widen to one register of 16
/// sums in a single instruction; other CPUs use <see cref="BilinearResampler.Vertical"/> (Vector&lt;T&gt; lanes). Both
/// compute the bank's fixed-point sums exactly, so the bytes are the same.
/// </summary>
internal static unsafe class VerticalPass
{
    /// <summary>Output row y of the bank's window goes to <c>destination + y × stride</c>; <paramref name="stride"/>
    /// must be a multiple of 16 for the AVX-512 loop (the planar rows are).</summary>
    public static void Run(byte[] rows, int stride, FilterBank bank, byte[] destination, bool vector, int bits)
    {
        if (!vector || bits < 512 || !Avx512BW.IsSupported || stride % 16 != 0)
        {
            BilinearResampler.Vertical(rows, stride, bank, destination, vector);
            return;
        }

        if (destination.Length < bank.WindowLength * stride)
        {
            throw new ArgumentException($"destination holds {destination.Length} bytes, {bank.WindowLength * stride} needed", nameof(destination));
        }

        int rowFirst = bank.SourceFirst;
        int taps = bank.MaxTaps;
        var half = Vector512.Create(FilterBank.Half);
        fixed (byte* src = rows, dst = destination)
        fixed (int* weights = bank.Weights, first = bank.First, count = bank.Count)
        {
            for (var y = 0; y < bank.WindowLength; y++)
            {
                byte* top = src + ((long)(first[y] - rowFirst) * stride);
                byte* output = dst + ((long)y * stride);
                int* k = weights + (y * taps);
                int n = count[y];
                for (var j = 0; j < stride; j += 16)
                {
                    var acc = half;
                    byte* p = top + j;
                    for (var t = 0; t < n; t++, p += stride)
                    {
                        acc += Avx512F.ConvertToVector512Int32(Vector128.Load(p)) * k[t];
                    }

                    // Never negative (triangle weights); unsigned saturation clamps the rare 256 to 255.
                    Avx512F.ConvertToVector128ByteWithSaturation((acc >> FilterBank.PrecisionBits).AsUInt32()).Store(output + j);
                }
            }
        }
    }
}
