using Concord.Grains.Interfaces.Events;

namespace Concord.Tests.Canonical;

/// <summary>
/// Home regions, digest buckets, totals shards and audit samples all depend on these hashes: published FNV-1a
/// vectors (for ASCII, a UTF-16 code unit equals the byte), so a change to the function fails here first.
/// </summary>
public sealed class Fnv1aTests
{
    [Theory]
    [InlineData("", 0x811c9dc5u, 0xcbf29ce484222325UL)]
    [InlineData("a", 0xe40c292cu, 0xaf63dc4c8601ec8cUL)]
    [InlineData("foobar", 0xbf9cf968u, 0x85944171f73967e8UL)]
    public void The_hashes_are_fnv1a_over_utf16_code_units(string value, uint expected32, ulong expected64)
    {
        Assert.Equal(expected32, Fnv1a.Hash32(value));
        Assert.Equal(expected64, Fnv1a.Hash64(value));
    }

    [Fact]
    public void A_seed_starts_from_the_offset_basis_xor_the_seed()
    {
        Assert.Equal(Fnv1a.Hash32("a"), Fnv1a.Hash32("a", seed: 0));
        Assert.NotEqual(Fnv1a.Hash32("a"), Fnv1a.Hash32("a", seed: 7));
        Assert.Equal(unchecked(((7u ^ 0x811c9dc5u) ^ 'a') * 16777619u), Fnv1a.Hash32("a", seed: 7));
    }
}
