namespace EdgeMobileNet.Inference.Engines.Managed.Planning;

/// <summary>
/// Assigns arena offsets from tensor lifetimes: largest tensors first, each at the lowest 64-byte aligned offset that
/// does not overlap a placed tensor whose lifetime intersects its own (greedy by size, as in TFLite's planner).
/// </summary>
internal static class ArenaPlanner
{
    public const int Alignment = 64;

    /// <summary>Returns the arena size in bytes. Lifetimes (FirstUse/LastUse) must be set.</summary>
    public static long Plan(IReadOnlyList<TensorSlot> slots)
    {
        var order = slots.Where(s => s.LastUse >= 0).OrderByDescending(s => s.ByteLength).ThenBy(s => s.FirstUse).ToList();
        var placed = new List<TensorSlot>();
        long total = 0;
        foreach (var slot in order)
        {
            var overlapping = placed
                .Where(p => p.FirstUse <= slot.LastUse && slot.FirstUse <= p.LastUse)
                .OrderBy(p => p.Offset)
                .ToList();
            long offset = 0;
            foreach (var p in overlapping)
            {
                if (offset + slot.ByteLength <= p.Offset)
                {
                    break;
                }

                offset = Math.Max(offset, Align(p.Offset + p.ByteLength));
            }

            slot.Offset = offset;
            placed.Add(slot);
            total = Math.Max(total, offset + slot.ByteLength);
        }

        return Align(total);
    }

    private static long Align(long v) => (v + Alignment - 1) / Alignment * Alignment;
}
