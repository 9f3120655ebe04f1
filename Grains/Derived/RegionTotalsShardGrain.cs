using Concord.Grains.Hosting;
using Concord.Grains.Interfaces.Derived;

namespace Concord.Grains.Derived;

/// <summary>
/// Keeps the latest contribution of each of its accounts and their running sum. It persists on a short
/// timer rather than per report, because the state grows with the accounts; anything lost in a crash is
/// reported again by the summaries or recomputed by a rebuild.
/// </summary>
internal sealed class RegionTotalsShardGrain(
    [PersistentState("totals-shard", ConcordStorage.Name)] IPersistentState<TotalsShardState> persisted) : Grain, IRegionTotalsShardGrain
{
    private static readonly TimeSpan PersistDelay = TimeSpan.FromSeconds(1);
    private readonly IPersistentState<TotalsShardState> _persisted = persisted;
    private RegionTotals _sum = RegionTotals.Zero;
    private IGrainTimer? _persistTimer;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _persisted.State.Accounts = new Dictionary<string, AccountContribution>(_persisted.State.Accounts, StringComparer.Ordinal);
        _sum = _persisted.State.Accounts.Values.Aggregate(RegionTotals.Zero, (sum, c) => sum.Add(c.Totals));
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) =>
        _persistTimer is null || reason.ReasonCode == DeactivationReasonCode.ShuttingDown ? Task.CompletedTask : PersistAsync();

    public Task ReportAsync(string account, AccountContribution contribution, CancellationToken cancellationToken = default)
    {
        var accounts = _persisted.State.Accounts;
        if (accounts.TryGetValue(account, out var previous))
        {
            if (previous.Position >= contribution.Position && !contribution.Replace)
            {
                return Task.CompletedTask;
            }

            _sum = _sum.Subtract(previous.Totals);
        }

        accounts[account] = contribution with { Replace = false };
        _sum = _sum.Add(contribution.Totals);
        _persistTimer ??= this.RegisterGrainTimer(PersistAsync, new GrainTimerCreationOptions { DueTime = PersistDelay, Period = Timeout.InfiniteTimeSpan });
        return Task.CompletedTask;
    }

    public Task<RegionTotals> GetAsync(CancellationToken cancellationToken = default) => Task.FromResult(_sum);

    public async Task ResetAsync(CancellationToken cancellationToken = default)
    {
        _persisted.State.Accounts.Clear();
        _sum = RegionTotals.Zero;
        await PersistAsync();
    }

    private async Task PersistAsync()
    {
        _persistTimer?.Dispose();
        _persistTimer = null;
        await _persisted.WriteStateAsync();
    }
}
