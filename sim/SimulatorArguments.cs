using System.Globalization;

namespace Concord.Simulation;

/// <summary>The simulator's command line.</summary>
internal sealed record SimulatorArguments(int FirstSeed, int Seeds, int Regions, int Entities, int Ops, bool PrintTrace, bool KeepGoing, bool Scale, bool Lossy, IReadOnlyList<string> PlantedBugs)
{
    public const string Usage = """
        usage: dotnet run --project sim -- [--seed N | --seeds N [--from N]] [--regions 2-16] [--entities N] [--ops N] [--trace] [--plant BUG]...
          --seed N      run one seed and print its result (the same seed always prints the same result and trace digest)
          --seeds N     run N seeds (from --from, default 1); stop at the first failure with its seed, trace tail and a replay line
          --regions N   regions (default 3)      --entities N   accounts (default 6)      --ops N   client requests (default 60)
          --trace       print the whole trace of a single seed
          --keep-going  with --seeds: run every seed, print each failure, and fail at the end
          --lossy       also restart regions from a store that lost its last commits (the recovery protocol; work in progress)
          --scale       one seed at WAN latency with one region cut off for 1.5 s: messages and bytes per event,
                        convergence after heal, memory per replica (e.g. --scale --regions 10 --entities 100000 --ops 100000)
          --plant BUG   turn on a planted bug to prove the simulator catches it: no-dedupe, no-causal-order, no-apology, no-chain-check,
                        no-recovery (with --lossy)
        """;

    public int ProgressEvery => Math.Max(1, Math.Min(500, Seeds / 10));

    public SimulationSettings SettingsFor(int seed) => new(seed, Regions, Entities, Ops, PrintTrace, Scale, Lossy);

    public static SimulatorArguments? Parse(string[] args)
    {
        int? seed = null, seeds = null;
        var from = 1;
        var regions = 3;
        var entities = 6;
        var ops = 60;
        var trace = false;
        var keepGoing = false;
        var scale = false;
        var lossy = false;
        var bugs = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            string? Next() => i + 1 < args.Length ? args[++i] : null;
            bool Int(out int value, int min, int max) => int.TryParse(Next(), NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= min && value <= max;
            switch (args[i])
            {
                case "--seed" when Int(out var s, 0, int.MaxValue):
                    seed = s;
                    break;
                case "--seeds" when Int(out var n, 1, int.MaxValue):
                    seeds = n;
                    break;
                case "--from" when Int(out var f, 0, int.MaxValue):
                    from = f;
                    break;
                case "--regions" when Int(out var r, 2, 16):
                    regions = r;
                    break;
                case "--entities" when Int(out var e, 2, 10_000_000):
                    entities = e;
                    break;
                case "--ops" when Int(out var o, 0, 10_000_000):
                    ops = o;
                    break;
                case "--trace":
                    trace = true;
                    break;
                case "--keep-going":
                    keepGoing = true;
                    break;
                case "--scale":
                    scale = true;
                    break;
                case "--lossy":
                    lossy = true;
                    break;
                case "--plant" when Next() is { } bug && Grains.Diagnostics.PlantedBugs.ByName.ContainsKey(bug):
                    bugs.Add(bug);
                    break;
                default:
                    Console.Error.WriteLine($"bad or incomplete argument '{args[i]}'");
                    return null;
            }
        }

        if (seed is not null && seeds is not null)
        {
            Console.Error.WriteLine("give --seed or --seeds, not both");
            return null;
        }

        return new SimulatorArguments(seed ?? from, seeds ?? 1, regions, entities, ops, trace, keepGoing, scale, lossy, bugs);
    }
}
