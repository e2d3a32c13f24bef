using System.Globalization;
using EdgeMobileNet.Inference;

namespace EdgeMobileNet.Vision;

/// <summary>
/// The header of a .npy file: a Python dict literal such as
/// <c>{'descr': '&lt;f4', 'fortran_order': False, 'shape': (1, 3, 224, 224), }</c>.
/// Parsed by a tiny recursive-descent reader for exactly the literal forms numpy writes (strings, booleans, int tuples).
/// </summary>
internal sealed class NpyHeader
{
    internal enum ElementKind
    {
        Float32,
        Float64,
        UInt8,
    }

    private readonly string _text;
    private readonly string _name;
    private int _pos;

    private NpyHeader(string text, string name)
    {
        _text = text;
        _name = name;
    }

    public string Descr { get; private set; } = "";

    public ElementKind Kind { get; private set; }

    public int ItemSize { get; private set; }

    public bool LittleEndian { get; private set; } = true;

    public int[] Shape { get; private set; } = [];

    public static NpyHeader Parse(string text, string name)
    {
        var header = new NpyHeader(text, name);
        header.ParseDict();
        return header;
    }

    private void ParseDict()
    {
        string? descr = null;
        bool? fortran = null;
        int[]? shape = null;

        SkipSpace();
        Expect('{');
        SkipSpace();
        while (Peek() != '}')
        {
            var key = ReadString();
            SkipSpace();
            Expect(':');
            SkipSpace();
            switch (key)
            {
                case "descr":
                    descr = Peek() is '\'' or '"' ? ReadString() : throw Error("'descr' must be a simple dtype string (structured arrays are not supported)");
                    break;
                case "fortran_order":
                    fortran = ReadBool();
                    break;
                case "shape":
                    shape = ReadShape();
                    break;
                default:
                    throw Error($"unexpected header key '{key}'");
            }

            SkipSpace();
            if (Peek() == ',')
            {
                _pos++;
                SkipSpace();
            }
            else if (Peek() != '}')
            {
                throw Error($"expected ',' or '}}' at header offset {_pos}");
            }
        }

        _pos++;
        SkipSpace();
        if (_pos != _text.Length)
        {
            throw Error($"unexpected text after the header dict at offset {_pos}");
        }

        Descr = descr ?? throw Error("header has no 'descr' key");
        Shape = shape ?? throw Error("header has no 'shape' key");
        if (fortran is null)
        {
            throw Error("header has no 'fortran_order' key");
        }

        if (fortran.Value)
        {
            throw Error("fortran_order arrays are not supported (save with C order, e.g. np.ascontiguousarray)");
        }

        (Kind, ItemSize, LittleEndian) = Descr switch
        {
            "<f4" => (ElementKind.Float32, 4, true),
            ">f4" => (ElementKind.Float32, 4, false),
            "<f8" => (ElementKind.Float64, 8, true),
            ">f8" => (ElementKind.Float64, 8, false),
            "|u1" or "<u1" or ">u1" or "=u1" => (ElementKind.UInt8, 1, true),
            _ => throw Error($"unsupported dtype '{Descr}' (expected '<f4', '|u1' or '<f8')"),
        };
    }

    private int[] ReadShape()
    {
        Expect('(');
        var dims = new List<int>();
        SkipSpace();
        while (Peek() != ')')
        {
            dims.Add(ReadDimension());
            SkipSpace();
            if (Peek() == ',')
            {
                _pos++;
                SkipSpace();
            }
            else if (Peek() != ')')
            {
                throw Error($"malformed 'shape' at header offset {_pos}");
            }
        }

        _pos++;
        return [.. dims];
    }

    private int ReadDimension()
    {
        var start = _pos;
        while (_pos < _text.Length && char.IsAsciiDigit(_text[_pos]))
        {
            _pos++;
        }

        if (start == _pos)
        {
            throw Error($"malformed 'shape' at header offset {_pos}");
        }

        if (!int.TryParse(_text.AsSpan(start, _pos - start), NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            throw Error($"shape dimension {_text[start.._pos]} is too large");
        }

        if (Peek() == 'L')
        {
            _pos++; // Python 2 long literal, written by old numpy versions
        }

        return value;
    }

    private bool ReadBool()
    {
        if (string.CompareOrdinal(_text, _pos, "True", 0, 4) == 0)
        {
            _pos += 4;
            return true;
        }

        if (string.CompareOrdinal(_text, _pos, "False", 0, 5) == 0)
        {
            _pos += 5;
            return false;
        }

        throw Error($"'fortran_order' must be True or False at header offset {_pos}");
    }

    private string ReadString()
    {
        var quote = Peek();
        if (quote is not ('\'' or '"'))
        {
            throw Error($"expected a quoted string at header offset {_pos}");
        }

        var end = _text.IndexOf(quote, _pos + 1);
        if (end < 0)
        {
            throw Error("unterminated string in header");
        }

        var value = _text[(_pos + 1)..end];
        _pos = end + 1;
        return value;
    }

    private void Expect(char c)
    {
        if (Peek() != c)
        {
            throw Error(_pos >= _text.Length ? $"header ends early (expected '{c}')" : $"expected '{c}' at header offset {_pos}");
        }

        _pos++;
    }

    private char Peek() => _pos < _text.Length ? _text[_pos] : '\0';

    private void SkipSpace()
    {
        while (_pos < _text.Length && char.IsWhiteSpace(_text[_pos]))
        {
            _pos++;
        }
    }

    private EdgeMobileNetException Error(string reason) => new($"{_name}: {reason}");
}
