namespace Concord.Grains.Interfaces.Events;

/// <summary>
/// FNV-1a over a string's UTF-16 code units: the same in every process, machine and version, unlike
/// <see cref="string.GetHashCode()"/>. Home regions, digest buckets, totals shards and samples depend on it, so it never changes.
/// </summary>
public static class Fnv1a
{
    private const uint Offset32 = 2166136261u;
    private const ulong Offset64 = 14695981039346656037UL;

    /// <summary>The 32-bit hash; a <paramref name="seed"/> other than 0 starts from the offset basis XOR the seed.</summary>
    public static uint Hash32(string value, uint seed = 0)
    {
        ArgumentNullException.ThrowIfNull(value);
        var hash = seed ^ Offset32;
        foreach (var c in value)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return hash;
    }

    /// <summary>The 64-bit hash.</summary>
    public static ulong Hash64(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var hash = Offset64;
        foreach (var c in value)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        return hash;
    }
}
