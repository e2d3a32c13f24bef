using System.Text;

namespace EdgeMobileNet.Onnx;

/// <summary>Names from a file are untrusted: keep error messages one line and of sane length.</summary>
internal static class OnnxText
{
    public static string Safe(string name)
    {
        const int max = 120;
        var sb = new StringBuilder(Math.Min(name.Length, max + 3));
        foreach (var c in name)
        {
            if (sb.Length == max)
            {
                sb.Append("...");
                break;
            }

            sb.Append(char.IsControl(c) ? '?' : c);
        }

        return sb.ToString();
    }
}
