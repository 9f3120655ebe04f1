using System.Collections.Immutable;

namespace Concord.Grains.Recovery;

/// <summary>
/// Takes back, from every peer, what the region lost when its database was restored from an older backup or failed
/// over without its last commits; the region's write gates stay shut until it is done. Use key 0.
/// </summary>
[Alias("concord.IRegionRecoveryGrain")]
public interface IRegionRecoveryGrain : IGrainWithIntegerKey
{
    /// <summary>Starts recovering (durably) unless a recovery is already under way.</summary>
    [Alias("begin")]
    Task BeginAsync(CancellationToken cancellationToken = default);

    [Alias("status")]
    Task<RegionRecoveryStatus> GetStatusAsync(CancellationToken cancellationToken = default);
}

/// <summary>Where a recovery stands: the peers that sent back all they hold in this round, those still to answer, and what came back.</summary>
/// <param name="Problem">The last reason a peer's answer could not be used (unreachable, or an event that does not extend the chain here).</param>
[GenerateSerializer, Immutable, Alias("concord.recovery.status")]
public sealed record RegionRecoveryStatus(
    [property: Id(0)] bool Recovering,
    [property: Id(1)] ImmutableArray<string> PeersAnswered,
    [property: Id(2)] ImmutableArray<string> PeersPending,
    [property: Id(3)] int EventsTakenBack,
    [property: Id(4)] string? Problem);

/// <summary>What the recovery grain keeps in storage: only whether a recovery is under way (a restart asks every peer again).</summary>
[GenerateSerializer, Alias("concord.recovery.state")]
internal sealed class RegionRecoveryState
{
    [Id(0)]
    public bool Recovering { get; set; }

    [Id(1)]
    public long BegunAtMs { get; set; }
}
