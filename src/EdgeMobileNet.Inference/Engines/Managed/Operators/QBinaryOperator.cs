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
        TensorSlot output)
        : base(name, new[] { a, b }.OfType<TensorSlot>().ToArray(), output)
    {
        _multiply = multiply;
        _broadcast = broadcast;
        _constA = constA;
        _constB = constB;
        _pa = pa;
        _pb = pb;
        _pc = pc;
        _slotA = a;
        _slotB = b;
    }

    public override long WeightBytes => (_constA?.Length ?? 0) + (_constB?.Length ?? 0);

    public override void Run(Arena arena)
    {
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
        };
        _broadcast.ForEach(ref op);
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

        public void Apply(int output, int a, int b)
        {
            int x = ConstA is null ? A.Byte(a) : ConstA[a];
            int z = ConstB is null ? B.Byte(b) : ConstB[b];
            Y.SetByte(output, Multiply
                ? Requantization.MulQuantized(x, Pa.ZeroPoint, z, Pb.ZeroPoint, Ratio, Pc.ZeroPoint, 0, 255)
                : Requantization.AddQuantized(x, Pa.Scale, Pa.ZeroPoint, z, Pb.Scale, Pb.ZeroPoint, Pc.Scale, Pc.ZeroPoint, 0, 255));
        }
    }
}
