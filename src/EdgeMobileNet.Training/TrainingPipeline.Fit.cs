using System.Numerics.Tensors;
using EdgeMobileNet.Inference;
using EdgeMobileNet.Onnx;

namespace EdgeMobileNet.Training;

/// <summary>One fit of the chosen method on a set of training images (used for every fold and for the final
/// model), and running a fold's int8 head on its held-out images.</summary>
public static partial class TrainingPipeline
{
    /// <summary>Training views of one image set: the plain view and every augmented view of each image, with their
    /// pooled features under the backbone's trained convolution.</summary>
    private sealed record TrainingViews(ActivationStore Plain, IReadOnlyList<ActivationStore> Extra, float[][] HPlain, IReadOnlyList<float[][]> HExtra, int[] Labels);

    private static (HeadModel Model, float Lambda) Fit(HeadModel template, TrainingOptions options, int[] train, TrainingViews views,
        IProgress<TrainingProgress>? progress, string what, (int Phase, int Phases) phase, CancellationToken cancel)
    {
        cancel.ThrowIfCancellationRequested();
        var h = new List<float[]>();
        var x = new ActivationView();
        var y = new List<int>();
        foreach (var i in train)
        {
            h.Add(views.HPlain[i]);
            x.Add(views.Plain, i);
            y.Add(views.Labels[i]);
            for (var v = 0; v < views.Extra.Count; v++)
            {
                h.Add(views.HExtra[v][i]);
                x.Add(views.Extra[v], i);
                y.Add(views.Labels[i]);
            }
        }

        var ya = y.ToArray();
        var m = template.Clone();
        if (options.Method == "centroid")
        {
            Centroids(m, h, ya);
            return (m, 0);
        }

        var lambda = Trainer.ChooseLambda(template, h, ya, options.Settings);
        Trainer.FitHead(m, h, ya, lambda, options.Settings.HeadIterations);
        if (options.Method == "finetune" && options.Settings.Epochs > 0)
        {
            var bs = options.Settings.BatchSize;
            var meter = new ProgressMeter(progress, $"fine-tuning ({what})", options.Settings.Epochs * ((x.Count + bs - 1) / bs), phase.Phase, phase.Phases);
            Trainer.FineTune(m, x, ya, lambda, options.Settings, (step, _) =>
            {
                cancel.ThrowIfCancellationRequested();
                meter.Report(step, "optimiser steps");
            });
        }

        return (m, lambda);
    }

    /// <summary>Nearest class mean on cosine similarity (imprinting) of centred embeddings: the mean embedding of
    /// the training images is subtracted (images of one product share most of their activations), each class's
    /// weight is the normalised mean of its normalised centred embeddings. A query's norm scales every logit alike,
    /// so the argmax is the cosine one.</summary>
    private static void Centroids(HeadModel m, List<float[]> h, int[] y)
    {
        Array.Clear(m.Mean);
        foreach (var v in h)
        {
            TensorPrimitives.Add(m.Mean, v, m.Mean);
        }

        TensorPrimitives.Divide(m.Mean, h.Count, m.Mean);
        Array.Fill(m.Scale, 1f);
        Array.Clear(m.D);
        Array.Clear(m.V);
        var unit = new float[m.O];
        double meanNorm = 0;
        for (var i = 0; i < h.Count; i++)
        {
            TensorPrimitives.Subtract(h[i], m.Mean, unit);
            var norm = TensorPrimitives.Norm(unit);
            meanNorm += norm / h.Count;
            TensorPrimitives.Divide(unit, Math.Max(norm, 1e-12f), unit);
            var row = m.V.AsSpan(y[i] * m.O, m.O);
            TensorPrimitives.Add(row, unit, row);
        }

        for (var k = 0; k < m.K; k++)
        {
            var row = m.V.AsSpan(k * m.O, m.O);
            var norm = TensorPrimitives.Norm(row);
            if (norm > 0)
            {
                // Unit class vectors, scaled so that a typical query gives logits of a few units (a usable softmax).
                TensorPrimitives.Multiply(row, (float)(5.0 / (norm * Math.Max(meanNorm, 1e-12))), row);
            }
        }
    }

    private static float[][] RunTail(OnnxModel tail, ActivationView cut, string engine)
    {
        var path = Path.Combine(Path.GetTempPath(), $"edgemobilenet-head-{Environment.ProcessId}-{Guid.NewGuid():N}.onnx");
        OnnxWriter.Write(tail, path);
        try
        {
            using var c = ClassifierFactory.Create(path, new ClassifierOptions { Engine = engine, Threads = 1 });
            var result = new float[cut.Count][];
            for (var i = 0; i < cut.Count; i++)
            {
                cut.ChannelMajor(i).CopyTo(c.InputBuffer);
                result[i] = c.Run().ToArray();
                HeadModel.Softmax(result[i]);
            }

            return result;
        }
        finally
        {
            File.Delete(path);
        }
    }


    /// <summary>The final model (float head and, for an int8 backbone, the int8 head as written) on the test images'
    /// cached cut activations.</summary>
    private static RestTestReport TestOnRest(Backbone backbone, HeadModel final, HeadRanges ranges, ActivationStore store, int[] truth, TrainingOptions options, int k)
    {
        var all = Enumerable.Range(0, store.Count).ToArray();
        var view = store.Select(all);
        var h = final.PoolAll(view, options.Settings.Threads);
        var std = new float[final.O];
        var p = new float[k];
        var predictedFloat = new int[all.Length];
        for (var i = 0; i < all.Length; i++)
        {
            final.Logits(h[i], std, p);
            predictedFloat[i] = ArgMax(p);
        }

        var predicted = predictedFloat;
        double? accuracyInt8 = null;
        if (backbone.IsQuantized)
        {
            var probabilities = RunTail(HeadExporter.Export(backbone, final, ranges, tailOnly: true, []), view, options.Engine);
            predicted = probabilities.Select(q => ArgMax(q)).ToArray();
            accuracyInt8 = Metrics.Accuracy(truth, predicted);
        }

        return new RestTestReport(all.Length, Metrics.Accuracy(truth, predictedFloat), accuracyInt8, Metrics.Confusion(truth, predicted, k));
    }
}
