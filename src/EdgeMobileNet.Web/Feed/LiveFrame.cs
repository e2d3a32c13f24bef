namespace EdgeMobileNet.Web.Feed;

/// <summary>The part of a frame the model sees (region of interest, then the centre crop), in frame pixels.</summary>
internal readonly record struct Region(int X, int Y, int Width, int Height);

/// <summary>A JPEG of the frame a result was computed on.</summary>
internal sealed record LiveFrame(long Number, int Width, int Height, Region Roi, byte[] Jpeg);
