namespace Concord.Grains.Interfaces.Events;

/// <summary>
/// Where strict decisions about an entity are made. For accounts it is a stable hash of the key over the
/// deployment's regions sorted by name, so every region and every client computes the same home.
/// </summary>
public static class HomeRegions
{
    public static string OfAccount(string account, IEnumerable<string> regions)
    {
        var sorted = regions.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        if (sorted.Length == 0)
        {
            throw new ArgumentException("A deployment has at least one region.", nameof(regions));
        }

        return sorted[(int)(Fnv1a.Hash64(account) % (ulong)sorted.Length)];
    }
}
