using Concord.Grains.Entities;
using Concord.Grains.Hosting;
using Concord.Grains.Interfaces.Audit;
using Concord.Grains.Interfaces.Canonical;
using Concord.Grains.Interfaces.Entities;
using Concord.Grains.Interfaces.Events;
using Microsoft.Extensions.Options;

namespace Concord.Grains.Audit;

/// <summary>
/// Audits entities of registered types with no code of those types' own: the replica and every view against a
/// re-fold of the log (by canonical JSON), the type's own invariants, and, at home, the apologies it owes. An entity
/// whose type is not registered here is named, not folded.
/// </summary>
internal sealed class RegisteredEntityAudit(EntityTypeRegistry registry, IOptions<ConcordOptions> options) : IAuditPlugin
{
    public IAuditPluginRun Start(AuditRunContext context) => new Run(registry, options.Value, context);

    private sealed class Run(EntityTypeRegistry registry, ConcordOptions options, AuditRunContext context) : IAuditPluginRun
    {
        public bool Covers(string entityId) => registry.TryResolve(entityId, out _, out _) || registry.IsUnknownType(entityId, out _);

        public ValueTask<IEntityAuditPass> BeginEntityAsync(string entityId, CancellationToken cancellationToken) =>
            ValueTask.FromResult<IEntityAuditPass>(new Pass(registry, options, context, entityId));

        public Task FinishAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private sealed class Pass(EntityTypeRegistry registry, ConcordOptions options, AuditRunContext context, string entity) : IEntityAuditPass
    {
        private readonly List<LoggedEvent> _log = [];

        public void Apply(LoggedEvent verified) => _log.Add(verified);

        public async Task FinishAsync(CancellationToken cancellationToken)
        {
            if (!registry.TryResolve(entity, out var type, out var key))
            {
                context.Report(entity, AuditFindingKinds.UnknownType, null, "the entity's type is not registered in this region; its chains verify but its state cannot be folded");
                return;
            }

            EntityAuditFold fold;
            try
            {
                var atHome = string.Equals(type.HomeRegionOf(key, options.EffectiveRegions), context.Region, StringComparison.Ordinal);
                fold = type.FoldForAudit(entity, _log, atHome);
            }
            catch (Exception ex) when (ex is UnknownPayloadKindException or CanonicalFormatException or System.Text.Json.JsonException)
            {
                context.Report(entity, AuditFindingKinds.UnknownType, null, $"the log cannot be folded here: {ex.Message}");
                return;
            }

            var grain = registry.GrainOf(context.Grains, type, key);
            if (await grain.GetStoredSnapshotAsync(cancellationToken) is { Position: > 0 } snapshot
                && (snapshot.Position > _log.Count || !string.Equals(type.CanonicalStateAt(entity, _log, snapshot.Position), snapshot.State, StringComparison.Ordinal)))
            {
                context.Report(entity, AuditFindingKinds.SnapshotMismatch, snapshot.Position, "the stored snapshot differs from a fold of the log up to its position");
            }

            var replica = await grain.GetAuditStateAsync(cancellationToken);
            if (replica.Position == fold.Position && !string.Equals(replica.CanonicalState, fold.CanonicalState, StringComparison.Ordinal))
            {
                context.Report(entity, AuditFindingKinds.ReplicaMismatch, fold.Position, $"replica holds {Abbreviate(replica.CanonicalState)}, the log folds to {Abbreviate(fold.CanonicalState)}");
            }

            foreach (var view in registry.ViewsOf(type.Name))
            {
                await AuditViewAsync(view, type.Payloads, cancellationToken);
            }

            foreach (var violation in fold.Violations)
            {
                context.Report(entity, AuditFindingKinds.InvariantViolated, fold.Position, $"{type.Name}: {violation}");
            }

            foreach (var owed in fold.OwedApologies)
            {
                context.Report(entity, AuditFindingKinds.InvariantViolated, fold.Position, $"I6: the apology for {owed} is owed at home but not in the log");
            }
        }

        private async Task AuditViewAsync(IEntityViewRuntime view, PayloadTypes payloads, CancellationToken cancellationToken)
        {
            var expected = view.FoldForAudit(entity, _log, payloads);
            var grain = registry.ViewGrainOf(context.Grains, view, entity);
            await grain.CatchUpAsync(expected.Position, cancellationToken);
            var held = await grain.GetAuditStateAsync(cancellationToken);
            if (held.Position != expected.Position)
            {
                context.Report(entity, AuditFindingKinds.ViewMismatch, held.Position, $"view '{view.Name}' is at position {held.Position} and cannot catch up to the log's {expected.Position}");
            }
            else if (!string.Equals(held.CanonicalState, expected.CanonicalState, StringComparison.Ordinal))
            {
                context.Report(entity, AuditFindingKinds.ViewMismatch, held.Position, $"view '{view.Name}' holds {Abbreviate(held.CanonicalState)}, the log folds to {Abbreviate(expected.CanonicalState)}");
            }
        }

        private static string Abbreviate(string json) => json.Length <= 200 ? json : string.Concat(json.AsSpan(0, 200), "…");
    }
}
