using System.Diagnostics;
using EdgeMobileNet.Inference;
using EdgeMobileNet.Station.Frames;
using EdgeMobileNet.Station.State;
using EdgeMobileNet.Vision;

namespace EdgeMobileNet.Station.Classification;

/// <summary>Raw frame → model input → class scores → top-k, with every buffer kept between frames. An upright frame
/// (with or without a region of interest) goes to the model input in one pass (<see cref="FrameToTensor"/>, straight
/// into the quantised input of an int8 model); a turned one is converted to RGB and turned first.</summary>
internal sealed class FrameClassifier : IDisposable
{
    private readonly IClassifier _classifier;
    private readonly Preprocessor _preprocessor;
    private readonly FrameToTensor _toTensor;
    private readonly float[] _scores;
    private readonly FrameView _view;
    private RgbImage? _rgb;
    private int _disposed;

    public FrameClassifier(IClassifier classifier, IReadOnlyList<string> labels, PreprocessOptions preprocess, FrameView view)
    {
        _classifier = classifier;
        Labels = labels;
        _view = view;
        _preprocessor = new Preprocessor(classifier.Input, preprocess);
        _toTensor = new FrameToTensor(classifier, preprocess);
        _scores = new float[classifier.Output.Classes];
    }

    public IReadOnlyList<string> Labels { get; }

    public IClassifier Classifier => _classifier;

    /// <summary>The shorter side a still image needs for the model input (for scaled JPEG decoding); null when a
    /// region of interest or rotation is set, whose pixel coordinates need the full image.</summary>
    public int? DecodeShortSide { get; init; }

    public void Classify(FrameBuffer frame, ClassificationResult result)
    {
        var start = Stopwatch.GetTimestamp();
        if (!_view.Rotates)
        {
            _toTensor.Write(frame.Data, frame.Format, frame.Width, frame.Height, _view.RegionOf(frame.Width, frame.Height));
            var written = Stopwatch.GetTimestamp();
            Finish(_toTensor.Run(), start, written, result);
            return;
        }

        RgbImage rgb;
        if (frame.Format == PixelFormat.RGB24)
        {
            rgb = frame.AsRgbImage();
        }
        else
        {
            if (_rgb is null || _rgb.Width != frame.Width || _rgb.Height != frame.Height)
            {
                _rgb = new RgbImage(frame.Width, frame.Height);
            }

            PixelConverter.ToRgb(frame.Data, frame.Format, frame.Width, frame.Height, _rgb);
            rgb = _rgb;
        }

        _preprocessor.Run(_view.Apply(rgb), _classifier.InputBuffer);
        var preprocessed = Stopwatch.GetTimestamp();
        Finish(_classifier.Run(), start, preprocessed, result);
    }

    private void Finish(ReadOnlySpan<float> output, long start, long preprocessed, ClassificationResult result)
    {
        var inferred = Stopwatch.GetTimestamp();
        ToProbabilities(output, _classifier.Output.IsProbability, _scores);
        TopK(_scores, result);
        result.PreprocessMs = Stopwatch.GetElapsedTime(start, preprocessed).TotalMilliseconds;
        result.InferenceMs = Stopwatch.GetElapsedTime(preprocessed, inferred).TotalMilliseconds;
    }

    /// <summary>Releases the model (once; a replaced model is disposed by the deployment, the last one by the
    /// container).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _classifier.Dispose();
        }
    }

    /// <summary>Softmax for logit outputs, so scores compare with the decision threshold as probabilities.</summary>
    internal static void ToProbabilities(ReadOnlySpan<float> output, bool isProbability, Span<float> scores)
    {
        if (isProbability)
        {
            output.CopyTo(scores);
            return;
        }

        var max = float.NegativeInfinity;
        foreach (var v in output)
        {
            max = Math.Max(max, v);
        }

        var sum = 0.0;
        for (var i = 0; i < output.Length; i++)
        {
            scores[i] = MathF.Exp(output[i] - max);
            sum += scores[i];
        }

        var inv = (float)(1 / sum);
        for (var i = 0; i < output.Length; i++)
        {
            scores[i] *= inv;
        }
    }

    internal static void TopK(ReadOnlySpan<float> scores, ClassificationResult result)
    {
        var k = Math.Min(result.TopIndex.Length, scores.Length);
        var count = 0;
        for (var i = 0; i < scores.Length; i++)
        {
            var s = scores[i];
            if (count == k && s <= result.TopScore[k - 1])
            {
                continue;
            }

            // Insertion into the short sorted list; ties keep the lower index first.
            var pos = count < k ? count++ : k - 1;
            while (pos > 0 && result.TopScore[pos - 1] < s)
            {
                result.TopScore[pos] = result.TopScore[pos - 1];
                result.TopIndex[pos] = result.TopIndex[pos - 1];
                pos--;
            }

            result.TopScore[pos] = s;
            result.TopIndex[pos] = i;
        }

        result.TopCount = count;
        result.Index = result.TopIndex[0];
        result.Score = result.TopScore[0];
    }
}
