namespace EdgeMobileNet.Web.Hosting;

/// <summary>The `Web` configuration section: the operator's page and the HTTP endpoints (docs/web.md).</summary>
public sealed class WebOptions
{
    public const string SectionName = "Web";

    /// <summary>Serve the page and the endpoints. Off by default; on in the demo.</summary>
    public bool Enabled { get; set; }

    /// <summary>Where to listen, `;`-separated `http://host:port`. Beyond loopback a token is required.</summary>
    public string Urls { get; set; } = "http://127.0.0.1:8080";

    /// <summary>Shared secret: `Authorization: Bearer &lt;token&gt;` or the login form's cookie.</summary>
    public string Token { get; set; } = "";

    /// <summary>A file holding the token (first line); used when <see cref="Token"/> is empty.</summary>
    public string TokenFile { get; set; } = "";

    /// <summary>Results kept for `/api/events` and the page's list (and for stepping back in paused mode).</summary>
    public int RecentEvents { get; set; } = 200;

    /// <summary>Frames kept as JPEG with their results (the newest ones), for stepping back through the live view.</summary>
    public int RecentFrames { get; set; } = 30;

    /// <summary>Most frames per second encoded for the live view; results in between are listed without a picture.</summary>
    public double FrameRate { get; set; } = 10;

    /// <summary>JPEG quality of the live view, 1–100.</summary>
    public int JpegQuality { get; set; } = 80;
}
