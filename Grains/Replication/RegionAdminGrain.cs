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
        return new RegionStatus(_options.Region, [.. _options.EffectiveRegions], digest.Root.ToString(), _options.FaultInjection, [.. peers], _options.HandlePrimary);
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
