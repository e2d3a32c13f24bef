using EdgeMobileNet.Web.Hosting;

namespace EdgeMobileNet.Web.Auth;

/// <summary>The configured token: `Web:Token`, else the first line of `Web:TokenFile`; null when neither is set.</summary>
internal static class TokenSource
{
    public static string? Read(WebOptions options)
    {
        if (options.Token.Length > 0)
        {
            return options.Token;
        }

        if (options.TokenFile.Length == 0 || !File.Exists(options.TokenFile))
        {
            return null;
        }

        using var reader = new StreamReader(options.TokenFile);
        var line = reader.ReadLine()?.Trim();
        return string.IsNullOrEmpty(line) ? null : line;
    }
}
