using System.Buffers.Binary;
using System.Text;
using EdgeMobileNet.Inference;
using EdgeMobileNet.Tests.Common;
using EdgeMobileNet.Vision;
using Xunit;

namespace EdgeMobileNet.Vision.Tests.Tensors;

public sealed class NpyTests : IDisposable
{
    private readonly string _dir = TestAssets.NewTempDir();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Float32_round_trip_keeps_shape_and_bits()
    {
        var path = Path.Combine(_dir, "f.npy");
        float[] data = [1.5f, -0f, float.Epsilon, float.MaxValue, float.NaN, -3.25f];
        Npy.Write(path, data, [2, 3]);

        var read = Npy.Read(path);
        Assert.Equal([2, 3], read.Shape);
        Assert.Null(read.UInt8);
        Assert.Equal(data.Select(BitConverter.SingleToInt32Bits), read.Float32!.Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void Uint8_round_trip_and_one_dimensional_shape()
    {
        var path = Path.Combine(_dir, "u.npy");
        byte[] data = [0, 1, 127, 128, 255];
        Npy.WriteUInt8(path, data, [5]);

        var read = Npy.Read(path);
        Assert.Equal([5], read.Shape);
        Assert.Equal(data, read.UInt8);
        Assert.Contains("'shape': (5,)", Encoding.Latin1.GetString(File.ReadAllBytes(path)));
    }

    [Fact]
    public void Zero_dimensional_array_holds_one_value()
    {
        var path = Path.Combine(_dir, "s.npy");
        Npy.Write(path, [42f], []);
        var read = Npy.Read(path);
        Assert.Empty(read.Shape);
        Assert.Equal([42f], read.Float32!);
    }

    [Fact]
    public void Written_header_is_byte_identical_to_numpy()
    {
        // The shared reference crops were written by NumPy; the same dtype and shape must give the same header.
        var numpy = File.ReadAllBytes(TestAssets.Require("models/reference/inputs/cat_rgb_u8_1x224x224x3.npy"));
        var path = Path.Combine(_dir, "crop.npy");
        Npy.Write(path, new byte[224 * 224 * 3], [1, 224, 224, 3]);
        var ours = File.ReadAllBytes(path);

        var headerEnd = 10 + BinaryPrimitives.ReadUInt16LittleEndian(numpy.AsSpan(8));
        Assert.Equal(0, headerEnd % 64);
        Assert.Equal(numpy.Length, ours.Length);
        Assert.Equal(numpy.AsSpan(0, headerEnd).ToArray(), ours.AsSpan(0, headerEnd).ToArray());
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void Reads_format_versions_2_and_3(int version)
    {
        var path = Write("v.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", Floats(0.5f, 2f), version);
        var read = Npy.Read(path);
        Assert.Equal([2], read.Shape);
        Assert.Equal([0.5f, 2f], read.Float32!);
    }

    [Fact]
    public void Float64_is_narrowed_to_float32()
    {
        var data = new byte[16];
        BinaryPrimitives.WriteDoubleLittleEndian(data, 0.1);
        BinaryPrimitives.WriteDoubleLittleEndian(data.AsSpan(8), -2.5);
        var read = Npy.Read(Write("d.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2)}", data));
        Assert.Equal([0.1f, -2.5f], read.Float32!);
    }

    [Fact]
    public void Big_endian_float32_is_swapped()
    {
        var data = new byte[4];
        BinaryPrimitives.WriteSingleBigEndian(data, 3.75f);
        Assert.Equal([3.75f], Npy.Read(Write("b.npy", "{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", data)).Float32!);
    }

    [Fact]
    public void Key_order_and_spacing_are_free()
    {
        var read = Npy.Read(Write("k.npy", "{ \"shape\":(3,) ,'fortran_order':False,'descr':'|u1' }", [7, 8, 9]));
        Assert.Equal([7, 8, 9], read.UInt8!);
    }

    public static TheoryData<string, byte[], string> Malformed => new()
    {
        { "empty", [], "bad magic" },
        { "bad magic", Encoding.ASCII.GetBytes("PK\x03\x04 this is a zip"), "bad magic" },
        { "version 4", [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 4, 0, 0, 0], "version 4.0" },
        { "header length past the end", Raw("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", [], 1, headerLengthExtra: 100), "truncated header" },
        { "magic only", [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0, 5], "truncated header" },
        { "truncated data", Raw("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", new byte[15]), "truncated data" },
        { "trailing bytes", Raw("{'descr': '|u1', 'fortran_order': False, 'shape': (2,), }", new byte[3]), "unexpected bytes" },
        { "fortran order", Raw("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", new byte[16]), "fortran_order" },
        { "int64", Raw("{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }", new byte[8]), "unsupported dtype '<i8'" },
        { "structured dtype", Raw("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", new byte[4]), "structured" },
        { "missing shape", Raw("{'descr': '<f4', 'fortran_order': False, }", new byte[4]), "no 'shape'" },
        { "missing descr", Raw("{'fortran_order': False, 'shape': (1,), }", new byte[4]), "no 'descr'" },
        { "bad shape", Raw("{'descr': '<f4', 'fortran_order': False, 'shape': (2, x), }", new byte[8]), "malformed 'shape'" },
        { "negative dimension", Raw("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }", new byte[8]), "malformed 'shape'" },
        { "huge dimension", Raw("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999,), }", []), "too large" },
        { "huge product", Raw("{'descr': '<f4', 'fortran_order': False, 'shape': (65536, 65536), }", []), "too large" },
        { "not a dict", Raw("['descr', '<f4']", []), "expected '{'" },
        { "unterminated", Raw("{'descr': '<f4", []), "unterminated" },
        { "cut-off dict", Raw("{'descr': '<f4', 'fortran_order': False, 'shape': (1,)", new byte[4]), "expected ',' or '}'" },
        { "extra key", Raw("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}", new byte[4]), "unexpected header key 'x'" },
        { "fortran not bool", Raw("{'descr': '<f4', 'fortran_order': 0, 'shape': (1,), }", new byte[4]), "True or False" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Malformed_file_gives_one_line_error_naming_it(string name, byte[] bytes, string reason)
    {
        var path = Path.Combine(_dir, name.Replace(' ', '_') + ".npy");
        File.WriteAllBytes(path, bytes);

        var ex = Assert.Throws<EdgeMobileNetException>(() => Npy.Read(path));
        Assert.StartsWith(path + ": ", ex.Message);
        Assert.Contains(reason, ex.Message);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Fact]
    public void Missing_file_is_named()
    {
        var path = Path.Combine(_dir, "nope.npy");
        var ex = Assert.Throws<EdgeMobileNetException>(() => Npy.Read(path));
        Assert.Equal($"{path}: file not found", ex.Message);
    }

    [Fact]
    public void Write_rejects_a_shape_that_does_not_match_the_data()
    {
        var ex = Assert.Throws<ArgumentException>(() => Npy.Write(Path.Combine(_dir, "x.npy"), new float[5], [2, 3]));
        Assert.Contains("6 elements", ex.Message);
    }

    private static byte[] Floats(params float[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
        }

        return bytes;
    }

    private string Write(string name, string header, byte[] data, int version = 1)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, Raw(header, data, version));
        return path;
    }

    // A .npy file assembled by hand, so malformed variants are easy to express.
    private static byte[] Raw(string header, byte[] data, int version = 1, int headerLengthExtra = 0)
    {
        var text = Encoding.UTF8.GetBytes(header + "\n");
        var prefix = version == 1 ? 10 : 12;
        var bytes = new byte[prefix + text.Length + data.Length];
        bytes[0] = 0x93;
        "NUMPY"u8.CopyTo(bytes.AsSpan(1));
        bytes[6] = (byte)version;
        if (version == 1)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), (ushort)(text.Length + headerLengthExtra));
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), (uint)(text.Length + headerLengthExtra));
        }

        text.CopyTo(bytes.AsSpan(prefix));
        data.CopyTo(bytes.AsSpan(prefix + text.Length));
        return bytes;
    }
}
