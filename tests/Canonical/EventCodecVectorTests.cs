using Concord.Grains.Interfaces.Canonical;
using Concord.Grains.Interfaces.Entities.Crdts;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Ledger;

namespace Concord.Tests.Canonical;

/// <summary>
/// Fixed vectors for canonical format version 1. The expected bytes and hashes were computed by an
/// independent implementation of docs/canonical-encoding.md (Python struct + hashlib), not by this code.
/// </summary>
public sealed class EventCodecVectorTests
{
    private const string FirstBodyHex =
        "01000000056163632d31000000026575000000000000000100000003722d310000018bcfe568000000000000000000000000106c65646765722e6465706f73697465640000000800000000000030390000000000000000000000000000000000000000000000000000000000000000";

    private const string FirstHash = "c20f7953f5df3d247dd99873b7e0c4ba1572f3d5aec79ca6e334130ef2979ac9";
    private const string SecondHash = "9701452ba08058051f69588d34206efd5c5b7c21c9807bb107a5b8de97ad23db";

    private static EventEnvelope First() => EventCodec.Seal(
        new EventId("acc-1", "eu", 1), "r-1", new HlcTimestamp(1_700_000_000_000, 0, "eu"), VersionVector.Empty, new Deposited(12345), ChainHash.Genesis);

    private static EventEnvelope Second(ChainHash prev) => EventCodec.Seal(
        new EventId("acc-1", "eu", 2),
        "r-2",
        new HlcTimestamp(1_700_000_000_001, 2, "eu"),
        VersionVector.From([new("us", 3), new("eu", 1)]),
        new Debited(500, "acc-2", ConsistencyMode.Strict),
        prev);

    [Fact]
    public void Encoding_of_a_deposit_matches_the_vector_byte_for_byte()
    {
        var encoded = EventCodec.Encode(First());

        Assert.Equal(FirstBodyHex + FirstHash, Convert.ToHexStringLower(encoded));
    }

    [Fact]
    public void Hash_chain_matches_the_vectors()
    {
        var first = First();
        var second = Second(first.Hash);

        Assert.Equal(FirstHash, first.Hash.ToString());
        Assert.Equal(SecondHash, second.Hash.ToString());
        Assert.Equal(first.Hash, second.PrevHash);
    }

    [Fact]
    public void An_escrow_hand_over_is_encoded_as_its_kind_then_the_receiver_then_the_amount()
    {
        // Worked by hand from docs/canonical-encoding.md: kind (length 26), payload length 14, "us" (length 2), 1250 as int64.
        const string Expected = "0000001a" + "636f6e636f72642e657363726f772e73686172652d676976656e" + "0000000e" + "00000002" + "7573" + "00000000000004e2";
        var e = EventCodec.Seal(
            new EventId("acc-1", "eu", 3), "r-3", new HlcTimestamp(1_700_000_000_002, 0, "eu"), VersionVector.Empty, new EscrowShareGiven("us", 1250), ChainHash.Genesis);

        var encoded = Convert.ToHexStringLower(EventCodec.Encode(e));

        Assert.Contains(Expected, encoded, StringComparison.Ordinal);
        Assert.Equal(new EscrowShareGiven("us", 1250), EventCodec.Decode(EventCodec.Encode(e)).Payload);
    }

    [Theory]
    // Worked by hand from docs/canonical-encoding.md: kind length and bytes, payload length, then the fields in order.
    [InlineData("hold-placed", "00000012" + "6c65646765722e686f6c642d706c61636564" + "00000015" + "00000000000003e8" + "00000001" + "78" + "0000000000000005")]
    [InlineData("hold-captured", "00000014" + "6c65646765722e686f6c642d6361707475726564" + "00000012" + "00000001" + "68" + "00000000000001f4" + "00000001" + "78")]
    [InlineData("hold-released", "00000014" + "6c65646765722e686f6c642d72656c6561736564" + "00000006" + "00000001" + "68" + "01")]
    public void Hold_payloads_are_encoded_field_by_field(string which, string expected)
    {
        EventPayload payload = which switch
        {
            "hold-placed" => new HoldPlaced(1000, "x", 5),
            "hold-captured" => new HoldCaptured("h", 500, "x"),
            _ => new HoldReleased("h", Expired: true),
        };
        var e = EventCodec.Seal(new EventId("acc-1", "eu", 4), "r-4", new HlcTimestamp(1_700_000_000_003, 0, "eu"), VersionVector.Empty, payload, ChainHash.Genesis);

        Assert.Contains(expected, Convert.ToHexStringLower(EventCodec.Encode(e)), StringComparison.Ordinal);
        Assert.Equal(payload, EventCodec.Decode(EventCodec.Encode(e)).Payload);
    }

    [Fact]
    public void Dependencies_are_encoded_sorted_whatever_order_they_were_given_in()
    {
        var a = Second(ChainHash.Genesis);
        var b = a with { Deps = VersionVector.From([new("eu", 1), new("us", 3)]) };

        Assert.Equal(EventCodec.Encode(a), EventCodec.Encode(b));
    }

    [Fact]
    public void Decoding_rejects_trailing_bytes_and_truncation()
    {
        var encoded = EventCodec.Encode(First());

        Assert.Throws<CanonicalFormatException>(() => EventCodec.Decode(encoded.Concat(new byte[] { 0 }).ToArray()));
        Assert.Throws<CanonicalFormatException>(() => EventCodec.Decode(encoded[..^1]));
        Assert.Throws<CanonicalFormatException>(() => EventCodec.Decode(new byte[] { 2 }.Concat(encoded[1..]).ToArray()));
    }

    [Fact]
    public void An_hlc_from_another_origin_is_refused()
    {
        Assert.Throws<ArgumentException>(() => EventCodec.Seal(
            new EventId("acc-1", "eu", 1), "r", new HlcTimestamp(1, 0, "us"), VersionVector.Empty, new Deposited(1), ChainHash.Genesis));
    }
}
