using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace EdgeMobileNet.Web.Auth;

/// <summary>
/// The token check in front of every endpoint when a token is configured: `Authorization: Bearer &lt;token&gt;`
/// (scripts, Prometheus) or the session cookie the login form sets (browsers). The cookie holds an HMAC of the
/// token, not the token, and changes when the token does. Without a token (loopback only) everything is open.
/// </summary>
internal sealed class TokenGate
{
    public const string CookieName = "edgemobilenet_session";
    private static readonly TimeSpan FailureDelay = TimeSpan.FromMilliseconds(300);
    private readonly byte[]? _token;
    private readonly byte[]? _session;

    public TokenGate(string? token)
    {
        if (token is { Length: > 0 })
        {
            _token = Encoding.UTF8.GetBytes(token);
            _session = Encoding.ASCII.GetBytes(Convert.ToHexStringLower(HMACSHA256.HashData(_token, "edgemobilenet-session"u8)));
        }
    }

    public bool Required => _token is not null;

    /// <summary>The cookie value a successful login sets.</summary>
    public string SessionValue => _session is null ? "" : Encoding.ASCII.GetString(_session);

    public bool IsAuthorized(HttpRequest request)
    {
        if (_token is null)
        {
            return true;
        }

        var header = request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return Matches(header.AsSpan(7).Trim(), _token);
        }

        return request.Cookies.TryGetValue(CookieName, out var cookie) && Matches(cookie, _session!);
    }

    public bool IsToken(string? candidate) => _token is not null && candidate is not null && Matches(candidate, _token);

    /// <summary>Slows down guessing: every failed attempt costs the caller this long.</summary>
    public static Task PenaltyAsync(CancellationToken cancellationToken) => Task.Delay(FailureDelay, cancellationToken);

    private static bool Matches(ReadOnlySpan<char> candidate, byte[] expected)
    {
        Span<byte> buffer = stackalloc byte[256];
        var count = Encoding.UTF8.GetMaxByteCount(candidate.Length) <= buffer.Length
            ? Encoding.UTF8.GetBytes(candidate, buffer)
            : -1;
        return count == expected.Length && CryptographicOperations.FixedTimeEquals(buffer[..count], expected);
    }
}
