using Concord.Grains.Interfaces.Canonical;

namespace Concord.Grains.Interfaces.Ledger;

// Two-phase transfers. A hold is placed by one region (its owner) within that region's escrow share, and only the
// owner resolves it: captures, voids and expiry of one hold are serialised there, so each hold resolves exactly once.

/// <summary>A capture or a release: the payloads that resolve a hold, decided only by the hold's owner.</summary>
public interface IHoldResolution
{
    string HoldId { get; }
}

/// <summary>
/// <see cref="Amount"/> is reserved on this account for a transfer to <see cref="To"/>: taken from the placing
/// region's escrow share, not yet from the balance. The hold's id is the request id of its event.
/// <see cref="ExpiresAtMs"/> is the owner's clock (Unix ms) past which the owner releases it.
/// </summary>
[GenerateSerializer, Immutable, Alias("concord.ledger.hold-placed")]
public sealed record HoldPlaced(
    [property: Id(0)] long Amount,
    [property: Id(1)] string To,
    [property: Id(2)] long ExpiresAtMs) : Events.EventPayload
{
    public const string KindName = "ledger.hold-placed";

    public override string Kind => KindName;

    /// <summary>Prints amounts as money (<c>Amount = 100.00</c>), as every amount a user sees is, not as the minor units stored.</summary>
    protected override bool PrintMembers(System.Text.StringBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Append("Amount = ").Append(Money.Format(Amount)).Append(", To = ").Append(To).Append(", ExpiresAt = ").Append(DateTimeOffset.FromUnixTimeMilliseconds(ExpiresAtMs).ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture));
        return true;
    }

    public override void WriteCanonical(CanonicalWriter writer)
    {
        writer.WriteInt64(Amount);
        writer.WriteString(To);
        writer.WriteInt64(ExpiresAtMs);
    }

    public static HoldPlaced ReadCanonical(CanonicalReader reader) => new(reader.ReadInt64(), reader.ReadString(), reader.ReadInt64());
}

/// <summary>
/// The hold <see cref="HoldId"/> is posted: <see cref="Amount"/> (at most the hold's) is debited in favour of
/// <see cref="To"/>, whose credit follows as for a transfer; what the hold reserved beyond it returns to the owner's share.
/// </summary>
[GenerateSerializer, Immutable, Alias("concord.ledger.hold-captured")]
public sealed record HoldCaptured(
    [property: Id(0)] string HoldId,
    [property: Id(1)] long Amount,
    [property: Id(2)] string To) : Events.EventPayload, IHoldResolution
{
    public const string KindName = "ledger.hold-captured";

    public override string Kind => KindName;

    /// <summary>Prints amounts as money (<c>Amount = 100.00</c>), as every amount a user sees is, not as the minor units stored.</summary>
    protected override bool PrintMembers(System.Text.StringBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Append("HoldId = ").Append(HoldId).Append(", Amount = ").Append(Money.Format(Amount)).Append(", To = ").Append(To);
        return true;
    }

    public override void WriteCanonical(CanonicalWriter writer)
    {
        writer.WriteString(HoldId);
        writer.WriteInt64(Amount);
        writer.WriteString(To);
    }

    public static HoldCaptured ReadCanonical(CanonicalReader reader) => new(reader.ReadString(), reader.ReadInt64(), reader.ReadString());
}

/// <summary>The hold <see cref="HoldId"/> is released whole, voided by a client or, when <see cref="Expired"/>, by its owner at expiry.</summary>
[GenerateSerializer, Immutable, Alias("concord.ledger.hold-released")]
public sealed record HoldReleased(
    [property: Id(0)] string HoldId,
    [property: Id(1)] bool Expired) : Events.EventPayload, IHoldResolution
{
    public const string KindName = "ledger.hold-released";

    public override string Kind => KindName;

    public override void WriteCanonical(CanonicalWriter writer)
    {
        writer.WriteString(HoldId);
        writer.WriteByte(Expired ? (byte)1 : (byte)0);
    }

    public static HoldReleased ReadCanonical(CanonicalReader reader)
    {
        var id = reader.ReadString();
        return reader.ReadByte() switch
        {
            0 => new HoldReleased(id, false),
            1 => new HoldReleased(id, true),
            var other => throw new CanonicalFormatException($"A hold release's expired flag is 0 or 1, not {other}."),
        };
    }
}
