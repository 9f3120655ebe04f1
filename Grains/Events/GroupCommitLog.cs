using Concord.Grains.Diagnostics;
using Concord.Grains.Interfaces.Errors;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Storage;

namespace Concord.Grains.Events;

/// <summary>
/// Appends one entity's events with group commit: events staged while an append is in flight go
/// together in the next append. Used from a (reentrant) grain's single-threaded scheduler only.
/// After a failed append the log is faulted: every staged write fails and the owner must deactivate,
/// so that the next activation rebuilds from what the store really holds.
/// </summary>
internal sealed class GroupCommitLog(
    string entityId,
    IEventLogStore store,
    int maxBatch,
    Action<LoggedEvent> apply,
    Func<IReadOnlyList<LoggedEvent>, Task> afterCommit,
    Action<Exception> onFault,
    ConcordMetrics metrics,
    string region,
    Replication.LocalFeedSignal? feed = null)
{
    private readonly List<PendingAppend> _staged = [];
    private Task _flushing = Task.CompletedTask;

    /// <summary>The durable head: the position of the last event the store confirmed.</summary>
    public long Position { get; private set; }

    public bool IsFaulted { get; private set; }

    public void Initialize(long position) => Position = position;

    /// <summary>Stages an event; completes once it is durable and applied, with its position.</summary>
    public Task<LoggedEvent> AppendAsync(EventEnvelope envelope)
    {
        if (IsFaulted)
        {
            throw new StorageUnavailableException(entityId, $"The log of '{entityId}' is recovering from a failed append; retry with the same request id.");
        }

        var pending = new PendingAppend(envelope);
        _staged.Add(pending);
        if (_flushing.IsCompleted)
        {
            _flushing = FlushAsync();
        }

        return pending.Completion.Task;
    }

    /// <summary>Waits until everything staged so far is durable (or failed).</summary>
    public Task DrainAsync() => _flushing;

    private async Task FlushAsync()
    {
        while (_staged.Count > 0 && !IsFaulted)
        {
            var batch = _staged.GetRange(0, Math.Min(maxBatch, _staged.Count));
            _staged.RemoveRange(0, batch.Count);
            var logged = new LoggedEvent[batch.Count];
            try
            {
                await store.AppendAsync(entityId, Position, batch.ConvertAll(p => p.Envelope));
                for (var i = 0; i < batch.Count; i++)
                {
                    logged[i] = new LoggedEvent(Position + 1 + i, batch[i].Envelope);
                }

                Position += batch.Count;
                var local = batch.Count(p => p.Envelope.Origin == region);
                metrics.Appended(
                    region,
                    local,
                    batch.Count - local,
                    batch.Where(p => p.Envelope.Origin == region && p.Envelope.Payload is IApologyPayload).Select(p => p.Envelope.Payload.GetType().Name));
                if (local > 0)
                {
                    // The region's feed grew: its replicators ship without waiting for their idle check.
                    feed?.Notify();
                }

                foreach (var e in logged)
                {
                    apply(e);
                }
            }
            catch (Exception ex)
            {
                IsFaulted = true;
                // The store's own exception stays in this silo (onFault logs it): its type may not cross to a client.
                var error = new StorageUnavailableException(
                    entityId,
                    $"Appending to the log of '{entityId}' failed ({ex.GetType().Name}: {ex.Message}); the write may not have taken effect. Retry with the same request id.");
                foreach (var pending in batch.Concat(_staged))
                {
                    pending.Completion.TrySetException(error);
                }

                _staged.Clear();
                onFault(ex);
                return;
            }

            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].Completion.TrySetResult(logged[i]);
            }

            await afterCommit(logged);
        }
    }

    private sealed class PendingAppend(EventEnvelope envelope)
    {
        public EventEnvelope Envelope { get; } = envelope;

        public TaskCompletionSource<LoggedEvent> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
