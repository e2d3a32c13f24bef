using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using EdgeMobileNet.Cli;
using EdgeMobileNet.ModelTools.Info;

namespace EdgeMobileNet.Commands;

/// <summary>`models info`: what a model file is and which engine can run it.</summary>
internal static class ModelsInfoCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("MODEL") { Description = "ONNX model file" };
        var json = new Option<bool>("--json") { Description = "Print one JSON document" };
        var command = new Command("info", "Inputs/outputs, opsets, op histogram, MACs and parameters, quantisation, metadata, engine support") { model, json };
        command.SetAction(parse =>
        {
            var s = ModelInspector.Inspect(parse.GetValue(model)!);
            var stdout = parse.Out();
            if (parse.GetValue(json))
            {
                WriteJson(stdout, s);
            }
            else
            {
                WriteText(stdout, s);
            }

            return 0;
        });
        return command;
    }

    private static void WriteText(TextWriter o, ModelSummary s)
    {
        var inv = CultureInfo.InvariantCulture;
        o.WriteLine(string.Create(inv, $"{s.Path}: {s.Bytes} bytes, sha256 {s.Sha256}"));
        o.WriteLine(string.Create(inv, $"  format:        ONNX IR {s.IrVersion}, producer '{s.Producer}', opsets {string.Join(", ", s.Opsets.Select(x => $"{x.Domain} {x.Version}"))}"));
        foreach (var i in s.Inputs)
        {
            o.WriteLine($"  input:         {i.Name} {i.Type} {i.Shape}");
        }

        foreach (var x in s.Outputs)
        {
            o.WriteLine($"  output:        {x.Name} {x.Type} {x.Shape}");
        }

        o.WriteLine(string.Create(inv, $"  nodes:         {s.Nodes} ({string.Join(", ", s.Ops.Select(x => $"{x.Op} {x.Count}"))})"));
        var unknown = s.NodesWithoutShape > 0 ? string.Create(inv, $" (+ {s.NodesWithoutShape} layers of unknown size)") : "";
        o.WriteLine(string.Create(inv, $"  cost:          {s.Macs / 1e6:F1}M MACs{unknown}, {s.Parameters / 1e6:F2}M parameters ({s.Macs} MACs, {s.Parameters} parameters)"));
        o.WriteLine($"  quantisation:  {s.Quantization}");
        o.WriteLine($"  labels:        {s.Labels}");
        o.WriteLine($"  preprocessing: {s.Preprocessing}");
        foreach (var (k, v) in s.Metadata)
        {
            o.WriteLine($"  metadata:      {k} = {v}");
        }

        foreach (var e in s.Engines)
        {
            o.WriteLine($"  engine {e.Engine + ":",-8} {(e.CanRun ? "can run it" : $"cannot run it: {CliHost.OneLine(e.Reason ?? "")}")}");
        }
    }

    private static void WriteJson(TextWriter o, ModelSummary s)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("path", s.Path);
            w.WriteNumber("bytes", s.Bytes);
            w.WriteString("sha256", s.Sha256);
            w.WriteNumber("irVersion", s.IrVersion);
            w.WriteString("producer", s.Producer);
            w.WriteStartObject("opsets");
            foreach (var (d, v) in s.Opsets)
            {
                w.WriteNumber(d, v);
            }

            w.WriteEndObject();
            foreach (var (name, list) in new[] { ("inputs", s.Inputs), ("outputs", s.Outputs) })
            {
                w.WriteStartArray(name);
                foreach (var t in list)
                {
                    w.WriteStartObject();
                    w.WriteString("name", t.Name);
                    w.WriteString("type", t.Type);
                    w.WriteString("shape", t.Shape);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
            }

            w.WriteNumber("nodes", s.Nodes);
            w.WriteStartObject("ops");
            foreach (var (op, count) in s.Ops)
            {
                w.WriteNumber(op, count);
            }

            w.WriteEndObject();
            w.WriteNumber("macs", s.Macs);
            w.WriteNumber("layersOfUnknownSize", s.NodesWithoutShape);
            w.WriteNumber("parameters", s.Parameters);
            w.WriteString("quantization", s.Quantization);
            w.WriteString("labels", s.Labels);
            w.WriteString("preprocessing", s.Preprocessing);
            w.WriteStartObject("metadata");
            foreach (var (k, v) in s.Metadata)
            {
                w.WriteString(k, v);
            }

            w.WriteEndObject();
            w.WriteStartArray("engines");
            foreach (var e in s.Engines)
            {
                w.WriteStartObject();
                w.WriteString("engine", e.Engine);
                w.WriteBoolean("canRun", e.CanRun);
                if (e.Reason is not null)
                {
                    w.WriteString("reason", e.Reason);
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        o.WriteLine(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
    }
}
