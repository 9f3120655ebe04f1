using System.Collections.Frozen;
using Concord.Grains.Interfaces.Entities;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Handles;
using Concord.Grains.Interfaces.Ledger;

namespace Concord.Grains.Interfaces.Canonical;

/// <summary>
/// The built-in payload kinds, each with its own explicit encoding, and how to read every kind back. Kinds
/// outside the reserved <c>ledger.</c> and <c>handle.</c> prefixes are registered kinds: they read back as
/// <see cref="JsonEventPayload"/>, and whether this region knows them is the entity type registry's question.
/// </summary>
public static class PayloadKinds
{
    private static readonly FrozenDictionary<string, Func<CanonicalReader, EventPayload>> Readers =
        new Dictionary<string, Func<CanonicalReader, EventPayload>>(StringComparer.Ordinal)
        {
            [Deposited.KindName] = Deposited.ReadCanonical,
            [Debited.KindName] = Debited.ReadCanonical,
            [Credited.KindName] = Credited.ReadCanonical,
            [PaidOut.KindName] = PaidOut.ReadCanonical,
            [OverdraftApology.KindName] = OverdraftApology.ReadCanonical,
            [HoldPlaced.KindName] = HoldPlaced.ReadCanonical,
            [HoldCaptured.KindName] = HoldCaptured.ReadCanonical,
            [HoldReleased.KindName] = HoldReleased.ReadCanonical,
            [HandleBound.KindName] = HandleBound.ReadCanonical,
            [HandleReleased.KindName] = HandleReleased.ReadCanonical,
            [HandleClaimTentative.KindName] = HandleClaimTentative.ReadCanonical,
            [HandleClaimRejected.KindName] = HandleClaimRejected.ReadCanonical,
            [Entities.Crdts.EscrowShareGiven.KindName] = Entities.Crdts.EscrowShareGiven.ReadCanonical,
        }.ToFrozenDictionary(StringComparer.Ordinal);

    private static readonly string[] ReservedPrefixes = ["ledger.", "handle.", "concord."];

    public static IEnumerable<string> Known => Readers.Keys;

    /// <summary>True for a built-in kind's name.</summary>
    public static bool IsBuiltIn(string kind) => Readers.ContainsKey(kind);

    /// <summary>True when a registered kind may use this name: 3 to 64 characters of a-z 0-9 . - with a dot, outside the reserved prefixes.</summary>
    public static bool IsValidRegisteredKind(string? kind) =>
        !string.IsNullOrEmpty(kind) && kind.Length is >= 3 and <= 64 && kind.Contains('.', StringComparison.Ordinal)
        && char.IsAsciiLetterLower(kind[0]) && kind[^1] != '.'
        && kind.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '.' or '-')
        && !ReservedPrefixes.Any(p => kind.StartsWith(p, StringComparison.Ordinal));

    public static EventPayload Read(string kind, CanonicalReader reader)
    {
        EventPayload payload;
        if (Readers.TryGetValue(kind, out var read))
        {
            payload = read(reader);
        }
        else if (IsValidRegisteredKind(kind))
        {
            payload = JsonEventPayload.ReadCanonical(kind, reader);
        }
        else
        {
            throw new CanonicalFormatException($"Unknown payload kind '{kind}'.");
        }

        reader.ExpectEnd();
        return payload;
    }
}
