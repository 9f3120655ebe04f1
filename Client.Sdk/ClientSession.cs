using System.Collections.Concurrent;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Handles;
using Concord.Grains.Interfaces.Ledger;

namespace Concord.Client.Sdk;

/// <summary>
/// What one client's session has seen, per entity: the merge of every receipt's events and every read's version.
/// A call on an entity carries that entity's entry, so the answering region applies it first (read-your-writes,
/// monotonic reads, across regions and failover). Thread-safe.
/// </summary>
internal sealed class ClientSession
{
    /// <summary>The most entities a session remembers; past it, some are forgotten and their guarantees lapse.</summary>
    public const int MaxEntities = 100_000;

    private readonly ConcurrentDictionary<string, VersionVector> _seen = new(StringComparer.Ordinal);

    public IEnumerable<KeyValuePair<string, VersionVector>> Entries => _seen;

    public VersionVector? Of(string entityId) => _seen.TryGetValue(entityId, out var version) ? version : null;

    /// <summary>What a call on <paramref name="entityIds"/> carries (<see cref="SessionTokens.RequestContextKey"/>); null when the session saw none of them.</summary>
    public string? DependencyOn(IEnumerable<string> entityIds)
    {
        var seen = entityIds.Distinct(StringComparer.Ordinal)
            .Select(e => new KeyValuePair<string, VersionVector?>(e, Of(e)))
            .Where(e => e.Value is not null)
            .Select(e => new KeyValuePair<string, VersionVector>(e.Key, e.Value!))
            .ToList();
        return seen.Count == 0 ? null : SessionTokens.DependencyOf(seen);
    }

    public void Resume(IReadOnlyDictionary<string, VersionVector> session)
    {
        foreach (var (entity, version) in session)
        {
            Observe(entity, version);
        }
    }

    /// <summary>Merges what an answer shows about <paramref name="entityId"/> (the called entity) into the session.</summary>
    public void Observe(string? entityId, object? answer)
    {
        switch (answer)
        {
            case WriteReceipt receipt:
                Observe(receipt.EventId);
                break;
            case BatchReceipt batch:
                foreach (var debit in batch.Debits)
                {
                    Observe(debit.EventId);
                }

                break;
            case HandleReceipt receipt when !receipt.Events.IsDefault:
                foreach (var id in receipt.Events)
                {
                    Observe(id);
                }

                break;
            case Grains.Interfaces.Entities.EntityReceipt receipt:
                foreach (var id in receipt.Events)
                {
                    Observe(id);
                }

                break;
            case BalanceView view:
                Observe(view.Account, view.Version);
                break;
            case HandleView view when entityId is not null:
                Observe(entityId, view.Version);
                break;
        }
    }

    private void Observe(EventId id) => Observe(id.EntityId, VersionVector.Empty.With(id.Origin, id.Seq));

    private void Observe(string entityId, VersionVector version)
    {
        if (version.Entries.Length > 0)
        {
            _seen.AddOrUpdate(entityId, version, (_, seen) => seen.Merge(version));
            if (_seen.Count > MaxEntities)
            {
                // Memory stays bounded for clients that touch millions of entities; a forgotten one starts afresh.
                // A tenth goes at once, so the scan is paid once per 10,000 new entities, not on every call.
                foreach (var forgotten in _seen.Keys.Where(k => k != entityId).Take(_seen.Count - (MaxEntities * 9 / 10)).ToList())
                {
                    _seen.TryRemove(forgotten, out _);
                }
            }
        }
    }
}
