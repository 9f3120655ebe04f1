using Concord.Grains.Interfaces.Errors;
using Concord.Grains.Interfaces.Events;

namespace Concord.Tests.Sdk;

/// <summary>Session tokens: printed sorted, read back equal, and refused naming what is wrong.</summary>
public sealed class SessionTokenTests
{
    [Fact]
    public void A_session_prints_sorted_and_reads_back_the_same()
    {
        var session = new Dictionary<string, VersionVector>(StringComparer.Ordinal)
        {
            ["venue/gala"] = VersionVector.Empty.With("us", 2).With("eu", 7),
            ["alice"] = VersionVector.Empty.With("eu", 3),
            ["nobody"] = VersionVector.Empty,
        };

        var token = SessionTokens.Format("concord", session);
        var read = SessionTokens.Parse(token, "concord");

        Assert.Equal("s1;concord;alice=eu:3;venue/gala=eu:7,us:2", token);
        Assert.Equal(["alice", "venue/gala"], read.Keys.Order(StringComparer.Ordinal).ToArray());
        Assert.Equal(session["venue/gala"], read["venue/gala"]);
        Assert.Equal(session["alice"], read["alice"]);
    }

    [Fact]
    public void A_dependency_reads_back_as_the_entity_and_its_version()
    {
        var dependency = SessionTokens.DependencyOf("handle/ada", VersionVector.Empty.With("ap", 4));

        Assert.True(SessionTokens.TryReadDependency(dependency, "handle/ada", out var version));
        Assert.Equal(4L, version["ap"]);
        Assert.False(SessionTokens.TryReadDependency(dependency, "handle/bob", out _));
        Assert.False(SessionTokens.TryReadDependency("no newline", "no newline", out _));
        Assert.False(SessionTokens.TryReadDependency("alice\neu:x", "alice", out _));
        Assert.False(SessionTokens.TryReadDependency(42, "alice", out _));
    }

    [Fact]
    public void Several_entities_dependencies_each_read_back_on_their_own()
    {
        var dependency = SessionTokens.DependencyOf(new Dictionary<string, VersionVector>
        {
            ["alice"] = VersionVector.Empty.With("eu", 3),
            ["bob"] = VersionVector.Empty.With("us", 2).With("ap", 7),
        });

        Assert.True(SessionTokens.TryReadDependency(dependency, "alice", out var alice));
        Assert.True(SessionTokens.TryReadDependency(dependency, "bob", out var bob));
        Assert.Equal((3L, 0L, 2L, 7L), (alice["eu"], alice["us"], bob["us"], bob["ap"]));
        Assert.False(SessionTokens.TryReadDependency(dependency, "carol", out _));
        Assert.False(SessionTokens.TryReadDependency(dependency, "eu:3", out _));
    }

    [Theory]
    [InlineData("", "is not a Concord session token")]
    [InlineData("s2;concord", "is not a Concord session token")]
    [InlineData("s1;prod;alice=eu:1", "from deployment 'prod', not 'concord'")]
    [InlineData("s1;concord;alice", "'alice' is not ENTITY=origin:seq")]
    [InlineData("s1;concord;alice=eu:-1", "'alice=eu:-1' is not ENTITY=origin:seq")]
    [InlineData("s1;concord;alice=eu:1;alice=us:1", "'alice=us:1' is not ENTITY=origin:seq,... (once per entity)")]
    [InlineData("s1;concord;a b=eu:1", "'a b=eu:1' is not ENTITY=origin:seq")]
    public void A_bad_token_is_refused_naming_what_is_wrong(string token, string expected)
    {
        var refused = Assert.Throws<InvalidRequestException>(() => SessionTokens.Parse(token, "concord"));

        Assert.Equal("session", refused.Field);
        Assert.Contains(expected, refused.Message, StringComparison.Ordinal);
    }
}
