using Concord.Grains.Interfaces.Events;

namespace Concord.Grains.Storage;

/// <summary>
/// Follows one entity's log for a replica rebuilding itself or a derived-state consumer: applies each position exactly once and in
/// order, skips duplicates, and pulls from the log whatever the log feed skipped or has not delivered yet.
/// </summary>
internal sealed class LogFollower(IEventLogStore store, string entityId)
{
    private const int PageSize = 500;

    /// <summary>The last position applied; 0 before anything.</summary>
    public long Position { get; set; }

    /// <summary>Applies delivered events, first pulling any gap before them from the log.</summary>
    public async Task ApplyAsync(IReadOnlyList<LoggedEvent> delivered, Func<LoggedEvent, Task> apply, CancellationToken cancellationToken)
    {
        foreach (var logged in delivered)
        {
            if (logged.Position <= Position)
            {
                continue;
            }

            if (logged.Position > Position + 1)
            {
                await CatchUpAsync(logged.Position - 1, apply, cancellationToken);
            }

            if (logged.Position == Position + 1)
            {
                await apply(logged);
                Position = logged.Position;
            }
        }
    }

    /// <summary>
    /// Applies <paramref name="selected"/>, the events of the log range after <paramref name="after"/> through
    /// <paramref name="through"/> that need applying (the range's others need nothing), first pulling from the log
    /// whatever lies between the position and that range.
    /// </summary>
    public async Task ApplySelectedAsync(long after, long through, IReadOnlyList<LoggedEvent> selected, Func<LoggedEvent, Task> apply, CancellationToken cancellationToken)
    {
        if (through <= Position)
        {
            return;
        }

        await CatchUpAsync(after, apply, cancellationToken);
        if (Position < after)
        {
            return;
        }

        foreach (var logged in selected)
        {
            if (logged.Position > Position)
            {
                await apply(logged);
                Position = logged.Position;
            }
        }

        Position = through;
    }

    /// <summary>Every event of the entity's log, in position order (for a fold that needs the whole log at once).</summary>
    public static async Task<List<LoggedEvent>> ReadAllAsync(IEventLogStore store, string entityId, CancellationToken cancellationToken)
    {
        var log = new List<LoggedEvent>();
        await new LogFollower(store, entityId).CatchUpAsync(long.MaxValue, logged =>
        {
            log.Add(logged);
            return Task.CompletedTask;
        }, cancellationToken);
        return log;
    }

    /// <summary>Pulls and applies from the log until <paramref name="throughPosition"/> or the log's head.</summary>
    public async Task CatchUpAsync(long throughPosition, Func<LoggedEvent, Task> apply, CancellationToken cancellationToken)
    {
        while (Position < throughPosition)
        {
            var want = (int)Math.Min(PageSize, throughPosition - Position);
            var page = await store.ReadAsync(entityId, Position + 1, want, cancellationToken);
            if (page.Count == 0)
            {
                return;
            }

            foreach (var logged in page)
            {
                await apply(logged);
                Position = logged.Position;
            }
        }
    }
}
