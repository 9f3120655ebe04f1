using Concord.Grains.Interfaces.Events;

namespace Concord.Bench.Harness;

/// <summary>Account ids for a scenario, optionally all homed in a chosen region (homes are a hash of the id).</summary>
public static class AccountNames
{
    public static string[] Any(string prefix, int count) => [.. Enumerable.Range(0, count).Select(i => $"{prefix}-{i}")];

    /// <summary><paramref name="count"/> ids starting with <paramref name="prefix"/> whose home is <paramref name="home"/>.</summary>
    public static string[] HomedIn(string prefix, int count, string home, IReadOnlyList<string> regions) =>
        [.. Enumerable.Range(0, count).Select(i => HomedIn($"{prefix}-{i}", home, regions))];

    /// <summary>The first id <c>{stem}</c>, <c>{stem}.1</c>, <c>{stem}.2</c>... whose home is <paramref name="home"/>.</summary>
    public static string HomedIn(string stem, string home, IReadOnlyList<string> regions)
    {
        for (var k = 0; k < 10_000; k++)
        {
            var id = k == 0 ? stem : $"{stem}.{k}";
            if (HomeRegions.OfAccount(id, regions) == home)
            {
                return id;
            }
        }

        throw new InvalidOperationException($"no id from '{stem}' is homed in {home}");
    }
}
