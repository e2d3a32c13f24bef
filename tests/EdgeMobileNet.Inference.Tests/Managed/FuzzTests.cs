using System.Collections.Concurrent;
using System.Diagnostics;
using EdgeMobileNet.Inference.Engines.Managed;
using EdgeMobileNet.Onnx;
using EdgeMobileNet.Tests.Common;
using Xunit;

namespace EdgeMobileNet.Inference.Tests.Managed;

/// <summary>
/// 2,000 seeded mutations of the shared models (truncations, byte changes anywhere, and structural edits through the
/// object model: dims, attributes, op types, wiring). Each must load and run, or throw <see cref="ModelLoadException"/>;
/// any other exception or a case exceeding its time limit fails the test.
/// </summary>
public sealed class FuzzTests(ITestOutputHelper output)
{
    private const int Cases = 2000;
    private static readonly TimeSpan CaseLimit = TimeSpan.FromSeconds(60);

    [Fact]
    public void MutatedModelsLoadAndRunOrFailWithModelLoadException()
    {
        var sources = new[] { TestAssets.ZooInt8, TestAssets.TorchvisionQdq, TestAssets.DerivedFloat }.Select(File.ReadAllBytes).ToArray();
        var failures = new ConcurrentQueue<string>();
        var outcomes = new ConcurrentDictionary<string, int>();
        var sw = Stopwatch.StartNew();
        Parallel.For(0, Cases, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(2, Environment.ProcessorCount) }, i =>
        {
            var rng = new Random(i);
            // The 14 MB float model is the slowest to parse and run; give it one case in four.
            var source = sources[(i % 4) switch { 0 or 3 => 0, 1 => 1, _ => 2 }];
            var (kind, bytes) = Mutate(rng, source);
            var task = Task.Run(() => Attempt(bytes));
            if (!task.Wait(CaseLimit))
            {
                failures.Enqueue($"case {i} ({kind}): no result within {CaseLimit.TotalSeconds} s");
                return;
            }

            var result = task.Result;
            outcomes.AddOrUpdate($"{kind}: {result.Outcome}", 1, (_, n) => n + 1);
            if (result.Failure is { } f)
            {
                failures.Enqueue($"case {i} ({kind}): {f}");
            }
        });

        foreach (var kv in outcomes.OrderBy(k => k.Key, StringComparer.Ordinal))
        {
            output.WriteLine($"{kv.Key}: {kv.Value}");
        }

        output.WriteLine($"{Cases} cases in {sw.Elapsed.TotalSeconds:F0} s");
        Assert.True(failures.IsEmpty, string.Join(Environment.NewLine, failures.Take(20)));
        Assert.Equal(Cases, outcomes.Values.Sum());
    }

    private static (string Outcome, string? Failure) Attempt(byte[] bytes)
    {
        try
        {
            using var engine = ManagedClassifier.Load("fuzz.onnx", bytes, EdgeMobileNet.Inference.Engines.Managed.Kernels.Scalar.ScalarConvKernels.Instance);
            engine.InputBuffer.Fill(0.5f);
            var y = engine.Run();
            return y.Length == engine.Output.Classes ? ("ran", null) : ("ran", $"output length {y.Length} != {engine.Output.Classes}");
        }
        catch (ModelLoadException ex)
        {
            return ex.Message.Contains('\n') ? ("rejected", $"multi-line message: {ex.Message}") : ("rejected", null);
        }
        catch (Exception ex)
        {
            return ("crashed", $"{ex.GetType().Name}: {ex.Message}{Environment.NewLine}{ex.StackTrace}");
        }
    }

    private static (string Kind, byte[] Bytes) Mutate(Random rng, byte[] source)
    {
        switch (rng.Next(4))
        {
            case 0:
                return ("truncated", source[..rng.Next(source.Length)]);
            case 1:
            {
                var b = (byte[])source.Clone();
                var n = rng.Next(1, 33);
                for (var k = 0; k < n; k++)
                {
                    b[rng.Next(b.Length)] = (byte)rng.Next(256);
                }

                return ("bytes", b);
            }

            case 2:
            {
                // Structure lives in the small non-weight part of the file: mutate near the node list and headers.
                var b = (byte[])source.Clone();
                var n = rng.Next(1, 9);
                var head = Math.Min(b.Length, 64 * 1024);
                for (var k = 0; k < n; k++)
                {
                    var pos = rng.Next(2) == 0 ? rng.Next(head) : b.Length - 1 - rng.Next(head);
                    b[pos] = (byte)rng.Next(256);
                }

                return ("header-bytes", b);
            }

            default:
                return ("structure", MutateStructure(rng, source));
        }
    }

    private static readonly long[] Interesting = [-1, 0, 1, 2, 3, 7, 1000, 1 << 20, int.MaxValue, long.MaxValue, long.MinValue];

    private static readonly string[] Ops = ["Conv", "Add", "Mul", "Relu", "Reshape", "Gemm", "QLinearConv", "Transpose", "GlobalAveragePool", "Softmax", "LSTM", "Pad"];

    private static byte[] MutateStructure(Random rng, byte[] source)
    {
        var model = OnnxReader.Read(source, "fuzz.onnx");
        var g = model.Graph;
        var edits = rng.Next(1, 4);
        for (var e = 0; e < edits; e++)
        {
            var node = g.Nodes[rng.Next(g.Nodes.Count)];
            switch (rng.Next(8))
            {
                case 0 when node.Attributes.Count > 0:
                {
                    var a = node.Attributes[rng.Next(node.Attributes.Count)];
                    if (a.Ints.Length > 0)
                    {
                        a.Ints[rng.Next(a.Ints.Length)] = Interesting[rng.Next(Interesting.Length)];
                    }
                    else
                    {
                        a.I = Interesting[rng.Next(Interesting.Length)];
                        a.F = (float)Interesting[rng.Next(Interesting.Length)];
                    }

                    break;
                }

                case 1:
                    node.OpType = Ops[rng.Next(Ops.Length)];
                    break;
                case 2 when node.Inputs.Count > 0:
                    node.Inputs[rng.Next(node.Inputs.Count)] = rng.Next(2) == 0 ? "" : g.Nodes[rng.Next(g.Nodes.Count)].Outputs[0];
                    break;
                case 3:
                    g.Nodes.Remove(node);
                    break;
                case 4:
                {
                    // Same element count, different shape: shape checks must catch it.
                    var t = g.Initializers[rng.Next(g.Initializers.Count)];
                    if (t.Dims.Length >= 2)
                    {
                        Array.Reverse(t.Dims);
                    }
                    else if (t.DataType == OnnxDataType.Int64 && t.ElementCount > 0)
                    {
                        var values = t.ToInt64Array();
                        values[rng.Next(values.Length)] = Interesting[rng.Next(Interesting.Length)];
                        g.Initializers[g.Initializers.IndexOf(t)] = OnnxTensor.FromInt64(t.Name, t.Dims, values);
                    }

                    break;
                }

                case 5 when g.Inputs[0].Dims is { Length: > 0 } dims:
                    dims[rng.Next(dims.Length)] = OnnxDim.Fixed(Interesting[rng.Next(Interesting.Length)]);
                    break;
                case 6:
                    node.Domain = rng.Next(2) == 0 ? "com.microsoft" : "";
                    break;
                default:
                    node.Attributes.Clear();
                    break;
            }
        }

        return OnnxWriter.ToBytes(model);
    }
}
