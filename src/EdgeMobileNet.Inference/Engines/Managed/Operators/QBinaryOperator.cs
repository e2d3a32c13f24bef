using EdgeMobileNet.Inference.Engines.Managed.Kernels;
using EdgeMobileNet.Inference.Engines.Managed.Planning;

namespace EdgeMobileNet.Inference.Engines.Managed.Operators;

/// <summary>Quantised parameters of one tensor: scale and (uint8-domain) zero point.</summary>
internal readonly record struct QuantParams(float Scale, int ZeroPoint);

/// <summary>QLinearAdd / QLinearMul (and fused DQ-Add-Q) with broadcasting, in ONNX Runtime's x86 arithmetic.</summary>
internal sealed class QBinaryOperator : Operator
{
    private readonly bool _multiply;
    private readonly Broadcast _broadcast;
    private readonly byte[]? _constA;
    private readonly byte[]? _constB;
    private readonly QuantParams _pa;
    private readonly QuantParams _pb;
    private readonly QuantParams _pc;
    private readonly TensorSlot? _slotA;
    private readonly TensorSlot? _slotB;
    private readonly int _offset;
    private readonly IQuantElementwiseKernels? _elementwise;
    private readonly QuantAddParameters _add;
    private readonly QuantMulParameters _mul;

    public QBinaryOperator(
        string name,
        bool multiply,
        TensorSlot? a,
        byte[]? constA,
        QuantParams pa,
        TensorSlot? b,
        byte[]? constB,
        QuantParams pb,
        QuantParams pc,
        Broadcast broadcast,
        TensorSlot output,
        bool signedValues = false,
        IQuantElementwiseKernels? kernels = null)
        : base(name, new[] { a, b }.OfType<TensorSlot>().ToArray(), output)
    {
        _offset = signedValues ? 128 : 0;
        _multiply = multiply;
        _broadcast = broadcast;
        _constA = constA;
        _constB = constB;
        _pa = pa;
        _pb = pb;
        _pc = pc;
        _slotA = a;
        _slotB = b;
        _add = QuantAddParameters.Create(pa.Scale, pa.ZeroPoint, pb.Scale, pb.ZeroPoint, pc.Scale, pc.ZeroPoint, _offset);

        _mul = new QuantMulParameters(pa.ZeroPoint, pb.ZeroPoint, pa.Scale * pb.Scale / pc.Scale, pc.ZeroPoint, _offset);

        // Residual adds (same shape and layout) and SE scales (a per-channel vector along the stored channel rows)
        // run row by row through the SIMD kernels; other broadcasts walk element by element.
        _elementwise = broadcast.InnerContiguous ? kernels : null;
    }

    public override long WeightBytes => (_constA?.Length ?? 0) + (_constB?.Length ?? 0);

    public override void Run(Arena arena)
    {
        if (_elementwise is not null)
        {
            var rows = new Rows
            {
                Kernels = _elementwise,
                Multiply = _multiply,
                Add = _add,
                Mul = _mul,
                A = _slotA is null ? _constA! : arena.Memory,
                OffsetA = _slotA is null ? 0 : (int)_slotA.Offset,
                B = _slotB is null ? _constB! : arena.Memory,
                OffsetB = _slotB is null ? 0 : (int)_slotB.Offset,
                Y = arena.Memory,
                OffsetY = (int)Output!.Offset,
            };
            if (_broadcast.IsElementwise)
            {
                rows.Apply(0, 0, 0, Output.Length);
            }
            else
            {
                _broadcast.ForEachRow(ref rows);
            }

            return;
        }

        var op = new Element
        {
            Multiply = _multiply,
            ConstA = _slotA is null ? _constA : null,
            ConstB = _slotB is null ? _constB : null,
            A = _slotA is null ? default : new ArenaView(arena, _slotA),
            B = _slotB is null ? default : new ArenaView(arena, _slotB),
            Y = new ArenaView(arena, Output!),
            Pa = _pa,
            Pb = _pb,
            Pc = _pc,
            Ratio = _pa.Scale * _pb.Scale / _pc.Scale,
            Offset = _offset,
            RatioA = _add.RatioA,
            RatioB = _add.RatioB,
            Fixed = _add.Fixed,
        };
        _broadcast.ForEach(ref op);
    }

    private struct Rows : IBinaryRowOp
    {
        public IQuantElementwiseKernels Kernels;
        public bool Multiply;
        public QuantAddParameters Add;
        public QuantMulParameters Mul;
        public byte[] A;
        public int OffsetA;
        public byte[] B;
        public int OffsetB;
        public byte[] Y;
        public int OffsetY;

        public readonly void Apply(int output, int a, int b, int length)
        {
            var x = new ReadOnlySpan<byte>(A, OffsetA + a, length);
            var z = new ReadOnlySpan<byte>(B, OffsetB + b, length);
            var y = new Span<byte>(Y, OffsetY + output, length);
            if (Multiply)
            {
                Kernels.Mul(x, z, Mul, y);
            }
            else
            {
                Kernels.Add(x, z, Add, y);
            }
        }
    }

    private struct Element : IBinaryElementOp
    {
        public bool Multiply;
        public byte[]? ConstA;
        public byte[]? ConstB;
        public ArenaView A;
        public ArenaView B;
        public ArenaView Y;
        public QuantParams Pa;
        public QuantParams Pb;
        public QuantParams Pc;
        public float Ratio;
        public int Offset;
        public float RatioA;
        public float RatioB;
        public float Fixed;

        public void Apply(int output, int a, int b)
        {
            int x = ConstA is null ? A.Byte(a) : ConstA[a];
            int z = ConstB is null ? B.Byte(b) : ConstB[b];
            if (Multiply)
            {
                Y.SetByte(output, Requantization.MulQuantized(x, Pa.ZeroPoint, z, Pb.ZeroPoint, Ratio, Pc.ZeroPoint, Offset));
                return;
            }

            // Computed on the stored type's own values (int8 tensors are kept shifted by +128 here).
            var r = Requantization.AddQuantized(x - Offset, RatioA, z - Offset, RatioB, Fixed);
            Y.SetByte(output, (byte)Math.Clamp(r + Offset, 0, 255));
        }
    }
}
