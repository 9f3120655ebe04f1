using Concord.Grains.Interfaces.Events;
using Microsoft.Extensions.Options;

namespace Concord.Grains.Hosting;

/// <summary>Stops the silo at start-up with a clear message when <see cref="ConcordOptions"/> are wrong.</summary>
internal sealed class ConcordOptionsValidator(IOptions<ConcordOptions> options) : IConfigurationValidator
{
    public void ValidateConfiguration()
    {
        var o = options.Value;
        if (!EntityKeys.IsValidKey(o.Region))
        {
            Fail($"Region '{o.Region}' is not a valid region id (1-{EntityKeys.MaxLength} characters of A-Z a-z 0-9 . _ -).");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var region in o.Regions)
        {
            if (!EntityKeys.IsValidKey(region))
            {
                Fail($"Regions lists '{region}', which is not a valid region id.");
            }

            if (!seen.Add(region))
            {
                Fail($"Regions lists '{region}' twice.");
            }
        }

        if (o.Regions.Count > 0 && !seen.Contains(o.Region))
        {
            Fail($"Region '{o.Region}' is not in Regions [{string.Join(", ", o.Regions)}].");
        }

        if (o.HandlePrimaryRegion is { } primary && !o.EffectiveRegions.Contains(primary, StringComparer.Ordinal))
        {
            Fail($"HandlePrimaryRegion '{primary}' is not one of the regions [{string.Join(", ", o.EffectiveRegions)}].");
        }

        if (o.ClientCredentials.Any(c => Interfaces.Events.ClientCredentialRoles.Parse(c).Secret.Length < Interfaces.Events.ClientCredentials.MinLength))
        {
            Fail($"Every client credential needs at least {Interfaces.Events.ClientCredentials.MinLength} characters, after its role prefix (reader:, writer: or operator:) if it has one.");
        }

        if (o.ReplicationSecret is { Length: < 32 })
        {
            Fail("ReplicationSecret needs at least 32 characters.");
        }

        if (o.RoutineAuditInterval is { } every && every <= TimeSpan.Zero)
        {
            Fail($"RoutineAuditInterval must be positive, not {every}.");
        }

        if (o.RoutineAuditSample is <= 0 or > 1 || double.IsNaN(o.RoutineAuditSample))
        {
            Fail($"RoutineAuditSample is a fraction in (0, 1], not {o.RoutineAuditSample}.");
        }

        if (o.SigningKeyPem is not null || o.RegionPublicKeysPem.Count > 0)
        {
            // Relayed events are accepted only against signed checkpoints, so every region must sign and be known.
            var missing = o.EffectiveRegions.Where(r => !o.RegionPublicKeysPem.ContainsKey(r)).ToList();
            if (o.SigningKeyPem is null || missing.Count > 0)
            {
                Fail($"Checkpoint keys need this region's signing key and every region's public key (missing: {(o.SigningKeyPem is null ? "signing key" : string.Join(", ", missing))}).");
            }
        }

        if (o.SnapshotInterval < 1)
        {
            Fail($"SnapshotInterval must be at least 1, not {o.SnapshotInterval}.");
        }

        if (o.MaxGroupCommitEvents < 1)
        {
            Fail($"MaxGroupCommitEvents must be at least 1, not {o.MaxGroupCommitEvents}.");
        }

        if (o.DerivedRepairDelay <= TimeSpan.Zero)
        {
            Fail($"DerivedRepairDelay must be positive, not {o.DerivedRepairDelay}.");
        }

        if (o.ReplicationBatchSize < 1)
        {
            Fail($"ReplicationBatchSize must be at least 1, not {o.ReplicationBatchSize}.");
        }

        if (o.ReplicationLinger < TimeSpan.Zero)
        {
            Fail($"ReplicationLinger must be zero or positive, not {o.ReplicationLinger}.");
        }

        foreach (var (name, value) in new[] { ("IdleFeedCheckInterval", o.IdleFeedCheckInterval), ("AntiEntropyInterval", o.AntiEntropyInterval), ("LinkCallTimeout", o.LinkCallTimeout), ("LinkMaxBackoff", o.LinkMaxBackoff), ("StrictForwardTimeout", o.StrictForwardTimeout), ("SessionCatchUpTimeout", o.SessionCatchUpTimeout), ("CheckpointInterval", o.CheckpointInterval), ("EscrowAskInterval", o.EscrowAskInterval), ("EscrowKeepWindow", o.EscrowKeepWindow) })
        {
            if (value <= TimeSpan.Zero)
            {
                Fail($"{name} must be positive, not {value}.");
            }
        }
    }

    private static void Fail(string message) => throw new OrleansConfigurationException($"Concord configuration: {message}");
}
