using System.Diagnostics;

namespace Concord.Tests.Infrastructure;

/// <summary>Waits for a condition with a deadline; never a fixed sleep.</summary>
public static class Eventually
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(20);

    public static async Task HoldsAsync(Func<Task<bool>> condition, string description, TimeSpan? timeout = null)
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
                throw new TimeoutException($"Still not true after {limit.TotalSeconds:0.#} s: {description}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(25));
        }
    }
}
