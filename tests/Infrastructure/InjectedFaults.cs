using System.Collections.Concurrent;
using Concord.Grains.Interfaces.Audit;

namespace Concord.Tests.Infrastructure;

/// <summary>
/// Corruption that tests inject on purpose into shared regions. A clean-audit check elsewhere ignores exactly
/// these findings (same entity, kind and position) and nothing else, so a real false positive still fails.
/// </summary>
public static class InjectedFaults
{
    private static readonly ConcurrentDictionary<(string Entity, string Kind, long? Position), bool> Injected = new();

    public static void Register(string entity, string kind, long? position) => Injected[(entity, kind, position)] = true;

    public static bool Explains(AuditFinding finding) => Injected.ContainsKey((finding.EntityId, finding.Kind, finding.Position));
}
