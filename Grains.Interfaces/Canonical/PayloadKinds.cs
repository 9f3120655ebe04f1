using System.Collections.Frozen;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Handles;
using Concord.Grains.Interfaces.Ledger;

namespace Concord.Grains.Interfaces.Canonical;

/// <summary>Every payload kind the canonical encoding knows, and how to read each back.</summary>
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
            [HandleBound.KindName] = HandleBound.ReadCanonical,
            [HandleReleased.KindName] = HandleReleased.ReadCanonical,
            [HandleClaimTentative.KindName] = HandleClaimTentative.ReadCanonical,
            [HandleClaimRejected.KindName] = HandleClaimRejected.ReadCanonical,
        }.ToFrozenDictionary(StringComparer.Ordinal);

    public static IEnumerable<string> Known => Readers.Keys;

    public static EventPayload Read(string kind, CanonicalReader reader)
    {
        if (!Readers.TryGetValue(kind, out var read))
        {
            throw new CanonicalFormatException($"Unknown payload kind '{kind}'.");
        }

        var payload = read(reader);
        reader.ExpectEnd();
        return payload;
    }
}
