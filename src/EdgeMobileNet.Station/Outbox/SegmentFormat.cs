using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace EdgeMobileNet.Station.Outbox;

/// <summary>
/// The on-disk layout of the segment log (docs/outbox.md). A segment file <c>seg-&lt;first sequence&gt;.log</c> starts
/// with a header (magic, first sequence, stream id, CRC) and holds records: <c>u32 body length, u32 CRC-32C of the
/// body, body</c>. Bodies: an event (type 1, sequence, enqueue time in Unix ms, topic, payload) or a trim mark (type
/// 2: every sequence up to N is delivered or dropped, and the running total of drops). Little-endian throughout. A
/// record that is short, has an impossible length or a wrong CRC ends the readable part of a segment.
/// </summary>
internal static class SegmentFormat
{
    public const int HeaderSize = 28;
    public const int PrefixSize = 8;
    public const int EventFixedSize = 1 + 8 + 8 + 2;
    public const int TrimBodySize = 1 + 8 + 8;
    public const int MaxBodySize = 16 << 20;
    public const byte EventType = 1;
    public const byte TrimType = 2;

    public static ReadOnlySpan<byte> Magic => "EMNOUTB1"u8;

    public static string FileName(long firstSequence) => $"seg-{firstSequence:D16}.log";

    public static bool TryParseFileName(string name, out long firstSequence)
    {
        firstSequence = 0;
        return name.Length == 24 && name.StartsWith("seg-", StringComparison.Ordinal) && name.EndsWith(".log", StringComparison.Ordinal)
            && long.TryParse(name.AsSpan(4, 16), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out firstSequence);
    }

    /// <summary>CRC-32C (Castagnoli), hardware-accelerated on x64 (SSE4.2) and arm64 (CRC32 extension).</summary>
    public static uint Crc(ReadOnlySpan<byte> data)
    {
        var crc = ~0u;
        while (data.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }

        foreach (var b in data)
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        return ~crc;
    }

    public static void WriteHeader(Span<byte> into, long firstSequence, ulong stream)
    {
        Magic.CopyTo(into);
        BinaryPrimitives.WriteInt64LittleEndian(into[8..], firstSequence);
        BinaryPrimitives.WriteUInt64LittleEndian(into[16..], stream);
        BinaryPrimitives.WriteUInt32LittleEndian(into[24..], Crc(into[..24]));
    }

    public static bool TryReadHeader(ReadOnlySpan<byte> data, out long firstSequence, out ulong stream)
    {
        firstSequence = 0;
        stream = 0;
        if (data.Length < HeaderSize || !data[..8].SequenceEqual(Magic)
            || BinaryPrimitives.ReadUInt32LittleEndian(data[24..]) != Crc(data[..24]))
        {
            return false;
        }

        firstSequence = BinaryPrimitives.ReadInt64LittleEndian(data[8..]);
        stream = BinaryPrimitives.ReadUInt64LittleEndian(data[16..]);
        return firstSequence >= 1;
    }

    public static int EventRecordSize(int topicBytes, int payloadBytes) => PrefixSize + EventFixedSize + topicBytes + payloadBytes;

    /// <summary>Writes a whole event record; <paramref name="into"/> is exactly <see cref="EventRecordSize"/> long.</summary>
    public static void WriteEvent(Span<byte> into, long sequence, long unixMs, string topic, ReadOnlySpan<byte> payload)
    {
        var body = into[PrefixSize..];
        body[0] = EventType;
        BinaryPrimitives.WriteInt64LittleEndian(body[1..], sequence);
        BinaryPrimitives.WriteInt64LittleEndian(body[9..], unixMs);
        var topicBytes = Encoding.UTF8.GetBytes(topic, body[EventFixedSize..]);
        BinaryPrimitives.WriteUInt16LittleEndian(body[17..], checked((ushort)topicBytes));
        payload.CopyTo(body[(EventFixedSize + topicBytes)..]);
        Seal(into);
    }

    public static void WriteTrim(Span<byte> into, long upTo, long droppedTotal)
    {
        var body = into[PrefixSize..];
        body[0] = TrimType;
        BinaryPrimitives.WriteInt64LittleEndian(body[1..], upTo);
        BinaryPrimitives.WriteInt64LittleEndian(body[9..], droppedTotal);
        Seal(into[..(PrefixSize + TrimBodySize)]);
    }

    /// <summary>Reads the record at the start of <paramref name="data"/>. False when it is torn or damaged.</summary>
    public static bool TryReadRecord(ReadOnlySpan<byte> data, out Record record)
    {
        record = default;
        if (data.Length < PrefixSize)
        {
            return false;
        }

        var length = BinaryPrimitives.ReadUInt32LittleEndian(data);
        if (length is < TrimBodySize or > MaxBodySize || length > data.Length - PrefixSize)
        {
            return false;
        }

        var body = data.Slice(PrefixSize, (int)length);
        if (BinaryPrimitives.ReadUInt32LittleEndian(data[4..]) != Crc(body))
        {
            return false;
        }

        switch (body[0])
        {
            case EventType when body.Length >= EventFixedSize:
                var topicLength = BinaryPrimitives.ReadUInt16LittleEndian(body[17..]);
                if (EventFixedSize + topicLength > body.Length)
                {
                    return false;
                }

                record = new Record(
                    EventType,
                    PrefixSize + body.Length,
                    BinaryPrimitives.ReadInt64LittleEndian(body[1..]),
                    BinaryPrimitives.ReadInt64LittleEndian(body[9..]),
                    EventFixedSize,
                    topicLength);
                return true;
            case TrimType when body.Length == TrimBodySize:
                record = new Record(
                    TrimType,
                    PrefixSize + TrimBodySize,
                    BinaryPrimitives.ReadInt64LittleEndian(body[1..]),
                    BinaryPrimitives.ReadInt64LittleEndian(body[9..]),
                    0,
                    0);
                return true;
            default:
                return false;
        }
    }

    /// <summary>Topic and payload of an event record read back whole.</summary>
    public static (string Topic, byte[] Payload) EventContent(ReadOnlySpan<byte> record, in Record r)
    {
        var body = record[PrefixSize..r.Length];
        var topic = Encoding.UTF8.GetString(body.Slice(r.TopicOffset, r.TopicLength));
        return (topic, body[(r.TopicOffset + r.TopicLength)..].ToArray());
    }

    private static void Seal(Span<byte> record)
    {
        var body = record[PrefixSize..];
        BinaryPrimitives.WriteUInt32LittleEndian(record, (uint)body.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(record[4..], Crc(body));
    }

    /// <summary>A record read back. Events: <see cref="A"/> is the sequence, <see cref="B"/> the enqueue time (Unix ms);
    /// trims: <see cref="A"/> is the trimmed-up-to sequence, <see cref="B"/> the drop total.</summary>
    internal readonly record struct Record(byte Type, int Length, long A, long B, int TopicOffset, int TopicLength);
}
