namespace EdgeMobileNet.Training;

/// <summary>
/// Cut activations of many images, position-major ([positions, channels] per image, the layout of the batched
/// products). An int8 backbone's activations are dequantised bytes, so they are stored as those bytes (a quarter
/// of the memory) and dequantised on read with the engine's own formula, giving back the same float bits.
/// </summary>
internal sealed class ActivationStore
{
    private readonly List<byte[]> _bytes = [];
    private readonly List<float[]> _floats = [];
    private readonly CutQuantization? _q;
    private readonly int _qmin;

    public ActivationStore(int channels, int positions, CutQuantization? quantization)
    {
        Channels = channels;
        Positions = positions;
        _q = quantization;
        _qmin = quantization is { Unsigned: false } ? -128 : 0;
    }

    public int Channels { get; }

    public int Positions { get; }

    public int Length => Channels * Positions;

    public int Count => _q is null ? _floats.Count : _bytes.Count;

    /// <summary>Adds one image's activations as the backbone writes them (channel-major).</summary>
    public void Add(ReadOnlySpan<float> channelMajor)
    {
        if (_q is null)
        {
            _floats.Add(HeadModel.ToPositionMajor(channelMajor, Channels));
            return;
        }

        var b = new byte[Length];
        for (var c = 0; c < Channels; c++)
        {
            for (var s = 0; s < Positions; s++)
            {
                var q = (int)MathF.Round(channelMajor[(c * Positions) + s] / _q.Scale) + _q.ZeroPoint;
                b[(s * Channels) + c] = (byte)Math.Clamp(q - _qmin, 0, 255);
            }
        }

        _bytes.Add(b);
    }

    /// <summary>Image <paramref name="i"/>, position-major floats.</summary>
    public void CopyTo(int i, Span<float> destination)
    {
        if (_q is null)
        {
            _floats[i].CopyTo(destination);
            return;
        }

        var b = _bytes[i];
        var (scale, zp, qmin) = (_q.Scale, _q.ZeroPoint, _qmin);
        for (var j = 0; j < b.Length; j++)
        {
            destination[j] = (b[j] + qmin - zp) * scale;
        }
    }

    public float[] PositionMajor(int i)
    {
        var x = new float[Length];
        CopyTo(i, x);
        return x;
    }

    public float[] ChannelMajor(int i) => HeadModel.ToChannelMajor(PositionMajor(i), Channels);

    /// <summary>The images at <paramref name="indices"/>, as a list view (no copy).</summary>
    public ActivationView Select(IReadOnlyList<int> indices) => new(this, indices);
}

/// <summary>A subset of an <see cref="ActivationStore"/> (or of several: plain and mirrored views).</summary>
internal sealed class ActivationView
{
    private readonly List<(ActivationStore Store, int Index)> _items = [];

    public ActivationView(ActivationStore store, IReadOnlyList<int> indices)
    {
        foreach (var i in indices)
        {
            _items.Add((store, i));
        }
    }

    public ActivationView()
    {
    }

    public int Count => _items.Count;

    public void Add(ActivationStore store, int index) => _items.Add((store, index));

    public void CopyTo(int i, Span<float> destination) => _items[i].Store.CopyTo(_items[i].Index, destination);

    public float[] ChannelMajor(int i) => _items[i].Store.ChannelMajor(_items[i].Index);
}
