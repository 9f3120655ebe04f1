using System.Diagnostics;

namespace Concord.Tests.Infrastructure;

/// <summary>Waits for a condition with a deadline; never a fixed sleep.</summary>
public static class Eventually
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(20);

    /// <summary>Waits for <paramref name="condition"/>; past the deadline, fails with the description and what <paramref name="explain"/> says.</summary>
    public static async Task HoldsAsync(Func<Task<bool>> condition, string description, TimeSpan? timeout = null, Func<Task<string>>? explain = null)
    {
        var deadline = Stopwatch.StartNew();
        var limit = timeout ?? DefaultTimeout;
        while (true)
        {
            if (await condition())
            {
                return;
            }

            if (deadline.Elapsed > limit)
            {
                var why = explain is null ? string.Empty : Environment.NewLine + await explain();
                throw new TimeoutException($"Still not true after {limit.TotalSeconds:0.#} s: {description}{why}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(25));
        }
    }
}
