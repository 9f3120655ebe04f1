namespace Concord.Grains.Entities;

/// <summary>
/// Strict commands this replica forwarded to a deciding region whose answer never came (lost, or past the bound):
/// the decider may have decided them. A retry of the same request id goes back to that decider, which answers from
/// its record of the request, instead of being routed afresh (an escrow share here could decide it a second time, or
/// refuse it although it took effect). Bounded: the oldest are forgotten first. Used from one logical thread.
/// </summary>
internal sealed class UnansweredForwards(int capacity = UnansweredForwards.DefaultCapacity)
{
    public const int DefaultCapacity = 1024;

    private readonly Dictionary<string, string> _deciders = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();

    public int Count => _deciders.Count;

    /// <summary>The region a retry of <paramref name="requestId"/> must go back to, or null.</summary>
    public string? DeciderOf(string requestId) => _deciders.GetValueOrDefault(requestId);

    public void Unanswered(string requestId, string decider)
    {
        if (_deciders.TryAdd(requestId, decider))
        {
            _order.Enqueue(requestId);
            while (_deciders.Count > capacity && _order.TryDequeue(out var oldest))
            {
                _deciders.Remove(oldest);
            }
        }
    }

    /// <summary>The decider answered (a receipt or a refusal of its own): a retry is routed as any command again.</summary>
    public void Answered(string requestId) => _deciders.Remove(requestId);
}
