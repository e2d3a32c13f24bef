using EdgeMobileNet.Inference.Engines.Managed.Planning;

namespace EdgeMobileNet.Inference.Engines.Managed.Operators;

/// <summary>
/// Builds gather maps for data-movement operators: for each output element in storage order, the storage offset of
/// the input element it copies, or -1 for a padding value. Built once at load, so Transpose, Reshape, Pad and layout
/// changes are one indexed loop at run time whatever the layouts involved.
/// </summary>
internal static class IndexMap
{
    /// <param name="outShape">Output logical shape.</param>
    /// <param name="outChannelsLast">Output storage order.</param>
    /// <param name="inStrides">Input storage stride per input logical dimension.</param>
    /// <param name="inRank">Input rank.</param>
    /// <param name="map">Fills the input logical index for an output logical index; returns false for padding.</param>
    public static int[] Build(int[] outShape, bool outChannelsLast, int[] inStrides, int inRank, Func<int[], int[], bool> map)
    {
        var rank = outShape.Length;
        var order = outChannelsLast && rank == 4 ? new[] { 0, 2, 3, 1 } : Enumerable.Range(0, rank).ToArray();
        long total = 1;
        foreach (var d in outShape)
        {
            total *= d;
        }

        var result = new int[total];
        var outIndex = new int[rank];
        var inIndex = new int[inRank];
        for (long i = 0; i < total; i++)
        {
            // outIndex is advanced as an odometer over the storage order.
            if (map(outIndex, inIndex))
            {
                var off = 0;
                for (var d = 0; d < inRank; d++)
                {
                    off += inIndex[d] * inStrides[d];
                }

                result[i] = off;
            }
            else
            {
                result[i] = -1;
            }

            for (var k = rank - 1; k >= 0; k--)
            {
                var d = order[k];
                if (++outIndex[d] < outShape[d])
                {
                    break;
                }

                outIndex[d] = 0;
            }
        }

        return result;
    }

    /// <summary>Map for a reshape: both sides are read in logical row-major order.</summary>
    public static int[] Reshape(int[] outShape, bool outChannelsLast, int[] inShape, int[] inStrides)
    {
        var outRowMajor = TensorSlot.RowMajorStrides(outShape);
        return Build(outShape, outChannelsLast, inStrides, inShape.Length, (o, i) =>
        {
            long flat = 0;
            for (var d = 0; d < o.Length; d++)
            {
                flat += (long)o[d] * outRowMajor[d];
            }

            for (var d = inShape.Length - 1; d >= 0; d--)
            {
                i[d] = (int)(flat % inShape[d]);
                flat /= inShape[d];
            }

            return true;
        });
    }

    /// <summary>True when the map is the identity (a plain copy).</summary>
    public static bool IsIdentity(int[] map)
    {
        for (var i = 0; i < map.Length; i++)
        {
            if (map[i] != i)
            {
                return false;
            }
        }

        return true;
    }
}
