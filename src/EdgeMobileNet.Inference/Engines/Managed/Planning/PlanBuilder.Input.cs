using EdgeMobileNet.Inference.Engines.Managed.Operators;

namespace EdgeMobileNet.Inference.Engines.Managed.Planning;

internal sealed partial class PlanBuilder
{
    /// <summary>
    /// Replaces "copy the planar float input into the arena, then QuantizeLinear it" by one operator that quantises
    /// straight from the caller's buffer, when the float copy has no other reader and the quantisation is per tensor.
    /// </summary>
    private void FuseInputQuantize()
    {
        if (_ops.Count < 2 || _ops[0] is not InputOperator { PlanarChannels: > 0 } input)
        {
            return;
        }

        var floatSlot = input.Output!;
        var readers = _ops.Where(o => o.Inputs.Contains(floatSlot) || o.Scratch.Contains(floatSlot)).ToList();
        if (readers is not [QuantizeOperator { Kernels: not null } quantize] || quantize.Params.Count != 1)
        {
            return;
        }

        var fused = new InputQuantizeOperator(
            $"{input.Name}+{quantize.Name}",
            input.Buffer,
            input.PlanarChannels,
            quantize.Params.Scales[0],
            quantize.Params.ZeroPoints[0],
            quantize.Min,
            quantize.Max,
            quantize.Kernels,
            quantize.Output!);
        _ops.Remove(quantize);
        _ops[0] = fused;
    }
}
