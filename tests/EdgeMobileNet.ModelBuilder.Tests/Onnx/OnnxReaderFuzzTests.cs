using System.Diagnostics;
using EdgeMobileNet.Onnx;

namespace EdgeMobileNet.ModelBuilder.Tests.Onnx;

/// <summary>
/// Mutated and truncated copies of real models must either load or fail with <see cref="OnnxFormatException"/>,
/// quickly, and a model that loads must also survive its tensor accessors the same way.
/// </summary>
public sealed class OnnxReaderFuzzTests
{
    [Theory]
    [MemberData(nameof(SharedModels.Names), MemberType = typeof(SharedModels))]
    public void Mutated_shared_models_fail_only_with_OnnxFormatException(string name)
    {
        var original = File.ReadAllBytes(SharedModels.Path(name));
        var outcome = Fuzz(original, iterations: 600, seed: name.Length);

        // Both outcomes must occur, or the mutations did not reach the structure.
        Assert.True(outcome.Rejected > 100, $"only {outcome.Rejected} rejections");
        Assert.True(outcome.Accepted > 10, $"only {outcome.Accepted} accepted");
    }

    [Fact]
    public void Mutated_small_model_fails_only_with_OnnxFormatException()
    {
        // A small model puts every mutation near structure (tags, lengths, attributes), not inside weight bytes.
        var original = OnnxWriter.ToBytes(OnnxTestModels.Small());
        var outcome = Fuzz(original, iterations: 20_000, seed: 7);
        Assert.True(outcome.Rejected > 5_000, $"only {outcome.Rejected} rejections");
    }

    [Fact]
    public void Every_prefix_of_a_small_model_is_rejected_or_read()
    {
        var original = OnnxWriter.ToBytes(OnnxTestModels.Small());
        for (var length = 0; length < original.Length; length++)
        {
            Attempt(original.AsSpan(0, length).ToArray(), $"prefix {length}");
        }
    }

    private static (int Accepted, int Rejected) Fuzz(byte[] original, int iterations, int seed)
    {
        var random = new Random(seed);
        int accepted = 0, rejected = 0;
        var slowest = TimeSpan.Zero;
        for (var i = 0; i < iterations; i++)
        {
            var mutated = Mutate(original, random);
            var watch = Stopwatch.StartNew();
            if (Attempt(mutated, $"mutation {i}"))
            {
                accepted++;
            }
            else
            {
                rejected++;
            }

            slowest = watch.Elapsed > slowest ? watch.Elapsed : slowest;
        }

        // "Never hangs": no single parse of a (<= 14 MB) file may take long.
        Assert.True(slowest < TimeSpan.FromSeconds(2), $"slowest parse took {slowest}");
        return (accepted, rejected);
    }

    /// <summary>True when read fine, false when rejected with OnnxFormatException; anything else fails the test.</summary>
    private static bool Attempt(byte[] data, string what)
    {
        try
        {
            var model = OnnxReader.Read(data, what);
            TouchEverything(model);
            return true;
        }
        catch (OnnxFormatException e)
        {
            Assert.StartsWith(what + ":", e.Message);
            Assert.DoesNotContain('\n', e.Message);
            return false;
        }
        catch (Exception e)
        {
            Assert.Fail($"{what}: {e.GetType().Name} instead of OnnxFormatException: {e.Message}");
            return false;
        }
    }

    private static void TouchEverything(OnnxModel model)
    {
        foreach (var tensor in model.Graph.Initializers.Concat(model.Graph.Nodes.SelectMany(n => n.Attributes).Where(a => a.T is not null).Select(a => a.T!)))
        {
            try
            {
                _ = tensor.DataType switch
                {
                    OnnxDataType.Float or OnnxDataType.Double or OnnxDataType.Float16 => tensor.ToFloatArray().Length,
                    OnnxDataType.Int64 => tensor.ToInt64Array().Length,
                    OnnxDataType.Int8 or OnnxDataType.UInt8 => tensor.AsBytes().Length + tensor.ToInt32Array().Length,
                    OnnxDataType.Int32 or OnnxDataType.Int16 or OnnxDataType.UInt16 => tensor.ToInt32Array().Length,
                    _ => 0,
                };
            }
            catch (OnnxFormatException)
            {
                // A mutated type byte may make a tensor unreadable as its new type; that is a proper rejection.
            }
        }

        foreach (var node in model.Graph.Nodes)
        {
            foreach (var attribute in node.Attributes)
            {
                try
                {
                    _ = attribute.Type switch
                    {
                        OnnxAttributeType.Int => node.GetInt(attribute.Name, 0),
                        OnnxAttributeType.Ints => node.GetInts(attribute.Name)!.Length,
                        OnnxAttributeType.Float => node.GetFloat(attribute.Name, 0),
                        OnnxAttributeType.String => node.GetString(attribute.Name)!.Length,
                        _ => 0,
                    };
                }
                catch (OnnxFormatException)
                {
                    // Duplicate attribute names with different types are malformed, and reported as such.
                }
            }
        }
    }

    private static byte[] Mutate(byte[] original, Random random)
    {
        // Bias positions to the first and last 32 KiB, where node lists and signatures live, so that most mutations
        // hit structure rather than weight bytes.
        int Position(int length) => random.Next(3) switch
        {
            0 => random.Next(Math.Min(length, 32_768)),
            1 => Math.Max(0, length - 1 - random.Next(Math.Min(length, 32_768))),
            _ => random.Next(length),
        };

        var data = (byte[])original.Clone();
        switch (random.Next(6))
        {
            case 0:
                return data.AsSpan(0, random.Next(data.Length)).ToArray();
            case 1:
                for (var k = random.Next(1, 5); k > 0; k--)
                {
                    data[Position(data.Length)] ^= (byte)(1 << random.Next(8));
                }

                return data;
            case 2:
                for (var k = random.Next(1, 4); k > 0; k--)
                {
                    data[Position(data.Length)] = (byte)random.Next(256);
                }

                return data;
            case 3:
            {
                // A run of 0xFF: huge varints and lengths.
                var at = Position(data.Length);
                for (var k = 0; k < random.Next(1, 11) && at + k < data.Length; k++)
                {
                    data[at + k] = 0xFF;
                }

                return data;
            }

            case 4:
            {
                var at = Position(data.Length);
                var junk = new byte[random.Next(1, 16)];
                random.NextBytes(junk);
                return [.. data.AsSpan(0, at), .. junk, .. data.AsSpan(at)];
            }

            default:
            {
                var at = Position(data.Length);
                var count = random.Next(1, Math.Min(64, data.Length - at) + 1);
                return [.. data.AsSpan(0, at), .. data.AsSpan(at + count)];
            }
        }
    }
}
