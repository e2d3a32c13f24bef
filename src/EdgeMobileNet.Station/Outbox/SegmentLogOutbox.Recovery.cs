using System.Security.Cryptography;
using Microsoft.Extensions.Logging;

namespace EdgeMobileNet.Station.Outbox;

/// <summary>Recovery on open: scanning the segments, cutting torn tails, setting aside unusable ones.</summary>
internal sealed partial class SegmentLogOutbox
{
    /// <summary>Scans the segments in order: keeps every intact record, cuts torn or damaged tails, sets aside a
    /// segment whose header is unreadable, and rebuilds the waiting list, the sequence and the drop total.</summary>
    private void Recover()
    {
        var files = System.IO.Directory.GetFiles(_dir, "seg-*.log")
            .Select(path => (path, ok: SegmentFormat.TryParseFileName(Path.GetFileName(path), out var first), first))
            .Where(f => f.ok)
            .OrderBy(f => f.first)
            .ToList();
        ulong? stream = null;
        var trimmed = NewestTrim(files.Select(f => f.path));
        long lastSequence = 0;
        for (var f = 0; f < files.Count; f++)
        {
            var (path, _, first) = files[f];
            var data = File.ReadAllBytes(path);
            if (!SegmentFormat.TryReadHeader(data, out var headerFirst, out var headerStream) || headerFirst != first
                || (stream is { } s && s != headerStream))
            {
                if (f == files.Count - 1 && data.Length == 0)
                {
                    // Created just before a crash, before its header was written: nothing in it.
                    File.Delete(path);
                }
                else
                {
                    File.Move(path, path + ".damaged", overwrite: true);
                    LogDamagedSegment(_logger, path);
                }

                continue;
            }

            stream ??= headerStream;
            if (first <= lastSequence)
            {
                File.Move(path, path + ".damaged", overwrite: true);
                LogDamagedSegment(_logger, path);
                continue;
            }

            if (first > lastSequence + 1 && _segments.Count > 0 && first - 1 > trimmed)
            {
                // The previous segment's tail was lost in a power cut, so it was never committed, and neither was
                // anything after it (a commit syncs every written segment at once): nothing from here on was handed
                // out. Set it aside rather than leave a gap in the sequence.
                for (var rest = f; rest < files.Count; rest++)
                {
                    File.Move(files[rest].path, files[rest].path + ".uncommitted", overwrite: true);
                }

                LogUncommittedSegments(_logger, lastSequence + 1, first, files.Count - f);
                break;
            }

            var handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
            var segment = new Segment(first, path, handle);
            var position = SegmentFormat.HeaderSize;
            var expected = first;
            while (SegmentFormat.TryReadRecord(data.AsSpan(position), out var r))
            {
                if (r.Type == SegmentFormat.EventType)
                {
                    if (r.A != expected)
                    {
                        break;
                    }

                    _pending.Add(new Pending(r.A, r.B, segment, position, r.Length));
                    _bytes += r.Length;
                    segment.LastSequence = r.A;
                    expected++;
                }
                else
                {
                    trimmed = Math.Max(trimmed, r.A);
                    _droppedTotal = Math.Max(_droppedTotal, r.B);
                }

                position += r.Length;
            }

            if (position < data.Length)
            {
                LogTornTail(_logger, path, data.Length - position, position);
                RandomAccess.SetLength(handle, position);
                NativeSync.DataSync(handle);
            }

            segment.Length = position;
            lastSequence = Math.Max(first - 1, segment.LastSequence);
            _segments.Add(segment);
        }

        if (_segments.Count == 0)
        {
            _stream = BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8)) & 0xFFFF_FFFF_FFFFUL;
            StartSegmentLocked(1);
        }
        else
        {
            _stream = stream!.Value;
        }

        _lastSequence = lastSequence;
        _trimmedUpTo = Math.Min(trimmed, lastSequence);
        var keep = _pending.FindIndex(p => p.Sequence > _trimmedUpTo);
        var drop = keep < 0 ? _pending.Count : keep;
        for (var i = 0; i < drop; i++)
        {
            _bytes -= _pending[i].Length;
        }

        _pending.RemoveRange(0, drop);
        _trimWritten = trimmed;
        _trimDurable = trimmed;
        _droppedTotalWritten = _droppedTotal;

        // After a kill -9 the last records may still be only in the page cache: sync before calling them durable.
        foreach (var segment in _segments)
        {
            NativeSync.DataSync(segment.Handle);
        }

        NativeSync.SyncDirectory(_dir);
        _durableSequence = lastSequence;
        LogOpened(_logger, _dir, _pending.Count, _bytes, lastSequence);
    }

    /// <summary>The newest trim mark: every segment starts with one and they only grow, so the newest segment with
    /// a readable one has it. Needed before the scan: a gap left by a deleted segment is fine when it is trimmed.</summary>
    private static long NewestTrim(IEnumerable<string> segments)
    {
        foreach (var path in segments.Reverse())
        {
            var data = File.ReadAllBytes(path);
            if (!SegmentFormat.TryReadHeader(data, out _, out _))
            {
                continue;
            }

            long trim = -1;
            for (var position = SegmentFormat.HeaderSize; SegmentFormat.TryReadRecord(data.AsSpan(position), out var r); position += r.Length)
            {
                if (r.Type == SegmentFormat.TrimType)
                {
                    trim = Math.Max(trim, r.A);
                }
            }

            if (trim >= 0)
            {
                return trim;
            }
        }

        return 0;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Outbox {Dir}: {Count} messages ({Bytes} bytes) waiting, last sequence {Last}")]
    private static partial void LogOpened(ILogger logger, string dir, int count, long bytes, long last);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox {Path}: cut {Bytes} bytes of torn or damaged records at offset {Offset}")]
    private static partial void LogTornTail(ILogger logger, string path, long bytes, long offset);

    [LoggerMessage(Level = LogLevel.Error, Message = "Outbox {Path}: unreadable segment set aside as .damaged")]
    private static partial void LogDamagedSegment(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox: sequence {Missing} was never committed (power cut) but {First} follows it; {Files} uncommitted segments set aside")]
    private static partial void LogUncommittedSegments(ILogger logger, long missing, long first, int files);
}
