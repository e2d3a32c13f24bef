// The capture code is Linux-only (V4L2, rpicam-vid); so are its tests.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
