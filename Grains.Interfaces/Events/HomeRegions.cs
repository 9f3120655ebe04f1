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

        // FNV-1a 64 over UTF-16 code units: the same in every process and version, unlike string.GetHashCode.
        var hash = 14695981039346656037UL;
        foreach (var c in account)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        return sorted[(int)(hash % (ulong)sorted.Length)];
    }
}
