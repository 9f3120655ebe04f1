using Concord.Grains.Interfaces.Ledger;

namespace Concord.Grains.Constraints;

/// <summary>
/// A region's entry point for strict commands forwarded by other regions: it hands each to the replica here,
/// at the entity's home, where it is decided (one at a time for an entity: I1, I3). One message serves every
/// entity type; the gateway finds the replica from the registered type, or from the ledger's and handles' own commands.
/// </summary>
[Alias("concord.IHomeRegionGatewayGrain")]
public interface IHomeRegionGatewayGrain : IGrainWithIntegerKey
{
    /// <summary>Decides a forwarded command; refused if this region is not the home of its entity.</summary>
    [Alias("command")]
    Task<Entities.ForwardedCommandResult> CommandAsync(Entities.ForwardedCommand command, CancellationToken cancellationToken = default);
}

/// <summary>A strict transfer or payout forwarded to the account's home region. Exactly one of the commands is set.</summary>
[GenerateSerializer, Immutable, Alias("concord.constraints.forwarded-debit")]
public sealed record ForwardedDebit(
    [property: Id(0)] string Account,
    [property: Id(1)] string FromRegion,
    [property: Id(2)] TransferCommand? Transfer,
    [property: Id(3)] PayoutCommand? Payout);

