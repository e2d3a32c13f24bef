namespace EdgeMobileNet.ModelBuilder.Reference;

/// <summary>
/// Principal directions of a few feature vectors (rows), via the eigen-decomposition of their small Gram matrix
/// (cyclic Jacobi). Used to point the random classifier at the directions in which images actually differ.
/// </summary>
internal static class PrincipalSubspace
{
    /// <summary>Up to <paramref name="maxDirections"/> unit directions (length D) with the rows' std along each.</summary>
    public static List<(double[] Direction, double Std)> Compute(IReadOnlyList<float[]> rows, int maxDirections)
    {
        var n = rows.Count;
        var d = rows[0].Length;
        var mean = new double[d];
        foreach (var r in rows)
        {
            for (var j = 0; j < d; j++)
            {
                mean[j] += r[j] / (double)n;
            }
        }

        var x = rows.Select(r => r.Select((v, j) => v - mean[j]).ToArray()).ToArray();
        var gram = new double[n, n];
        for (var a = 0; a < n; a++)
        {
            for (var b = a; b < n; b++)
            {
                double s = 0;
                for (var j = 0; j < d; j++)
                {
                    s += x[a][j] * x[b][j];
                }

                gram[a, b] = gram[b, a] = s;
            }
        }

        var (values, vectors) = Jacobi(gram);
        var order = Enumerable.Range(0, n).OrderByDescending(i => values[i]).ToArray();
        var result = new List<(double[], double)>();
        foreach (var k in order.Take(maxDirections))
        {
            if (values[k] <= 1e-9 * Math.Max(values[order[0]], 1e-30))
            {
                break;
            }

            var u = new double[d];
            for (var a = 0; a < n; a++)
            {
                for (var j = 0; j < d; j++)
                {
                    u[j] += vectors[a, k] * x[a][j];
                }
            }

            var norm = Math.Sqrt(u.Sum(v => v * v));
            result.Add((u.Select(v => v / norm).ToArray(), Math.Sqrt(values[k] / n)));
        }

        return result;
    }

    private static (double[] Values, double[,] Vectors) Jacobi(double[,] m)
    {
        var n = m.GetLength(0);
        var a = (double[,])m.Clone();
        var v = new double[n, n];
        for (var i = 0; i < n; i++)
        {
            v[i, i] = 1;
        }

        for (var sweep = 0; sweep < 100; sweep++)
        {
            double off = 0;
            for (var p = 0; p < n; p++)
            {
                for (var q = p + 1; q < n; q++)
                {
                    off += a[p, q] * a[p, q];
                }
            }

            if (off < 1e-22)
            {
                break;
            }

            for (var p = 0; p < n; p++)
            {
                for (var q = p + 1; q < n; q++)
                {
                    if (Math.Abs(a[p, q]) < 1e-300)
                    {
                        continue;
                    }

                    var theta = (a[q, q] - a[p, p]) / (2 * a[p, q]);
                    var t = Math.Sign(theta) / (Math.Abs(theta) + Math.Sqrt(theta * theta + 1));
                    if (theta == 0)
                    {
                        t = 1;
                    }

                    var c = 1 / Math.Sqrt(t * t + 1);
                    var s = t * c;
                    for (var k = 0; k < n; k++)
                    {
                        var akp = a[k, p];
                        var akq = a[k, q];
                        a[k, p] = c * akp - s * akq;
                        a[k, q] = s * akp + c * akq;
                    }

                    for (var k = 0; k < n; k++)
                    {
                        var apk = a[p, k];
                        var aqk = a[q, k];
                        a[p, k] = c * apk - s * aqk;
                        a[q, k] = s * apk + c * aqk;
                    }

                    for (var k = 0; k < n; k++)
                    {
                        var vkp = v[k, p];
                        var vkq = v[k, q];
                        v[k, p] = c * vkp - s * vkq;
                        v[k, q] = s * vkp + c * vkq;
                    }
                }
            }
        }

        return (Enumerable.Range(0, n).Select(i => a[i, i]).ToArray(), v);
    }
}
