using EdgeMobileNet.Inference.Engines.Managed.Planning;

namespace EdgeMobileNet.Inference.Engines.Managed.Operators;

/// <summary>
/// Numpy-style broadcasting of two operands onto an output walked in its storage order, as four nested dimensions
/// with per-operand element strides (0 on broadcast dimensions). Covers per-channel scales (SE blocks), scalars and
/// same-shape residual adds whatever the storage layouts of the operands.
/// </summary>
internal readonly struct Broadcast
{
    private readonly int[] _dims;
    private readonly int[] _strideA;
    private readonly int[] _strideB;

    private Broadcast(int[] dims, int[] strideA, int[] strideB)
    {
        _dims = dims;
        _strideA = strideA;
        _strideB = strideB;
    }

    public static Broadcast Create(TensorSlot output, int[] shapeA, int[] stridesA, int[] shapeB, int[] stridesB)
    {
        var rank = output.Shape.Length;
        var order = output.StorageOrder;
        var dims = new int[4];
        var sa = new int[4];
        var sb = new int[4];
        var pad = 4 - rank;
        for (var k = 0; k < 4; k++)
        {
            if (k < pad)
            {
                dims[k] = 1;
                continue;
            }

            var logical = order[k - pad];
            dims[k] = output.Shape[logical];
            sa[k] = StrideFor(logical, rank, shapeA, stridesA);
            sb[k] = StrideFor(logical, rank, shapeB, stridesB);
        }

        return new Broadcast(dims, sa, sb);
    }

    /// <summary>
    /// True when both operands are laid out exactly as the output (no broadcast, same storage order), so the
    /// operation is a plain element-by-element pass over three contiguous buffers.
    /// </summary>
    public bool IsElementwise
    {
        get
        {
            var stride = 1;
            for (var k = 3; k >= 0; k--)
            {
                if (_dims[k] != 1 && (_strideA[k] != stride || _strideB[k] != stride))
                {
                    return false;
                }

                stride *= _dims[k];
            }

            return true;
        }
    }

    /// <summary>Both operands advance one element per output element along the innermost dimension.</summary>
    public bool InnerContiguous => _strideA[3] == 1 && _strideB[3] == 1;

    /// <summary>
    /// For <see cref="InnerContiguous"/> broadcasts: calls <paramref name="op"/> once per innermost row with the
    /// output, A and B offsets of its first element and the row length (an SE block's per-channel scale: one call per
    /// pixel over all channels).
    /// </summary>
    public void ForEachRow<TOp>(ref TOp op)
        where TOp : struct, IBinaryRowOp
    {
        var (d0, d1, d2, d3) = (_dims[0], _dims[1], _dims[2], _dims[3]);
        var o = 0;
        for (var i0 = 0; i0 < d0; i0++)
        {
            for (var i1 = 0; i1 < d1; i1++)
            {
                for (var i2 = 0; i2 < d2; i2++)
                {
                    var a = (i0 * _strideA[0]) + (i1 * _strideA[1]) + (i2 * _strideA[2]);
                    var b = (i0 * _strideB[0]) + (i1 * _strideB[1]) + (i2 * _strideB[2]);
                    op.Apply(o, a, b, d3);
                    o += d3;
                }
            }
        }
    }

    private static int StrideFor(int logical, int rank, int[] shape, int[] strides)
    {
        var d = logical - (rank - shape.Length);
        return d < 0 || shape[d] == 1 ? 0 : strides[d];
    }

    /// <summary>Calls <paramref name="op"/> for each output index with the matching operand offsets.</summary>
    public void ForEach<TOp>(ref TOp op)
        where TOp : struct, IBinaryElementOp
    {
        var (d0, d1, d2, d3) = (_dims[0], _dims[1], _dims[2], _dims[3]);
        var o = 0;
        for (var i0 = 0; i0 < d0; i0++)
        {
            for (var i1 = 0; i1 < d1; i1++)
            {
                for (var i2 = 0; i2 < d2; i2++)
                {
                    var a = (i0 * _strideA[0]) + (i1 * _strideA[1]) + (i2 * _strideA[2]);
                    var b = (i0 * _strideB[0]) + (i1 * _strideB[1]) + (i2 * _strideB[2]);
                    var sa = _strideA[3];
                    var sb = _strideB[3];
                    for (var i3 = 0; i3 < d3; i3++)
                    {
                        op.Apply(o++, a + (i3 * sa), b + (i3 * sb));
                    }
                }
            }
        }
    }
}

/// <summary>One element of a broadcast binary operation: output index and operand offsets.</summary>
internal interface IBinaryElementOp
{
    void Apply(int output, int a, int b);
}

/// <summary>One contiguous row of a broadcast binary operation: offsets of its first element and its length.</summary>
internal interface IBinaryRowOp
{
    void Apply(int output, int a, int b, int length);
}
