using EdgeMobileNet.Inference.Engines.Managed.Graph;
using EdgeMobileNet.Inference.Engines.Managed.Planning;
using Xunit;

namespace EdgeMobileNet.Inference.Tests.Managed.Kernels;

[Trait("arm", "true")]
public sealed class ArenaPlannerTests
{
    [Fact]
    public void ChainReusesMemoryOfDeadTensors()
    {
        // a -> b -> c -> d, each live for two steps: at most two tensors at once.
        var slots = Enumerable.Range(0, 4).Select(i => Slot($"t{i}", 1000, i, i + 1)).ToList();
        var total = ArenaPlanner.Plan(slots);
        Assert.True(total <= 2 * 4032, $"arena {total}");
        AssertNoLiveOverlap(slots);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void RandomLifetimesNeverShareLiveBytes(int seed)
    {
        var rng = new Random(seed);
        var slots = new List<TensorSlot>();
        for (var i = 0; i < 200; i++)
        {
            var first = rng.Next(100);
            slots.Add(Slot($"t{i}", rng.Next(1, 5000), first, first + rng.Next(0, 10)));
        }

        var total = ArenaPlanner.Plan(slots);
        AssertNoLiveOverlap(slots);
        Assert.All(slots, s => Assert.Equal(0, s.Offset % ArenaPlanner.Alignment));
        Assert.All(slots, s => Assert.True(s.Offset + s.ByteLength <= total));

        // Never worse than giving every tensor its own aligned block.
        Assert.True(total <= slots.Sum(s => (s.ByteLength + 63) / 64 * 64));
        // Never better than the busiest step needs.
        var peak = Enumerable.Range(0, 110).Max(t => slots.Where(s => s.FirstUse <= t && t <= s.LastUse).Sum(s => s.ByteLength));
        Assert.True(total >= peak);
    }

    private static TensorSlot Slot(string name, int floats, int first, int last) =>
        new(name, ElementType.Float32, [floats], false) { FirstUse = first, LastUse = last };

    private static void AssertNoLiveOverlap(List<TensorSlot> slots)
    {
        foreach (var a in slots)
        {
            foreach (var b in slots)
            {
                if (a == b || a.LastUse < b.FirstUse || b.LastUse < a.FirstUse)
                {
                    continue;
                }

                var disjoint = a.Offset + a.ByteLength <= b.Offset || b.Offset + b.ByteLength <= a.Offset;
                Assert.True(disjoint, $"{a} and {b} are live together and overlap");
            }
        }
    }
}
