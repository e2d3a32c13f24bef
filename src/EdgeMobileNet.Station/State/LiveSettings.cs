namespace EdgeMobileNet.Station.State;

/// <summary>The settings that may change while the station runs (by `cmd/set`): the score threshold, whether the
/// GPIO outputs act, whether inspection is paused, and the continuous trigger's rate.</summary>
public sealed record LiveValues(double Threshold, bool Outputs, bool Paused, double Rate);

/// <summary>
/// The live settings in force, read per result by the decision (threshold), the output sink (outputs) and the
/// triggers (pause, rate). They start from the configuration (and the saved settings file, when commands are on);
/// <see cref="Apply"/> replaces them as a whole, so a reader never sees half a change. Depends on nothing.
/// </summary>
public sealed class LiveSettings
{
    private readonly Lock _gate = new();
    private LiveValues _current;
    private TaskCompletionSource _resumed = NewSignal(completed: true);

    public LiveSettings(LiveValues initial)
    {
        _current = initial;
        if (initial.Paused)
        {
            _resumed = NewSignal(completed: false);
        }
    }

    /// <summary>Raised after each change, on the caller's thread, with the new values.</summary>
    public event Action<LiveValues>? Changed;

    public LiveValues Current => Volatile.Read(ref _current);

    public double Threshold => Current.Threshold;

    public bool OutputsEnabled => Current.Outputs;

    public bool Paused => Current.Paused;

    /// <summary>Puts <paramref name="values"/> in force and tells every listener.</summary>
    public void Apply(LiveValues values)
    {
        ArgumentNullException.ThrowIfNull(values);
        lock (_gate)
        {
            Volatile.Write(ref _current, values);
            if (values.Paused && _resumed.Task.IsCompleted)
            {
                _resumed = NewSignal(completed: false);
            }
            else if (!values.Paused)
            {
                _resumed.TrySetResult();
            }
        }

        Changed?.Invoke(values);
    }

    /// <summary>Completes at once while running, else when inspection is resumed.</summary>
    public Task WhenRunningAsync(CancellationToken cancellationToken)
    {
        Task resumed;
        lock (_gate)
        {
            resumed = _resumed.Task;
        }

        return resumed.IsCompleted ? Task.CompletedTask : resumed.WaitAsync(cancellationToken);
    }

    private static TaskCompletionSource NewSignal(bool completed)
    {
        var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (completed)
        {
            signal.SetResult();
        }

        return signal;
    }
}
