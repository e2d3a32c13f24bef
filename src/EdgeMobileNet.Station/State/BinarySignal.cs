namespace EdgeMobileNet.Station.State;

/// <summary>A semaphore used as a binary "something is waiting" signal: one pending release is enough to wake the
/// single waiter, so a release is made only when none is pending.</summary>
internal static class BinarySignal
{
    public static void Set(SemaphoreSlim semaphore)
    {
        if (semaphore.CurrentCount == 0)
        {
            try
            {
                semaphore.Release();
            }
            catch (SemaphoreFullException)
            {
                // Raced with another release: the waiter is already signalled.
            }
        }
    }
}
