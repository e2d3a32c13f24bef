// Deployment targets Linux only (systemd, Unix sockets, file modes).
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
