using System.Security.Cryptography;
using Concord.Grains.Interfaces.Canonical;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Ledger;
using Concord.Grains.Interfaces.Replication;
using Concord.Grains.Replication;

namespace Concord.Tests.Replication;

/// <summary>
/// What a region takes from a peer for a session: the peer's own events on the link's word, a third origin's only up
/// to a head that origin signed.
/// </summary>
public sealed class SessionCatchUpTests
{
    private static readonly ECDsa ApKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private static readonly ECDsa Impostor = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private static readonly CheckpointSigner Verifier = new(null, new Dictionary<string, string> { ["ap"] = ApKey.ExportSubjectPublicKeyInfoPem(), ["eu"] = Impostor.ExportSubjectPublicKeyInfoPem() });
    private static readonly EventEnvelope[] ApChain = MakeChain("ap", 3);
    private static readonly EventEnvelope[] EuChain = MakeChain("eu", 2);

    [Fact]
    public async Task A_third_origins_chain_is_taken_up_to_the_head_it_signed()
    {
        var head = Sign(ApKey, "ap", 3, ApChain[2].Hash);

        var accepted = await AcceptAsync(from: "eu", [.. ApChain, .. EuChain], [head]);

        Assert.Equal(["ap:1", "ap:2", "ap:3", "eu:1", "eu:2"], accepted.Select(e => $"{e.Origin}:{e.Seq}").Order());
    }

    [Fact]
    public async Task Without_a_signed_head_only_the_answering_peers_own_events_are_taken()
    {
        var accepted = await AcceptAsync(from: "eu", [.. ApChain, .. EuChain], []);

        Assert.Equal(["eu:1", "eu:2"], accepted.Select(e => $"{e.Origin}:{e.Seq}").Order());
    }

    [Fact]
    public async Task A_head_signed_by_another_key_or_over_another_hash_takes_nothing_relayed()
    {
        var impostorSigned = Sign(Impostor, "ap", 3, ApChain[2].Hash);
        var otherHash = Sign(ApKey, "ap", 3, ApChain[1].Hash);

        Assert.Empty(await AcceptAsync(from: "eu", ApChain, [impostorSigned]));
        Assert.Empty(await AcceptAsync(from: "eu", ApChain, [otherHash]));
    }

    [Fact]
    public async Task A_relayed_event_forged_under_a_signed_head_breaks_the_chain_and_nothing_of_it_is_taken()
    {
        var forged = ApChain.Select((e, i) => i == 1 ? EventCodec.Seal(e.Id, e.RequestId, e.Hlc, e.Deps, new Deposited(999), e.PrevHash) : e).ToArray();

        var accepted = await AcceptAsync(from: "eu", forged, [Sign(ApKey, "ap", 3, ApChain[2].Hash)]);

        Assert.Empty(accepted);
    }

    [Fact]
    public async Task An_event_that_does_not_match_its_hash_is_never_taken_even_from_its_origin()
    {
        var tampered = EuChain[0] with { Payload = new Deposited(999) };

        var accepted = await AcceptAsync(from: "eu", [tampered, EuChain[1]], []);

        Assert.Equal(["eu:2"], accepted.Select(e => $"{e.Origin}:{e.Seq}"));
    }

    [Fact]
    public async Task A_signed_head_is_verified_only_under_its_own_domain_and_fields()
    {
        var signer = new CheckpointSigner(ApKey.ExportPkcs8PrivateKeyPem(), new Dictionary<string, string> { ["ap"] = ApKey.ExportSubjectPublicKeyInfoPem() });
        var head = signer.SignHead("ap", "acc", 3, ApChain[2].Hash);

        Assert.True(signer.Verify(head));
        Assert.False(signer.Verify(head with { Seq = 4 }));
        Assert.False(signer.Verify(head with { EntityId = "other" }));
        Assert.False(signer.Verify(head with { Signer = "eu" }));
    }

    private static SignedHead Sign(ECDsa key, string signer, long seq, ChainHash hash) =>
        new CheckpointSigner(key.ExportPkcs8PrivateKeyPem(), new Dictionary<string, string>()).SignHead(signer, "acc", seq, hash);

    private static async Task<IReadOnlyList<EventEnvelope>> AcceptAsync(string from, EventEnvelope[] events, SignedHead[] heads) =>
        await SessionCatchUps.AcceptAsync(
            from,
            new SessionCatchUp([.. events], [.. heads]),
            Verifier,
            (string origin, string entity, out (long Seq, ChainHash Hash) head) =>
            {
                head = default;
                return false;
            },
            _ => Task.FromResult<IReadOnlyList<OriginHead>>([]));

    private static EventEnvelope[] MakeChain(string origin, int count)
    {
        var events = new EventEnvelope[count];
        var prev = ChainHash.Genesis;
        for (var i = 0; i < count; i++)
        {
            events[i] = EventCodec.Seal(new EventId("acc", origin, i + 1), $"{origin}-r{i}", new HlcTimestamp(i, 0, origin), VersionVector.Empty, new Deposited(10), prev);
            prev = events[i].Hash;
        }

        return events;
    }
}
