using System.Diagnostics;
using Concord.Bench.Harness;

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine($"error: {ex.Message}");
    Console.Error.WriteLine(BenchOptions.Usage);
    return 2;
}

if (options.ListOnly)
{
    foreach (var scenario in ScenarioCatalog.All)
    {
        Console.WriteLine($"{scenario.Name,-16} {scenario.Description}");
    }

    return 0;
}

var unknown = options.Scenarios.Where(s => ScenarioCatalog.All.All(c => c.Name != s)).ToList();
if (unknown.Count > 0)
{
    Console.Error.WriteLine($"error: unknown scenario(s) {string.Join(", ", unknown)}; known: {string.Join(", ", ScenarioCatalog.All.Select(s => s.Name))}");
    return 2;
}

var selected = options.Scenarios.Count == 0 ? ScenarioCatalog.All : [.. ScenarioCatalog.All.Where(s => options.Scenarios.Contains(s.Name))];
var machine = MachineInfo.Current();
Console.WriteLine($"Concord bench: {(options.Quick ? "quick smoke pass (figures mean nothing)" : "full run")}, seed {options.Seed}");
Console.WriteLine($"machine: {machine}");
Console.WriteLine($"scenarios: {string.Join(", ", selected.Select(s => s.Name))}");
Console.WriteLine($"storage: {(options.Postgres is null ? "memory (the embedded default)" : "postgres, a fresh database per region")}");

var context = new BenchContext(options.Quick, options.Seed, Console.Out, options.Postgres);
var reports = new List<ScenarioReport>();
foreach (var scenario in selected)
{
    var report = new ScenarioReport(scenario.Name);
    reports.Add(report);
    var clock = Stopwatch.StartNew();
    using var deadline = new CancellationTokenSource(options.Quick ? TimeSpan.FromSeconds(40) : TimeSpan.FromMinutes(options.Postgres is null ? 4 : 10));
    context.Progress(scenario.Name, "starting");
    try
    {
        await scenario.RunAsync(context, report, deadline.Token);
    }
    catch (Exception ex)
    {
        report.Error = deadline.IsCancellationRequested ? $"ran past its deadline: {ex.GetBaseException().Message}" : ex.ToString();
    }

    report.Elapsed = clock.Elapsed;
    ReportWriter.Print(report, Console.Out);
}

var targets = reports.SelectMany(r => r.Targets.Select(t => new[] { r.Scenario, t.Name, Format.Number(t.Measured) + " " + t.Unit, $"{t.Comparison} {Format.Number(t.Goal)} {t.Unit}", t.Met ? "met" : "MISSED" })).ToList();
if (targets.Count > 0)
{
    ReportWriter.PrintTable("All targets (issues #7 and #15; reported, never asserted)", ["scenario", "target", "measured", "goal", "result"], targets, Console.Out);
}

if (options.JsonPath is not null)
{
    await ReportWriter.WriteJsonAsync(options.JsonPath, options, machine, reports);
    Console.WriteLine($"figures written to {options.JsonPath}");
    foreach (var (name, content) in reports.SelectMany(r => r.Files))
    {
        var path = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(options.JsonPath))!, name);
        await File.WriteAllTextAsync(path, content);
        Console.WriteLine($"chart written to {path}");
    }
}

var failed = reports.Where(r => r.Error is not null).Select(r => r.Scenario).ToList();
Console.WriteLine();
Console.WriteLine(failed.Count == 0
    ? $"bench: {reports.Count} scenario(s) ran, seed {options.Seed}"
    : $"bench: {failed.Count} of {reports.Count} scenario(s) failed ({string.Join(", ", failed)}), seed {options.Seed}");
return failed.Count == 0 ? 0 : 1;
