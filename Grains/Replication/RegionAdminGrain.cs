using Concord.Grains.Hosting;
using Concord.Grains.Interfaces.Errors;
using Concord.Grains.Interfaces.Replication;
using Concord.Grains.Storage;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace Concord.Grains.Replication;

[StatelessWorker(1)]
internal sealed class RegionAdminGrain(IEventLogStore store, LinkFaults faults, IOptions<ConcordOptions> options) : Grain, IRegionAdminGrain
{
    private readonly ConcordOptions _options = options.Value;

    public async Task<RegionStatus> GetStatusAsync(CancellationToken cancellationToken = default)
    {
        var peers = await Task.WhenAll(_options.Peers.Select(p => GrainFactory.GetGrain<IOutboundReplicatorGrain>(p).GetStatusAsync(cancellationToken)));
        var digest = await store.GetDigestAsync(cancellationToken);
        var recovery = await GrainFactory.GetGrain<Recovery.IRegionRecoveryGrain>(0).GetStatusAsync(cancellationToken);
        return new RegionStatus(_options.Region, [.. _options.EffectiveRegions], digest.Root.ToString(), _options.FaultInjection, [.. peers], _options.HandlePrimary, Describe(recovery));
    }

    private static string? Describe(Recovery.RegionRecoveryStatus recovery) =>
        !recovery.Recovering ? null
        : $"recovering, no local writes: {recovery.EventsTakenBack} event(s) taken back; answered [{string.Join(", ", recovery.PeersAnswered)}], waiting for [{string.Join(", ", recovery.PeersPending)}]"
            + (recovery.Problem is { } problem ? $"; {problem}" : string.Empty);

    public async Task<EntityLogPage> ReadLogAsync(string entityId, long fromPosition = 1, int maxCount = 100, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrEmpty(entityId) || entityId.Length > 2 * Grains.Interfaces.Events.EntityKeys.MaxLength + 1)
        {
            throw new InvalidRequestException("entity", $"An entity id is 1 to {(2 * Grains.Interfaces.Events.EntityKeys.MaxLength) + 1} characters.");
        }

        if (fromPosition < 1)
        {
            throw new InvalidRequestException("fromPosition", $"Positions start at 1, not {fromPosition}.");
        }

        if (maxCount is < 1 or > 1000)
        {
            throw new InvalidRequestException("maxCount", $"A log page holds 1 to 1000 events, not {maxCount}.");
        }

        var page = await store.ReadAsync(entityId, fromPosition, maxCount, cancellationToken);
        return new EntityLogPage(entityId, [.. page], await store.GetHeadAsync(entityId, cancellationToken));
    }

    public Task SetLinkFaultAsync(string peer, LinkFault fault, CancellationToken cancellationToken = default)
    {
        if (!_options.FaultInjection)
        {
            throw new InvalidRequestException("fault", $"Region '{_options.Region}' runs without fault injection; start it with --fault-injection to cut or heal links.");
        }

        if (!_options.Peers.Contains(peer, StringComparer.Ordinal))
        {
            throw new InvalidRequestException("peer", $"'{peer}' is not a peer of region '{_options.Region}' (peers: {string.Join(", ", _options.Peers)}).");
        }

        if (fault.DropRate is < 0 or > 1 || fault.DuplicateRate is < 0 or > 1 || fault.ReorderRate is < 0 or > 1 || fault.Delay < TimeSpan.Zero)
        {
            throw new InvalidRequestException("fault", "Rates are probabilities between 0 and 1 and the delay cannot be negative.");
        }

        faults.Set(peer, fault);
        return Task.CompletedTask;
    }
}
