using EdgeMobileNet.Inference.Engines.Managed.Planning;

namespace EdgeMobileNet.Inference.Engines.Managed.Operators;

internal enum BinaryKind
{
    Add,
    Sub,
    Mul,
    Div,
}

/// <summary>Float Add/Sub/Mul/Div with broadcasting; an operand is an arena slot or a constant.</summary>
internal sealed class BinaryOperator : Operator
{
    private readonly BinaryKind _kind;
    private readonly Broadcast _broadcast;
    private readonly float[]? _constA;
    private readonly float[]? _constB;

    public BinaryOperator(string name, BinaryKind kind, TensorSlot? a, float[]? constA, TensorSlot? b, float[]? constB, Broadcast broadcast, TensorSlot output)
        : base(name, new[] { a, b }.OfType<TensorSlot>().ToArray(), output)
    {
        _kind = kind;
        _broadcast = broadcast;
        _constA = constA;
        _constB = constB;
        SlotA = a;
        SlotB = b;
    }

    private TensorSlot? SlotA { get; }

    private TensorSlot? SlotB { get; }

    public override long WeightBytes => ((_constA?.Length ?? 0) + (_constB?.Length ?? 0)) * 4L;

    public override void Run(Arena arena)
    {
        var op = new Element
        {
            Kind = _kind,
            A = SlotA is null ? _constA : null,
            B = SlotB is null ? _constB : null,
        };
        op.Init(arena, SlotA, SlotB, Output!);
        _broadcast.ForEach(ref op);
    }

    private struct Element : IBinaryElementOp
    {
        public BinaryKind Kind;
        public float[]? A;
        public float[]? B;
        private ArenaView _a;
        private ArenaView _b;
        private ArenaView _y;

        public void Init(Arena arena, TensorSlot? a, TensorSlot? b, TensorSlot y)
        {
            _a = a is null ? default : new ArenaView(arena, a);
            _b = b is null ? default : new ArenaView(arena, b);
            _y = new ArenaView(arena, y);
        }

        public void Apply(int output, int a, int b)
        {
            var x = A is null ? _a.Float(a) : A[a];
            var z = B is null ? _b.Float(b) : B[b];
            _y.SetFloat(output, Kind switch
            {
                BinaryKind.Add => x + z,
                BinaryKind.Sub => x - z,
                BinaryKind.Mul => x * z,
                _ => x / z,
            });
        }
    }
}
