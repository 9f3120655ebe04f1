using Concord.Grains.Interfaces.Canonical;
using Concord.Grains.Interfaces.Events;

namespace Concord.Grains.Interfaces.Handles;

// Kinds are part of the canonical encoding: never rename one. Only the handles' primary region appends
// HandleBound, HandleReleased and HandleClaimRejected; any region may append a HandleClaimTentative.

/// <summary>The primary region bound the handle to <see cref="Account"/>, deciding claim <see cref="ClaimRequestId"/>.</summary>
[GenerateSerializer, Immutable, Alias("concord.handles.bound")]
public sealed record HandleBound(
    [property: Id(0)] string Account,
    [property: Id(1)] string ClaimRequestId) : EventPayload
{
    public const string KindName = "handle.bound";

    public override string Kind => KindName;

    public override void WriteCanonical(CanonicalWriter writer)
    {
        writer.WriteString(Account);
        writer.WriteString(ClaimRequestId);
    }

    public static HandleBound ReadCanonical(CanonicalReader reader) => new(reader.ReadString(), reader.ReadString());
}

/// <summary>The primary region released the handle from <see cref="Account"/>.</summary>
[GenerateSerializer, Immutable, Alias("concord.handles.released")]
public sealed record HandleReleased([property: Id(0)] string Account) : EventPayload
{
    public const string KindName = "handle.released";

    public override string Kind => KindName;

    public override void WriteCanonical(CanonicalWriter writer) => writer.WriteString(Account);

    public static HandleReleased ReadCanonical(CanonicalReader reader) => new(reader.ReadString());
}

/// <summary>A region that could not reach the primary accepted a claim for <see cref="Account"/> provisionally.</summary>
[GenerateSerializer, Immutable, Alias("concord.handles.claim-tentative")]
public sealed record HandleClaimTentative([property: Id(0)] string Account) : EventPayload
{
    public const string KindName = "handle.claim-tentative";

    public override string Kind => KindName;

    public override void WriteCanonical(CanonicalWriter writer) => writer.WriteString(Account);

    public static HandleClaimTentative ReadCanonical(CanonicalReader reader) => new(reader.ReadString());
}

/// <summary>The primary region refused the tentative claim <see cref="ClaimRequestId"/> of <see cref="Account"/>: the handle went to <see cref="Winner"/>.</summary>
[GenerateSerializer, Immutable, Alias("concord.handles.claim-rejected")]
public sealed record HandleClaimRejected(
    [property: Id(0)] string Account,
    [property: Id(1)] string ClaimRequestId,
    [property: Id(2)] string Winner) : EventPayload, IApologyPayload
{
    public const string KindName = "handle.claim-rejected";

    public override string Kind => KindName;

    public override void WriteCanonical(CanonicalWriter writer)
    {
        writer.WriteString(Account);
        writer.WriteString(ClaimRequestId);
        writer.WriteString(Winner);
    }

    public static HandleClaimRejected ReadCanonical(CanonicalReader reader) => new(reader.ReadString(), reader.ReadString(), reader.ReadString());

    public string Describe() => $"the tentative claim by '{Account}' lost: the handle is bound to '{Winner}'";

    public string? OwedTo => Account;
}
