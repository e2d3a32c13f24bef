using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using EdgeMobileNet.Inference.Engines.Managed.Kernels;
using EdgeMobileNet.Inference.Engines.Managed.Planning;

namespace EdgeMobileNet.Inference.Engines.Managed.Operators;

/// <summary>
/// The input copy and the model's first QuantizeLinear in one pass: planar (NCHW) floats from the caller's buffer to
/// channels-last uint8 in the arena, so no float copy of the image ever occupies the arena (for MobileNetV2 int8 that
/// copy, four times the quantised tensor, would be the largest activation of the model). Quantisation is per tensor,
/// so it is applied plane by plane on contiguous chunks (the same per-element arithmetic as the unfused pair), and only
/// the bytes are interleaved.
/// </summary>
internal sealed class InputQuantizeOperator : Operator
{
    /// <summary>Pixels per chunk: the quantised planes of one chunk (channels x 1024 bytes) stay in L1.</summary>
    private const int Chunk = 1024;

    private readonly float[] _buffer;
    private readonly int _channels;
    private readonly float _scale;
    private readonly int _zeroPoint;
    private readonly int _min;
    private readonly int _max;
    private readonly IQuantElementwiseKernels _kernels;
    private readonly byte[] _planes;

    public InputQuantizeOperator(string name, float[] buffer, int channels, float scale, int zeroPoint, int min, int max, IQuantElementwiseKernels kernels, TensorSlot output)
        : base(name, [], output)
    {
        _buffer = buffer;
        _channels = channels;
        _scale = scale;
        _zeroPoint = zeroPoint;
        _min = min;
        _max = max;
        _kernels = kernels;
        _planes = new byte[channels * Chunk];
    }

    public override long WeightBytes => _planes.Length;

    /// <summary>This operator's quantisation of any float values (the same kernel and parameters as a run).</summary>
    public void Quantize(ReadOnlySpan<float> values, Span<byte> destination) =>
        _kernels.Quantize(values, _scale, _zeroPoint, _min, _max, destination[..values.Length]);

    /// <summary>Bytes of <paramref name="channels"/> planes (each <see cref="Chunk"/> long) to interleaved pixels.</summary>
    private static void Interleave(byte[] planes, Span<byte> destination, int channels, int pixels)
    {
        if (destination.Length < pixels * channels || planes.Length < channels * Chunk || pixels > Chunk)
        {
            throw new ArgumentException("chunk larger than the planes or the destination");
        }

        // Bounds were checked once above; an RGB image (the usual case) gets an unrolled loop.
        ref var d = ref MemoryMarshal.GetReference(destination);
        ref var src = ref MemoryMarshal.GetArrayDataReference(planes);
        if (channels == 3)
        {
            ref var g = ref Unsafe.Add(ref src, Chunk);
            ref var b = ref Unsafe.Add(ref src, 2 * Chunk);
            for (var p = 0; p < pixels; p++)
            {
                ref var px = ref Unsafe.Add(ref d, 3 * p);
                px = Unsafe.Add(ref src, p);
                Unsafe.Add(ref px, 1) = Unsafe.Add(ref g, p);
                Unsafe.Add(ref px, 2) = Unsafe.Add(ref b, p);
            }

            return;
        }

        for (var k = 0; k < channels; k++)
        {
            ref var plane = ref Unsafe.Add(ref src, k * Chunk);
            for (var p = 0; p < pixels; p++)
            {
                Unsafe.Add(ref d, (p * channels) + k) = Unsafe.Add(ref plane, p);
            }
        }
    }

    public override void Run(Arena arena)
    {
        var y = arena.Bytes(Output!);
        var c = _channels;
        var pixels = y.Length / c;
        for (var p0 = 0; p0 < pixels; p0 += Chunk)
        {
            var n = Math.Min(Chunk, pixels - p0);
            for (var k = 0; k < c; k++)
            {
                _kernels.Quantize(_buffer.AsSpan((k * pixels) + p0, n), _scale, _zeroPoint, _min, _max, _planes.AsSpan(k * Chunk, n));
            }

            Interleave(_planes, y.Slice(p0 * c, n * c), c, n);
        }
    }
}
