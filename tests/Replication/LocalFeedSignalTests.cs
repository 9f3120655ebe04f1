using Concord.Grains.Replication;

namespace Concord.Tests.Replication;

/// <summary>The silo-local signal that wakes replicators waiting on a drained feed: once per registration, each waiter, and never after it stops waiting.</summary>
public sealed class LocalFeedSignalTests
{
    [Fact]
    public void The_next_append_wakes_every_waiter_once_and_later_appends_wake_nobody()
    {
        var signal = new LocalFeedSignal();
        var woken = new List<string>();
        signal.WakeOnNextAppend("us", () => woken.Add("us"));
        signal.WakeOnNextAppend("ap", () => woken.Add("ap"));
        signal.WakeOnNextAppend("us", () => woken.Add("us again"));

        var before = signal.Version;
        signal.Notify();
        signal.Notify();

        Assert.Equal(["ap", "us again"], woken.Order(StringComparer.Ordinal));
        Assert.Equal(before + 2, signal.Version);
    }

    [Fact]
    public void A_waiter_that_stopped_waiting_is_not_woken()
    {
        var signal = new LocalFeedSignal();
        var woken = 0;
        signal.WakeOnNextAppend("us", () => woken++);
        signal.StopWaking("us");

        signal.Notify();

        Assert.Equal(0, woken);
    }
}
