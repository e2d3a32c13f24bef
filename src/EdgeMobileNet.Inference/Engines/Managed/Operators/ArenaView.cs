using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using EdgeMobileNet.Inference.Engines.Managed.Planning;

namespace EdgeMobileNet.Inference.Engines.Managed.Operators;

/// <summary>
/// Element access to one slot that can live in a struct (spans cannot be stored in the element ops of
/// <see cref="Broadcast"/>): the arena array and a byte offset.
/// </summary>
internal readonly struct ArenaView
{
    private readonly byte[] _memory;
    private readonly int _offset;

    public ArenaView(Arena arena, TensorSlot slot)
    {
        _memory = arena.Memory;
        _offset = (int)slot.Offset;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Float(int index) =>
        MemoryMarshal.Read<float>(_memory.AsSpan(_offset + (index * 4)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void SetFloat(int index, float value) =>
        MemoryMarshal.Write(_memory.AsSpan(_offset + (index * 4)), in value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public byte Byte(int index) => _memory[_offset + index];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void SetByte(int index, byte value) => _memory[_offset + index] = value;
}
