using Concord.Grains.Interfaces.Audit;

namespace Concord.TestKit;

/// <summary>An audit in the test regions found what it should not have; the message lists every finding.</summary>
public sealed class AuditFailedException(IReadOnlyList<AuditFinding> findings)
    : Exception($"The audit found {findings.Count} problem(s):{string.Concat(findings.Select(f => $"{Environment.NewLine}  {f.Region} {f.EntityId} {f.Kind} at {f.Position?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"}: {f.Detail}"))}")
{
    public IReadOnlyList<AuditFinding> Findings { get; } = findings;
}
