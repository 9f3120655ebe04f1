using System.Collections.Concurrent;
using System.Diagnostics;
using Concord.Grains.Storage;

namespace Concord.Bench.Harness;

/// <summary>
/// Notes when each event of one origin becomes durable in a region, by tailing that region's feed of the origin
/// in-process about every millisecond (so a time is late by up to about one poll, never early). No grain calls.
/// </summary>
public sealed class FeedWatcher : IAsyncDisposable
{
    private readonly IEventLogStore _store;
    private readonly string _origin;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private long _position;

    private FeedWatcher(IEventLogStore store, string origin, long from)
    {
        _store = store;
        _origin = origin;
        _position = from;
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>Stopwatch timestamp at which each (entity, seq) of the origin was first seen.</summary>
    public ConcurrentDictionary<(string Entity, long Seq), long> Seen { get; } = new();

    public long Position => Interlocked.Read(ref _position);

    /// <summary>Starts watching from the feed's current head: only events appended from now on are noted.</summary>
    public static async Task<FeedWatcher> StartAsync(IEventLogStore store, string origin) =>
        new(store, origin, await store.GetFeedHeadAsync(origin));

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
            // The loop ends by cancellation.
        }

        _stop.Dispose();
    }

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var page = await _store.ReadFeedAsync(_origin, Position, 4096, _stop.Token);
            var now = Stopwatch.GetTimestamp();
            foreach (var entry in page)
            {
                Seen.TryAdd((entry.Event.EntityId, entry.Event.Seq), now);
            }

            if (page.Count > 0)
            {
                Interlocked.Exchange(ref _position, page[^1].FeedPosition);
            }

            if (page.Count < 4096)
            {
                await Task.Delay(1, _stop.Token);
            }
        }
    }
}
