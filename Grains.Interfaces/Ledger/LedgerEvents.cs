using Concord.Grains.Interfaces.Canonical;
using Concord.Grains.Interfaces.Events;

namespace Concord.Grains.Interfaces.Ledger;

// Amounts are minor units (cents). Kinds are part of the canonical encoding: never rename one.

/// <summary>Money entered the ledger on this account.</summary>
[GenerateSerializer, Immutable, Alias("concord.ledger.deposited")]
public sealed record Deposited([property: Id(0)] long Amount) : EventPayload
{
    public const string KindName = "ledger.deposited";

    public override string Kind => KindName;

    /// <summary>Prints amounts as money (<c>Amount = 100.00</c>), as every amount a user sees is, not as the minor units stored.</summary>
    protected override bool PrintMembers(System.Text.StringBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Append("Amount = ").Append(Money.Format(Amount));
        return true;
    }

    public override void WriteCanonical(CanonicalWriter writer) => writer.WriteInt64(Amount);

    public static Deposited ReadCanonical(CanonicalReader reader) => new(reader.ReadInt64());
}

/// <summary>The outgoing leg of a transfer: this account was debited in favour of <see cref="To"/>.</summary>
[GenerateSerializer, Immutable, Alias("concord.ledger.debited")]
public sealed record Debited(
    [property: Id(0)] long Amount,
    [property: Id(1)] string To,
    [property: Id(2)] ConsistencyMode Mode) : EventPayload
{
    public const string KindName = "ledger.debited";

    public override string Kind => KindName;

    /// <summary>Prints amounts as money (<c>Amount = 100.00</c>), as every amount a user sees is, not as the minor units stored.</summary>
    protected override bool PrintMembers(System.Text.StringBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Append("Amount = ").Append(Money.Format(Amount)).Append(", To = ").Append(To).Append(", Mode = ").Append(Mode);
        return true;
    }

    public override void WriteCanonical(CanonicalWriter writer)
    {
        writer.WriteInt64(Amount);
        writer.WriteString(To);
        writer.WriteByte((byte)Mode);
    }

    public static Debited ReadCanonical(CanonicalReader reader)
    {
        var amount = reader.ReadInt64();
        var to = reader.ReadString();
        var mode = reader.ReadByte();
        if (!Enum.IsDefined((ConsistencyMode)mode))
        {
            throw new CanonicalFormatException($"Unknown consistency mode {mode}.");
        }

        return new Debited(amount, to, (ConsistencyMode)mode);
    }
}

/// <summary>The incoming leg of a transfer, derived from the debit <see cref="DebitId"/> on the source account.</summary>
[GenerateSerializer, Immutable, Alias("concord.ledger.credited")]
public sealed record Credited(
    [property: Id(0)] long Amount,
    [property: Id(1)] EventId DebitId) : EventPayload
{
    public const string KindName = "ledger.credited";

    public override string Kind => KindName;

    /// <summary>Prints amounts as money (<c>Amount = 100.00</c>), as every amount a user sees is, not as the minor units stored.</summary>
    protected override bool PrintMembers(System.Text.StringBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Append("Amount = ").Append(Money.Format(Amount)).Append(", DebitId = ").Append(DebitId);
        return true;
    }

    public string From => DebitId.EntityId;

    public override void WriteCanonical(CanonicalWriter writer)
    {
        writer.WriteInt64(Amount);
        writer.WriteString(DebitId.EntityId);
        writer.WriteString(DebitId.Origin);
        writer.WriteInt64(DebitId.Seq);
    }

    public static Credited ReadCanonical(CanonicalReader reader) =>
        new(reader.ReadInt64(), new EventId(reader.ReadString(), reader.ReadString(), reader.ReadInt64()));
}

/// <summary>Money left the ledger from this account. Always decided strictly at the home region.</summary>
[GenerateSerializer, Immutable, Alias("concord.ledger.paid-out")]
public sealed record PaidOut([property: Id(0)] long Amount) : EventPayload
{
    public const string KindName = "ledger.paid-out";

    public override string Kind => KindName;

    /// <summary>Prints amounts as money (<c>Amount = 100.00</c>), as every amount a user sees is, not as the minor units stored.</summary>
    protected override bool PrintMembers(System.Text.StringBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Append("Amount = ").Append(Money.Format(Amount));
        return true;
    }

    public override void WriteCanonical(CanonicalWriter writer) => writer.WriteInt64(Amount);

    public static PaidOut ReadCanonical(CanonicalReader reader) => new(reader.ReadInt64());
}

/// <summary>
/// The account's home region found it overdrawn after optimistic debits from several regions met. The
/// account refuses optimistic debits until its balance is back at zero or above. Moves no money.
/// </summary>
[GenerateSerializer, Immutable, Alias("concord.ledger.overdraft-apology")]
public sealed record OverdraftApology(
    [property: Id(0)] long Deficit,
    [property: Id(1)] System.Collections.Immutable.ImmutableArray<EventId> Causes) : EventPayload, IApologyPayload
{
    public const string KindName = "ledger.overdraft-apology";

    public override string Kind => KindName;

    /// <summary>Prints amounts as money (<c>Amount = 100.00</c>), as every amount a user sees is, not as the minor units stored.</summary>
    protected override bool PrintMembers(System.Text.StringBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Append("Deficit = ").Append(Money.Format(Deficit)).Append(", Causes = [").AppendJoin(", ", Causes).Append(']');
        return true;
    }

    public override void WriteCanonical(CanonicalWriter writer)
    {
        writer.WriteInt64(Deficit);
        writer.WriteInt32(Causes.Length);
        foreach (var cause in Causes)
        {
            writer.WriteString(cause.EntityId);
            writer.WriteString(cause.Origin);
            writer.WriteInt64(cause.Seq);
        }
    }

    public static OverdraftApology ReadCanonical(CanonicalReader reader)
    {
        var deficit = reader.ReadInt64();
        var count = reader.ReadInt32();
        if (count < 0 || count > reader.Remaining / 16)
        {
            throw new CanonicalFormatException($"Implausible cause count {count}.");
        }

        var causes = System.Collections.Immutable.ImmutableArray.CreateBuilder<EventId>(count);
        for (var i = 0; i < count; i++)
        {
            causes.Add(new EventId(reader.ReadString(), reader.ReadString(), reader.ReadInt64()));
        }

        return new OverdraftApology(deficit, causes.MoveToImmutable());
    }

    public string Describe() =>
        $"overdrawn by {Money.Format(Deficit)} after concurrent optimistic debits ({string.Join(", ", Causes)}); optimistic debits refused until the balance is back at 0";

    // Records compare arrays by reference; an apology is equal to another with the same causes.
    public bool Equals(OverdraftApology? other) =>
        other is not null && Deficit == other.Deficit && Causes.SequenceEqual(other.Causes);

    public override int GetHashCode() => HashCode.Combine(Deficit, Causes.Length);
}
