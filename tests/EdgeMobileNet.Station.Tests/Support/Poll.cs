namespace EdgeMobileNet.Station.Tests.Support;

/// <summary>Waits for an in-process condition (a counter, a health state) by checking it every 20 ms.</summary>
internal static class Poll
{
    /// <summary>True as soon as <paramref name="condition"/> holds; false once <paramref name="timeout"/> has passed.</summary>
    public static async Task<bool> UntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(20);
        }

        return true;
    }
}
