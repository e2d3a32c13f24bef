using System.Runtime.InteropServices;

namespace EdgeMobileNet.Inference.Engines.Managed.Planning;

/// <summary>The one block of activation memory of a loaded model; slots are views into it at planned offsets.</summary>
internal sealed class Arena
{
    public Arena(long bytes)
    {
        Memory = new byte[bytes];
    }

    public byte[] Memory { get; }

    public Span<float> Floats(TensorSlot slot) =>
        MemoryMarshal.Cast<byte, float>(Memory.AsSpan((int)slot.Offset, (int)slot.ByteLength));

    public Span<byte> Bytes(TensorSlot slot) => Memory.AsSpan((int)slot.Offset, slot.Length);
}
