using Concord.Grains.Interfaces.Derived;
using Concord.Grains.Storage;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;

namespace Concord.Grains.Derived;

/// <summary>Sums the totals shards on request; rebuilds them from the logs on demand.</summary>
[StatelessWorker]
internal sealed partial class RegionTotalsGrain(IEventLogStore store, ILogger<RegionTotalsGrain> logger) : Grain, IRegionTotalsGrain
{
    private const int RebuildPageSize = 256;
    private const int RebuildParallelism = 8;
    private readonly ILogger<RegionTotalsGrain> _logger = logger;

    public async Task<RegionTotals> GetAsync(CancellationToken cancellationToken = default)
    {
        var shards = await Task.WhenAll(Enumerable.Range(0, RegionTotalsShards.Count)
            .Select(i => GrainFactory.GetGrain<IRegionTotalsShardGrain>(i).GetAsync(cancellationToken)));
        return shards.Aggregate(RegionTotals.Zero, (sum, shard) => sum.Add(shard));
    }

    public async Task<RegionTotals> RebuildAsync(CancellationToken cancellationToken = default)
    {
        await Task.WhenAll(Enumerable.Range(0, RegionTotalsShards.Count)
            .Select(i => GrainFactory.GetGrain<IRegionTotalsShardGrain>(i).ResetAsync(cancellationToken)));

        var rebuilt = 0L;
        string? after = null;
        while (true)
        {
            var page = await store.ListEntitiesAsync(after, RebuildPageSize, cancellationToken);
            if (page.Count == 0)
            {
                break;
            }

            // Only accounts feed the totals; every other entity id names its type (handle/NAME, venue/KEY).
            var accounts = page.Where(id => !Concord.Grains.Interfaces.Entities.EntityIds.TrySplit(id, out _, out _)).ToList();
            await Parallel.ForEachAsync(
                accounts,
                new ParallelOptions { MaxDegreeOfParallelism = RebuildParallelism, CancellationToken = cancellationToken, TaskScheduler = TaskScheduler.Current },
                async (account, ct) => await GrainFactory.GetGrain<IAccountSummaryGrain>(account).RebuildAsync(ct));
            rebuilt += accounts.Count;
            after = page[^1];
            LogRebuildProgress(rebuilt);
        }

        return await GetAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Region totals rebuild: {Accounts} account summaries rebuilt so far.")]
    private partial void LogRebuildProgress(long accounts);
}
