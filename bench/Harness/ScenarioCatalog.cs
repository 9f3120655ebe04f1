using Concord.Bench.Scenarios;

namespace Concord.Bench.Harness;

/// <summary>Every scenario, in the order a full run takes them.</summary>
public static class ScenarioCatalog
{
    public static IReadOnlyList<IScenario> All { get; } =
    [
        new WritePathsScenario(),
        new ReplicationLagScenario(),
        new SessionWaitScenario(),
        new ViewLagScenario(),
        new CatchUpScenario(),
        new AuditRateScenario(),
        new ChainingOverheadScenario(),
        new ApologyTradeoffScenario(),
        new FootprintScenario(),
    ];
}
