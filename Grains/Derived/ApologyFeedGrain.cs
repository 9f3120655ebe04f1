using System.Collections.Immutable;
using Concord.Grains.Hosting;
using Concord.Grains.Interfaces.Derived;
using Concord.Grains.Interfaces.Errors;

namespace Concord.Grains.Derived;

/// <summary>The region's apology feed. Notices arrive from account summaries and are de-duplicated by event id.</summary>
internal sealed class ApologyFeedGrain(
    [PersistentState("apology-feed", ConcordStorage.Name)] IPersistentState<ApologyFeedState> persisted) : Grain, IApologyFeedGrain
{
    private readonly IPersistentState<ApologyFeedState> _persisted = persisted;

    public Task<ImmutableArray<ApologyNotice>> GetAsync(string? account = null, int maxCount = 100, CancellationToken cancellationToken = default)
    {
        if (maxCount is < 1 or > 10_000)
        {
            throw new InvalidRequestException("maxCount", $"Ask for 1 to 10000 apologies, not {maxCount}.");
        }

        var notices = _persisted.State.Notices.AsEnumerable().Reverse();
        if (account is not null)
        {
            notices = notices.Where(n => string.Equals(n.Subject, account, StringComparison.Ordinal));
        }

        return Task.FromResult(notices.Take(maxCount).ToImmutableArray());
    }

    public async Task RecordAsync(ApologyNotice notice, CancellationToken cancellationToken = default)
    {
        if (_persisted.State.Notices.Exists(n => n.EventId == notice.EventId))
        {
            return;
        }

        _persisted.State.Notices.Add(notice);
        await _persisted.WriteStateAsync(cancellationToken);
    }
}
