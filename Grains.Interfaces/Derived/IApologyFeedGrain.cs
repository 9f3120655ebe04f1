using System.Collections.Immutable;
using Concord.Grains.Interfaces.Events;

namespace Concord.Grains.Interfaces.Derived;

/// <summary>
/// The region's feed of apologies, derived from apology events in entity logs: overdraft apologies and
/// rejected optimistic handle claims. Use key 0.
/// </summary>
[Alias("concord.IApologyFeedGrain")]
public interface IApologyFeedGrain : IGrainWithIntegerKey
{
    /// <summary>The newest apologies first, optionally only those about <paramref name="account"/>.</summary>
    [Alias("get")]
    [Events.RequiresRole(Events.ClientRole.Reader)]
    Task<ImmutableArray<ApologyNotice>> GetAsync(string? account = null, int maxCount = 100, CancellationToken cancellationToken = default);

    [Alias("record")]
    Task RecordAsync(ApologyNotice notice, CancellationToken cancellationToken = default);
}

[GenerateSerializer, Immutable, Alias("concord.derived.apology-notice")]
public sealed record ApologyNotice(
    [property: Id(0)] EventId EventId,
    [property: Id(1)] HlcTimestamp Hlc,
    [property: Id(2)] string Kind,
    [property: Id(3)] string Description,
    [property: Id(4)] string? Account = null)
{
    /// <summary>The account the apology is owed to: <see cref="Account"/>, or the entity whose log holds it.</summary>
    public string Subject => Account ?? EventId.EntityId;
}
