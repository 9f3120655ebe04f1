namespace Concord.Grains.Derived;

/// <summary>
/// An entity's repair pass for what derives from its log: after writes, a timer asks every consumer to catch up to
/// the log's head, whatever the log feed lost, and stops once all of them have reached a head that did not move.
/// Calls go entity to derived only, never back. Used from the entity grain's scheduler; <paramref name="onPass"/>
/// hears whether each completed pass settled (every consumer at a head that did not move).
/// </summary>
internal sealed class DerivedRepair(
    Func<long> head, Func<long, CancellationToken, Task<bool>> catchUp, Action<Exception, long> onFailure, Action<bool> onPass)
{
    private IGrainTimer? _timer;

    /// <summary>True while a repair is pending.</summary>
    public bool IsArmed => _timer is not null;

    /// <summary>Starts the timer unless it runs already.</summary>
    public void Arm(IGrainBase grain, TimeSpan period) =>
        _timer ??= grain.RegisterGrainTimer(RunAsync, new GrainTimerCreationOptions { DueTime = period, Period = period, Interleave = true });

    /// <summary>One pass: every consumer to the current head; the timer stops when all are there.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var target = head();
        try
        {
            var settled = await catchUp(target, cancellationToken) && head() == target;
            if (settled)
            {
                _timer?.Dispose();
                _timer = null;
            }

            onPass(settled);
        }
        catch (Exception ex)
        {
            onFailure(ex, target);
        }
    }
}
