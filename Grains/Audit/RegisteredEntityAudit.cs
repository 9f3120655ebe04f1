using Concord.Grains.Entities;
using Concord.Grains.Interfaces.Audit;
using Concord.Grains.Interfaces.Canonical;
using Concord.Grains.Interfaces.Entities;
using Concord.Grains.Interfaces.Events;

namespace Concord.Grains.Audit;

/// <summary>
/// Audits entities of registered types with no code of those types' own: the replica and every view against a
/// re-fold of the log (by canonical JSON), the type's own invariants, and, at home, the apologies it owes. An entity
/// whose type is not registered here is named, not folded. The auditor folds each log once (<see cref="RegisteredEntityFold"/>)
/// and hands the fold to this plug-in and to every plug-in that takes the type's folded state.
/// </summary>
internal sealed class RegisteredEntityAudit(EntityTypeRegistry registry) : IAuditPlugin
{
    public IAuditPluginRun Start(AuditRunContext context) => new Run(registry, context);

    private sealed class Run(EntityTypeRegistry registry, AuditRunContext context) : IAuditPluginRun
    {
        public bool Covers(string entityId) => registry.TryResolve(entityId, out _, out _) || registry.IsUnknownType(entityId, out _);

        public ValueTask<IEntityAuditPass> BeginEntityAsync(string entityId, CancellationToken cancellationToken) =>
            ValueTask.FromResult<IEntityAuditPass>(new Pass(registry, context, entityId));

        public Task FinishAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private sealed class Pass(EntityTypeRegistry registry, AuditRunContext context, string entity) : IRegisteredEntityAuditPass
    {
        private RegisteredEntityFold? _folded;

        public void Apply(LoggedEvent verified)
        {
        }

        public void Folded(RegisteredEntityFold folded) => _folded = folded;

        public async Task FinishAsync(CancellationToken cancellationToken)
        {
            if (_folded is not { } folded)
            {
                context.Report(entity, AuditFindingKinds.UnknownType, null, "the entity's type is not registered in this region; its chains verify but its state cannot be folded");
                return;
            }

            if (folded.Fold is not { } fold)
            {
                context.Report(entity, AuditFindingKinds.UnknownType, null, $"the log cannot be folded here: {folded.Problem}");
                return;
            }

            var (type, log) = (folded.Type, folded.Log);
            var audited = await registry.GrainOf(context.Grains, type, folded.Key).GetAuditStateAsync(cancellationToken);
            if (audited.StoredSnapshot is { Position: > 0 } snapshot
                && (snapshot.Position > log.Count || !string.Equals(type.CanonicalStateAt(entity, log, snapshot.Position), snapshot.State, StringComparison.Ordinal)))
            {
                context.Report(entity, AuditFindingKinds.SnapshotMismatch, snapshot.Position, "the stored snapshot differs from a fold of the log up to its position");
            }

            var replica = audited.Replica;
            if (replica.Position == fold.Position && !string.Equals(replica.CanonicalState, fold.CanonicalState, StringComparison.Ordinal))
            {
                context.Report(entity, AuditFindingKinds.ReplicaMismatch, fold.Position, $"replica holds {Abbreviate(replica.CanonicalState)}, the log folds to {Abbreviate(fold.CanonicalState)}");
            }

            foreach (var view in registry.ViewsOf(type.Name))
            {
                await AuditViewAsync(view, type.Payloads, log, cancellationToken);
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

        private async Task AuditViewAsync(IEntityViewRuntime view, PayloadTypes payloads, IReadOnlyList<LoggedEvent> log, CancellationToken cancellationToken)
        {
            var expected = view.FoldForAudit(entity, log, payloads);
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

/// <summary>The registered-type audit's pass: the auditor hands it the one fold of the entity's log it made.</summary>
internal interface IRegisteredEntityAuditPass : IEntityAuditPass
{
    void Folded(RegisteredEntityFold folded);
}

/// <summary>
/// One fold of an entity's verified log, made by the auditor for every plug-in that covers the entity: the registered
/// audit's checks, and the plug-ins that take the type's state (<see cref="IFoldedEntityAuditPass{TState}"/>).
/// <see cref="Fold"/> is null, with <see cref="Problem"/> saying why, when the log cannot be folded here.
/// </summary>
internal sealed record RegisteredEntityFold(IEntityTypeRuntime Type, string Key, IReadOnlyList<LoggedEvent> Log, EntityAuditFold? Fold, string? Problem)
{
    public static RegisteredEntityFold Of(IEntityTypeRuntime type, string key, string entity, IReadOnlyList<LoggedEvent> log, string region, IReadOnlyList<string> regions)
    {
        try
        {
            var atHome = string.Equals(type.HomeRegionOf(key, regions), region, StringComparison.Ordinal);
            return new(type, key, log, type.FoldForAudit(entity, log, atHome), null);
        }
        catch (Exception ex) when (ex is UnknownPayloadKindException or CanonicalFormatException or System.Text.Json.JsonException)
        {
            return new(type, key, log, null, ex.Message);
        }
    }

    /// <summary>Hands the fold to each pass: the registered audit's gets all of it, a typed pass the state.</summary>
    public void HandTo(IEnumerable<IEntityAuditPass> passes)
    {
        foreach (var pass in passes)
        {
            if (pass is IRegisteredEntityAuditPass registered)
            {
                registered.Folded(this);
            }
            else if (Fold is { } fold)
            {
                Type.Offer(fold, pass);
            }
        }
    }
}
