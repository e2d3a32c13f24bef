using EdgeMobileNet.Inference;

namespace EdgeMobileNet.Capture.V4l2;

/// <summary>A camera that cannot be used as configured: absent, not a capture device, a format or control value it
/// does not support. One line naming the device and the option; the CLI prints it and exits with code 2.</summary>
internal class CameraException : EdgeMobileNetException
{
    public CameraException(string message, int errno = 0) : base(message)
    {
        Errno = errno;
    }

    /// <summary>The errno behind the failure, 0 when it is a configuration mismatch.</summary>
    public int Errno { get; }
}

/// <summary>The device went away while open (ENODEV): unplugged, or its driver unbound.</summary>
internal sealed class CameraLostException : CameraException
{
    public CameraLostException(string message, int errno) : base(message, errno) { }
}
