using EdgeMobileNet.ModelBuilder.Architectures;
using EdgeMobileNet.Onnx;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace EdgeMobileNet.ModelBuilder.Tests.Builder;

public sealed class ScratchTests(BuiltModels models) : IClassFixture<BuiltModels>
{
    [Fact]
    public void Scratch()
    {
        var v = models.Get(MobileNetArchitecture.MobileNetV3Large, 0.35, 96);
        var fm = OnnxReader.Read(v.Float, "f");
        var qm = OnnxReader.Read(v.Int8U8, "q");
        var pairs = new List<(string, string)>();
        foreach (var op in v.Net.Ops)
        {
            var fname = op.Name;
            var qname = qm.Graph.Nodes.Any(n => n.Outputs[0] == op.Name + ".conv_dequantized") ? op.Name + ".conv_dequantized" : op.Name + "_dequantized";
            if (fm.Graph.Nodes.Any(n => n.Outputs[0] == fname) && qm.Graph.Nodes.Any(n => n.Outputs[0] == qname))
            {
                pairs.Add((fname, qname));
                fm.Graph.Outputs.Add(new OnnxValueInfo { Name = fname, ElemType = OnnxDataType.Float });
                qm.Graph.Outputs.Add(new OnnxValueInfo { Name = qname, ElemType = OnnxDataType.Float });
            }
        }

        using var fs = new InferenceSession(OnnxWriter.ToBytes(fm));
        using var qs = new InferenceSession(OnnxWriter.ToBytes(qm));
        var input = v.HeldOut[0];
        var t = new DenseTensor<float>(input, [1, 3, 96, 96]);
        using var fr = fs.Run([NamedOnnxValue.CreateFromTensor("input", t)]);
        using var qr = qs.Run([NamedOnnxValue.CreateFromTensor("input", t)]);
        foreach (var (a, b) in pairs)
        {
            var x = fr.First(r => r.Name == a).AsEnumerable<float>().ToArray();
            var y = qr.First(r => r.Name == b).AsEnumerable<float>().ToArray();
            var err = Math.Sqrt(x.Zip(y).Sum(p => (p.First - p.Second) * (double)(p.First - p.Second)) / x.Length);
            var rms = Math.Sqrt(x.Sum(z => z * (double)z) / x.Length);
            TestContext.Current.TestOutputHelper!.WriteLine($"{a}: rms {rms:F3} err {err:F4} rel {err / rms:P1} min {x.Min():F2} max {x.Max():F2}");
        }
    }
}
