namespace Concord.Bench.Harness;

/// <summary>One benchmark scenario. It starts what it needs, measures, and tears everything down again.</summary>
public interface IScenario
{
    /// <summary>The name used on the command line.</summary>
    string Name { get; }

    /// <summary>One line: what is measured.</summary>
    string Description { get; }

    Task RunAsync(BenchContext context, ScenarioReport report, CancellationToken cancellationToken);
}
