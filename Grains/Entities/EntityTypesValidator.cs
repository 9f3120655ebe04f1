using Concord.Grains.Interfaces.Errors;

namespace Concord.Grains.Entities;

/// <summary>Refuses to start a silo whose entity types are misdeclared, naming every problem at once.</summary>
internal sealed class EntityTypesValidator(IEnumerable<IEntityTypeRuntime> types, IEnumerable<IEntityViewRuntime> views) : IConfigurationValidator
{
    public void ValidateConfiguration()
    {
        var all = types.ToList();
        var problems = all.SelectMany(t => t.Problems()).ToList();
        var names = all.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        problems.AddRange(views.SelectMany(v => v.Problems(names)));
        problems.AddRange(views.GroupBy(v => (v.EntityType, v.Name)).Where(g => g.Count() > 1)
            .Select(g => $"entity type '{g.Key.EntityType}' has two views named '{g.Key.Name}'"));
        problems.AddRange(all.GroupBy(t => t.Name, StringComparer.Ordinal)
            .Where(g => g.Select(t => t.GrainClass).Distinct().Count() > 1)
            .Select(g => $"entity type name '{g.Key}' is registered for {string.Join(" and ", g.Select(t => t.GrainClass.Name).Distinct())}"));
        problems.AddRange(all.GroupBy(t => t.GrainClass)
            .Where(g => g.Select(t => t.Name).Distinct(StringComparer.Ordinal).Count() > 1)
            .Select(g => $"{g.Key.Name} hosts more than one entity type ({string.Join(", ", g.Select(t => t.Name).Distinct())})"));
        // The escrow hand-over is Concord's own kind, shared by every escrowed type; any other kind belongs to one type.
        problems.AddRange(all.SelectMany(t => t.Payloads.Kinds.Select(k => (Kind: k, Type: t.Name)))
            .Where(p => p.Kind != Interfaces.Entities.Crdts.EscrowShareGiven.KindName)
            .GroupBy(p => p.Kind, StringComparer.Ordinal)
            .Where(g => g.Select(p => p.Type).Distinct(StringComparer.Ordinal).Count() > 1)
            .Select(g => $"payload kind '{g.Key}' is declared by entity types {string.Join(" and ", g.Select(p => p.Type).Distinct())}"));
        if (problems.Count > 0)
        {
            throw new ConcordConfigurationException($"Concord entity types: {string.Join("; ", problems)}.");
        }
    }
}
