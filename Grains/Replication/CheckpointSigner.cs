using System.Collections.Immutable;
using System.Security.Cryptography;
using Concord.Grains.Interfaces.Canonical;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Replication;

namespace Concord.Grains.Replication;

/// <summary>
/// ECDSA P-256 signatures over checkpoints. Each region signs with its private key; every region holds the
/// deployment's public keys. The signed bytes are an explicit canonical encoding, never a serializer's output.
/// </summary>
public sealed class CheckpointSigner
{
    private readonly ECDsa? _signingKey;
    private readonly Dictionary<string, ECDsa> _publicKeys = new(StringComparer.Ordinal);

    public CheckpointSigner(string? signingKeyPem, IReadOnlyDictionary<string, string> publicKeysPem)
    {
        if (signingKeyPem is not null)
        {
            _signingKey = ECDsa.Create();
            _signingKey.ImportFromPem(signingKeyPem);
        }

        foreach (var (region, pem) in publicKeysPem)
        {
            var key = ECDsa.Create();
            key.ImportFromPem(pem);
            _publicKeys[region] = key;
        }
    }

    public bool CanSign => _signingKey is not null;

    /// <summary>True when relayed events can be checked against signed checkpoints (the deployment's keys are known).</summary>
    public bool CanVerify => _publicKeys.Count > 0;

    public SignedCheckpoint Sign(string signer, long feedPosition, ChainHash root, long signedAtMs, ImmutableArray<EntityHead> heads = default)
    {
        var key = _signingKey ?? throw new InvalidOperationException("This region has no signing key.");
        return new SignedCheckpoint(signer, feedPosition, root, signedAtMs, [.. key.SignData(Body(signer, feedPosition, root, signedAtMs), HashAlgorithmName.SHA256)], heads);
    }

    /// <summary>True when the checkpoint is signed by its signer's key; false for an unknown signer or a bad signature.</summary>
    public bool Verify(SignedCheckpoint checkpoint) =>
        _publicKeys.TryGetValue(checkpoint.Signer, out var key)
        && !checkpoint.Signature.IsDefaultOrEmpty
        && key.VerifyData(Body(checkpoint.Signer, checkpoint.FeedPosition, checkpoint.Root, checkpoint.SignedAtMs), checkpoint.Signature.AsSpan(), HashAlgorithmName.SHA256);

    /// <summary>True when the checkpoint is signed and its listed heads are exactly what its root covers.</summary>
    public bool VerifyWithHeads(SignedCheckpoint checkpoint) =>
        Verify(checkpoint)
        && !checkpoint.Heads.IsDefault
        && RootOf(checkpoint.Heads.Select(h => new KeyValuePair<string, (long Seq, ChainHash Hash)>(h.EntityId, (h.Seq, h.Hash)))) == checkpoint.Root;

    /// <summary>Signs this region's word that its event <paramref name="seq"/> in <paramref name="entityId"/> hashes to <paramref name="hash"/>.</summary>
    public SignedHead SignHead(string signer, string entityId, long seq, ChainHash hash)
    {
        var key = _signingKey ?? throw new InvalidOperationException("This region has no signing key.");
        return new SignedHead(signer, entityId, seq, hash, [.. key.SignData(HeadBody(signer, entityId, seq, hash), HashAlgorithmName.SHA256)]);
    }

    /// <summary>True when the head is signed by its signer's key; false for an unknown signer or a bad signature.</summary>
    public bool Verify(SignedHead head) =>
        _publicKeys.TryGetValue(head.Signer, out var key)
        && !head.Signature.IsDefaultOrEmpty
        && key.VerifyData(HeadBody(head.Signer, head.EntityId, head.Seq, head.Hash), head.Signature.AsSpan(), HashAlgorithmName.SHA256);

    /// <summary>The root over one origin's chain heads: SHA-256 of (entity, seq, hash) sorted by entity.</summary>
    public static ChainHash RootOf(IEnumerable<KeyValuePair<string, (long Seq, ChainHash Hash)>> heads)
    {
        var writer = new CanonicalWriter();
        foreach (var (entity, head) in heads.OrderBy(h => h.Key, StringComparer.Ordinal))
        {
            writer.WriteString(entity);
            writer.WriteInt64(head.Seq);
            writer.WriteHash(head.Hash);
        }

        return ChainHash.FromBytes(SHA256.HashData(writer.WrittenSpan));
    }

    private static byte[] Body(string signer, long feedPosition, ChainHash root, long signedAtMs)
    {
        var writer = new CanonicalWriter(96);
        writer.WriteString("concord.checkpoint.v1");
        writer.WriteString(signer);
        writer.WriteInt64(feedPosition);
        writer.WriteHash(root);
        writer.WriteInt64(signedAtMs);
        return writer.ToArray();
    }

    // Its own domain string: a signed head can never be read as a checkpoint, nor the other way round.
    private static byte[] HeadBody(string signer, string entityId, long seq, ChainHash hash)
    {
        var writer = new CanonicalWriter(128);
        writer.WriteString("concord.signed-head.v1");
        writer.WriteString(signer);
        writer.WriteString(entityId);
        writer.WriteInt64(seq);
        writer.WriteHash(hash);
        return writer.ToArray();
    }
}
