using EdgeMobileNet.ModelBuilder.Demo;

namespace EdgeMobileNet.Station.Frames;

/// <summary>
/// Deterministic conveyor scenes for the synthetic source: a grey belt (the palette's belt colour) with one part
/// at a time, painted in an exact palette colour, passing left to right over <c>framesPerPart</c> frames; one slot
/// in five is an empty belt. Shading and noise stay within ±15 per channel. Parts cover 10–40% of the frame and
/// stay inside the centred square a classifier's centre crop keeps. Same seed, same frames.
/// </summary>
public sealed class ConveyorScene
{
    private const int Kinds = 5; // four part colours and "empty"
    private readonly int _seed;
    private readonly int _framesPerPart;

    public ConveyorScene(int width, int height, int seed, int framesPerPart)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 8);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 8);
        ArgumentOutOfRangeException.ThrowIfLessThan(framesPerPart, 1);
        Width = width;
        Height = height;
        _seed = seed;
        _framesPerPart = framesPerPart;
    }

    public int Width { get; }

    public int Height { get; }

    /// <summary>The part in frame <paramref name="sequence"/> (from 1): an index into
    /// <see cref="ColourDemoPalette.Parts"/>, or -1 for an empty belt.</summary>
    public int PartAt(long sequence)
    {
        var kind = (int)(Hash(_seed, Slot(sequence), 0) % Kinds);
        return kind == Kinds - 1 ? -1 : kind;
    }

    /// <summary>The label the frame shows: a part colour or the belt's "empty".</summary>
    public string LabelAt(long sequence) => PartAt(sequence) is var p and >= 0 ? ColourDemoPalette.Parts[p].Label : ColourDemoPalette.Belt.Label;

    /// <summary>Fraction of the frame the part covers (0 for an empty belt).</summary>
    public double CoverageAt(long sequence)
    {
        if (PartAt(sequence) < 0)
        {
            return 0;
        }

        var g = Geometry(sequence);
        var area = g.Ellipse ? Math.PI / 4 * g.W * g.H : g.W * g.H;
        return area / (Width * Height);
    }

    /// <summary>Renders frame <paramref name="sequence"/> as packed RGB24 into <paramref name="rgb"/>.</summary>
    public void Render(long sequence, Span<byte> rgb)
    {
        if (rgb.Length < Width * Height * 3)
        {
            throw new ArgumentException($"need {Width * Height * 3} bytes for {Width}x{Height} RGB24", nameof(rgb));
        }

        var part = PartAt(sequence);
        var g = part >= 0 ? Geometry(sequence) : default;
        var (pr, pg, pb) = part >= 0 ? (ColourDemoPalette.Parts[part].R, ColourDemoPalette.Parts[part].G, ColourDemoPalette.Parts[part].B) : ((byte)0, (byte)0, (byte)0);
        var belt = ColourDemoPalette.Belt;
        var beltShift = (int)(sequence * 3 % 16); // belt texture moves with the conveyor
        var frameKey = (uint)sequence * 0x9E3779B1u ^ (uint)_seed;
        var i = 0;
        for (var y = 0; y < Height; y++)
        {
            for (var x = 0; x < Width; x++, i += 3)
            {
                var noise = (int)(Mix(frameKey ^ (uint)(y * 65_521 + x)) % 13) - 6; // ±6
                if (part >= 0 && Inside(g, x, y))
                {
                    // Light falls from the left: ±8 across the part.
                    var shade = (int)Math.Round(8 - 16 * (x - g.Left) / Math.Max(1.0, g.W));
                    rgb[i] = Clamp(pr + shade + noise);
                    rgb[i + 1] = Clamp(pg + shade + noise);
                    rgb[i + 2] = Clamp(pb + shade + noise);
                }
                else
                {
                    var stripe = ((x + beltShift) & 15) < 2 ? -6 : 0; // slats, ±6
                    rgb[i] = Clamp(belt.R + stripe + noise);
                    rgb[i + 1] = Clamp(belt.G + stripe + noise);
                    rgb[i + 2] = Clamp(belt.B + stripe + noise);
                }
            }
        }
    }

    private long Slot(long sequence) => (sequence - 1) / _framesPerPart;

    private PartGeometry Geometry(long sequence)
    {
        var slot = Slot(sequence);
        var step = (int)((sequence - 1) % _framesPerPart);
        var fraction = 0.12 + 0.25 * Unit(Hash(_seed, slot, 1)); // of the frame area
        var aspect = 0.7 + 0.7 * Unit(Hash(_seed, slot, 2));
        var ellipse = Hash(_seed, slot, 3) % 2 == 0;
        var area = fraction * Width * Height / (ellipse ? Math.PI / 4 : 1);
        var side = 0.85 * Math.Min(Width, Height); // the region a centre crop keeps
        var w = Math.Min(Math.Sqrt(area * aspect), side);
        var h = Math.Min(area / w, side);
        var squareLeft = (Width - side) / 2;
        var squareTop = (Height - side) / 2;
        var travel = _framesPerPart == 1 ? 0.5 : (double)step / (_framesPerPart - 1);
        var left = squareLeft + (side - w) * travel;
        var top = squareTop + (side - h) * Unit(Hash(_seed, slot, 4));
        return new PartGeometry(left, top, w, h, ellipse);
    }

    private static bool Inside(in PartGeometry g, int x, int y)
    {
        double px = x + 0.5, py = y + 0.5;
        if (px < g.Left || px >= g.Left + g.W || py < g.Top || py >= g.Top + g.H)
        {
            return false;
        }

        if (!g.Ellipse)
        {
            return true;
        }

        var dx = (px - g.Left - g.W / 2) / (g.W / 2);
        var dy = (py - g.Top - g.H / 2) / (g.H / 2);
        return dx * dx + dy * dy <= 1;
    }

    private static byte Clamp(int v) => (byte)Math.Clamp(v, 0, 255);

    private static double Unit(uint h) => h / (double)uint.MaxValue;

    private static uint Hash(int seed, long slot, int salt) => Mix(Mix((uint)seed * 0x85EBCA6Bu ^ (uint)salt) ^ (uint)slot ^ (uint)(slot >> 32) * 0xC2B2AE35u);

    // A 32-bit integer finaliser (murmur3 style) for cheap, well-spread, deterministic noise.
    private static uint Mix(uint h)
    {
        h ^= h >> 16;
        h *= 0x7FEB352Du;
        h ^= h >> 15;
        h *= 0x846CA68Bu;
        h ^= h >> 16;
        return h;
    }

    private readonly record struct PartGeometry(double Left, double Top, double W, double H, bool Ellipse);
}
