using System.Diagnostics;
using Concord.Grains.Diagnostics;
using Concord.Simulation;

// The deterministic simulator of Concord's replication core. See docs/reliability.md.
var options = SimulatorArguments.Parse(args);
if (options is null)
{
    Console.Error.WriteLine(SimulatorArguments.Usage);
    return 2;
}

foreach (var bug in options.PlantedBugs)
{
    PlantedBugs.ByName[bug]();
    Console.WriteLine($"planted bug: {bug}");
}

if (options.Scale)
{
    return ScaleRun.Report(options);
}

if (options.Seeds == 1)
{
    var result = new Simulation(options.SettingsFor(options.FirstSeed)).Run();
    if (options.PrintTrace || !result.Passed)
    {
        foreach (var line in options.PrintTrace ? result.Trace : result.Trace.TakeLast(40))
        {
            Console.WriteLine(line);
        }
    }

    Console.WriteLine($"seed {result.Seed}: {(result.Passed ? "passed" : "FAILED: " + result.Failure)}; {result.Summary}; trace {result.TraceDigest}");
    return result.Passed ? 0 : 1;
}

var watch = Stopwatch.StartNew();
var failed = 0;
for (var i = 0; i < options.Seeds; i++)
{
    var seed = options.FirstSeed + i;
    var result = new Simulation(options.SettingsFor(seed)).Run();
    if (!result.Passed && options.KeepGoing)
    {
        failed++;
        Console.WriteLine($"seed {seed} FAILED: {result.Failure}");
    }
    else if (!result.Passed)
    {
        foreach (var line in result.Trace.TakeLast(40))
        {
            Console.WriteLine(line);
        }

        Console.WriteLine($"seed {seed} FAILED after {i} passing seed(s): {result.Failure}");
        Console.WriteLine($"replay: dotnet run --project sim -- --seed {seed} --regions {options.Regions} --entities {options.Entities} --ops {options.Ops}{(options.Lossy ? " --lossy" : string.Empty)}{string.Concat(options.PlantedBugs.Select(b => " --plant " + b))} --trace");
        return 1;
    }

    if ((i + 1) % options.ProgressEvery == 0 || i + 1 == options.Seeds)
    {
        Console.WriteLine($"{i + 1 - failed}/{i + 1} seeds passed ({(i + 1) / watch.Elapsed.TotalSeconds:F0} seeds/s)");
    }
}

Console.WriteLine(failed == 0
    ? $"all {options.Seeds} seeds from {options.FirstSeed} passed in {watch.Elapsed.TotalSeconds:F1} s"
    : $"{failed} of {options.Seeds} seeds from {options.FirstSeed} failed ({watch.Elapsed.TotalSeconds:F1} s)");
return failed == 0 ? 0 : 1;
