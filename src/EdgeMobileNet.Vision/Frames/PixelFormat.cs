namespace EdgeMobileNet.Vision;

/// <summary>Raw frame formats a camera pipe can deliver (rpicam-vid, ffmpeg -f rawvideo, V4L2).</summary>
public enum PixelFormat
{
    /// <summary>Planar YUV 4:2:0: full Y plane, then U and V planes at half width and height (rounded up).
    /// ffmpeg "yuv420p", rpicam-vid "--codec yuv420".</summary>
    I420,

    /// <summary>Y plane, then one plane of interleaved U,V pairs at half height (ffmpeg "nv12").</summary>
    NV12,

    /// <summary>Packed 4:2:2, Y0 U Y1 V per pixel pair (ffmpeg "yuyv422", V4L2 YUYV).</summary>
    YUYV,

    /// <summary>Packed R, G, B bytes (ffmpeg "rgb24").</summary>
    RGB24,

    /// <summary>One full-range luma byte per pixel (ffmpeg "gray", V4L2 GREY); shown as grey RGB.</summary>
    GRAY8,
}
