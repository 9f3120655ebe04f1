using System.Text.Json.Nodes;
using Concord.Grains.Entities;
using Concord.Grains.Interfaces.Canonical;
using Concord.Grains.Interfaces.Entities;
using Concord.Grains.Interfaces.Errors;
using Concord.Grains.Interfaces.Events;

namespace Concord.Tests.Entities;

/// <summary>
/// Registered payload kinds: canonical JSON, the event encoding around it, upcasting and refusal of unknown kinds.
/// The vector was computed by an independent implementation (Python struct, json and hashlib), not by this code.
/// </summary>
public sealed class RegisteredPayloadTests
{
    private const string BodyHex =
        "010000000a76656e75652f67616c61000000026575000000000000000100000006686f6c642d310000018bcfe5680000000000000000000000000f76656e75652e736561742d68656c6400000036000000010000002e7b224775657374223a22616461222c224e6f7465223a22636166c3a9205c22415c22222c225365617473223a327d0000000000000000000000000000000000000000000000000000000000000000";

    private const string Hash = "2c8ee0bc75d1c74f0b3435d2abafa4c7699a21baf5b7e3c4d73160edf653944f";

    public sealed record TestHold(string Guest, int Seats, string Note);

    public sealed record TestHoldV1(string Guest);

    private static PayloadTypes Types() => new PayloadTypes().Add<TestHold>("venue.seat-held");

    [Fact]
    public void A_registered_payload_encodes_as_canonical_json_inside_the_event_byte_for_byte()
    {
        var payload = Types().Encode(new TestHold("ada", 2, "café \"A\""), "venue/gala");
        Assert.Equal("{\"Guest\":\"ada\",\"Note\":\"café \\\"A\\\"\",\"Seats\":2}", payload.CanonicalJson);

        var sealedEvent = EventCodec.Seal(new EventId("venue/gala", "eu", 1), "hold-1", new HlcTimestamp(1_700_000_000_000, 0, "eu"), VersionVector.Empty, payload, ChainHash.Genesis);
        Assert.Equal(BodyHex + Hash, Convert.ToHexStringLower(EventCodec.Encode(sealedEvent)));
        Assert.Equal(Hash, sealedEvent.Hash.ToString());

        var decoded = EventCodec.Decode(EventCodec.Encode(sealedEvent));
        Assert.Equal(sealedEvent, decoded);
        Assert.Equal(new TestHold("ada", 2, "café \"A\""), Types().Decode((JsonEventPayload)decoded.Payload, "venue/gala"));
    }

    [Theory]
    [InlineData("{\"b\":1,\"a\":[true,false,null]}", "{\"a\":[true,false,null],\"b\":1}")]
    [InlineData("{ \"z\": 1, \"\\u00e9\": 2, \"Z\": 3 }", "{\"Z\":3,\"z\":1,\"é\":2}")]
    [InlineData("[1.0, 0.1, 1e21, 1.5e-7, -0.0, 100]", "[1,0.1,1e+21,1.5e-7,0,100]")]
    [InlineData("\"tab\\tand\\u0001 \\u00e9 \\/\"", "\"tab\\tand\\u0001 é /\"")]
    [InlineData("{\"b\":{\"y\":1,\"x\":\"q\\\"q\"},\"a\":2,\"a\":1}", "{\"a\":2,\"a\":1,\"b\":{\"x\":\"q\\\"q\",\"y\":1}}")]
    [InlineData("[-5, -9223372036854775808, 9223372036854775807]", "[-5,-9223372036854775808,9223372036854775807]")]
    public void Canonical_json_sorts_members_by_code_unit_and_writes_numbers_and_strings_one_way(string json, string canonical) =>
        Assert.Equal(canonical, CanonicalJson.Canonicalize(json));

    [Fact]
    public void Canonical_json_writes_numbers_the_same_whatever_the_current_culture()
    {
        var current = System.Globalization.CultureInfo.CurrentCulture;
        var minusSign = (System.Globalization.CultureInfo)System.Globalization.CultureInfo.InvariantCulture.Clone();
        minusSign.NumberFormat.NegativeSign = "\u2212";
        try
        {
            System.Globalization.CultureInfo.CurrentCulture = minusSign;
            Assert.Equal("[-5,-1.5]", CanonicalJson.Canonicalize("[-5, -1.5]"));
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentCulture = current;
        }
    }

    [Fact]
    public void An_older_schema_version_reads_back_through_its_upcast()
    {
        var v1 = new PayloadTypes().Add<TestHoldV1>("venue.seat-held").Encode(new TestHoldV1("ada"), "venue/gala");
        Assert.Equal(1, v1.SchemaVersion);

        var current = new PayloadTypes()
            .Add<TestHold>("venue.seat-held", version: 2)
            .Upcast("venue.seat-held", fromVersion: 1, old => new JsonObject { ["Guest"] = old["Guest"]!.DeepClone(), ["Seats"] = 1, ["Note"] = "" });

        Assert.Equal(new TestHold("ada", 1, ""), current.Decode(v1, "venue/gala"));
        Assert.Equal(2, current.Encode(new TestHold("bo", 3, "x"), "venue/gala").SchemaVersion);
    }

    [Fact]
    public void An_unknown_kind_or_a_newer_version_is_refused_naming_the_kind()
    {
        var unknown = Assert.Throws<UnknownPayloadKindException>(() => Types().Decode(new JsonEventPayload("venue.mystery", 1, "{}"), "venue/gala"));
        Assert.Equal("venue.mystery", unknown.Kind);
        Assert.Contains("'venue.mystery'", unknown.Message, StringComparison.Ordinal);

        var newer = Assert.Throws<UnknownPayloadKindException>(() => Types().Decode(new JsonEventPayload("venue.seat-held", 2, "{}"), "venue/gala"));
        Assert.Contains("schema version 2", newer.Message, StringComparison.Ordinal);

        var unregistered = Assert.Throws<UnknownPayloadKindException>(() => Types().Encode(new TestHoldV1("ada"), "venue/gala"));
        Assert.Contains(nameof(TestHoldV1), unregistered.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_inbox_check_names_why_a_payload_cannot_be_read_here()
    {
        Assert.Null(Types().WhyUnreadable(new JsonEventPayload("venue.seat-held", 1, "{}")));
        Assert.Equal("no entity type registered here declares it.", Types().WhyUnreadable(new JsonEventPayload("venue.mystery", 1, "{}")));
        Assert.Equal("it was written at schema version 3, newer than this region's 1.", Types().WhyUnreadable(new JsonEventPayload("venue.seat-held", 3, "{}")));
        Assert.StartsWith("built-in kinds", Types().WhyUnreadable(new Concord.Grains.Interfaces.Ledger.Deposited(1)), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("seat-held")]
    [InlineData("ledger.seat")]
    [InlineData("handle.x")]
    [InlineData("Venue.Held")]
    [InlineData("venue.")]
    public void A_kind_name_outside_the_rules_is_refused_at_registration(string kind) =>
        Assert.Throws<ConcordConfigurationException>(() => new PayloadTypes().Add<TestHold>(kind));

    [Fact]
    public void A_kind_or_type_registered_twice_and_a_missing_upcast_are_configuration_errors()
    {
        Assert.Throws<ConcordConfigurationException>(() => Types().Add<TestHoldV1>("venue.seat-held"));
        Assert.Throws<ConcordConfigurationException>(() => Types().Add<TestHold>("venue.other"));
        var gap = new PayloadTypes().Add<TestHold>("venue.seat-held", version: 3).Upcast("venue.seat-held", 1, o => o);
        Assert.Equal(["payload kind 'venue.seat-held' is at version 3 but has no upcast from version 2"], gap.Problems());
    }

    [Fact]
    public void Built_in_kinds_keep_their_own_encoding_and_unknown_reserved_kinds_do_not_decode()
    {
        Assert.True(PayloadKinds.IsBuiltIn("ledger.deposited"));
        Assert.False(PayloadKinds.IsValidRegisteredKind("ledger.deposited"));
        var reader = new CanonicalReader(new byte[] { 0, 0, 0, 1 });
        Assert.Throws<CanonicalFormatException>(() => PayloadKinds.Read("ledger.unheard-of", reader));
    }

    [Fact]
    public void A_built_in_kind_declared_with_AddEncoded_is_logged_as_itself_and_read_back_unchanged()
    {
        var types = new PayloadTypes().AddEncoded<Concord.Grains.Interfaces.Handles.HandleBound>(Concord.Grains.Interfaces.Handles.HandleBound.KindName);
        var bound = new Concord.Grains.Interfaces.Handles.HandleBound("alice", "c1");

        Assert.Same(bound, types.ToLogged(bound, "handle/h"));
        Assert.Same(bound, types.ValueOf(bound, "handle/h"));
        Assert.Null(types.WhyUnreadable(bound));
        var undeclared = Assert.Throws<UnknownPayloadKindException>(() => types.ValueOf(new Concord.Grains.Interfaces.Handles.HandleReleased("alice"), "handle/h"));
        Assert.Contains("'handle.released' is not declared here", undeclared.Message, StringComparison.Ordinal);
        Assert.Throws<ConcordConfigurationException>(() => new PayloadTypes().AddEncoded<Concord.Grains.Interfaces.Handles.HandleBound>("venue.bound"));
        Assert.Throws<ConcordConfigurationException>(() => types.Upcast(Concord.Grains.Interfaces.Handles.HandleBound.KindName, 1, o => o));
    }
}
