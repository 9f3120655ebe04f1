using System.Globalization;

namespace Concord.Bench.Harness;

/// <summary>The command line: <c>[SCENARIO...] [--quick] [--json FILE] [--seed N]</c>. Unknown arguments are errors.</summary>
public sealed class BenchOptions
{
    public const string Usage =
        "usage: dotnet run -c Release --project bench -- [SCENARIO...] [--quick] [--json FILE] [--seed N] [--postgres CONNSTRING] [--list]\n" +
        "       --postgres runs the regions on PostgreSQL: a fresh database per region on that server, dropped afterwards.\n" +
        "       no SCENARIO runs them all; --quick is a smoke pass of seconds that checks the harness, not the system.";

    public List<string> Scenarios { get; } = [];

    public bool Quick { get; private set; }

    public string? JsonPath { get; private set; }

    /// <summary>Every random choice of the run derives from this seed. Default: made up and printed.</summary>
    public int Seed { get; private set; } = Random.Shared.Next(1, int.MaxValue);

    public bool ListOnly { get; private set; }

    /// <summary>A PostgreSQL server (Npgsql connection string) to run the regions on. Default: none, memory storage.</summary>
    public string? Postgres { get; private set; }

    public static BenchOptions Parse(IReadOnlyList<string> args)
    {
        var options = new BenchOptions();
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--quick":
                    options.Quick = true;
                    break;
                case "--json":
                    options.JsonPath = ValueOf(args, ref i);
                    break;
                case "--seed":
                    var text = ValueOf(args, ref i);
                    options.Seed = int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seed)
                        ? seed
                        : throw new ArgumentException($"--seed '{text}' is not an integer.");
                    break;
                case "--postgres":
                    options.Postgres = ValueOf(args, ref i);
                    break;
                case "--list":
                    options.ListOnly = true;
                    break;
                case var name when !name.StartsWith("--", StringComparison.Ordinal):
                    options.Scenarios.Add(name);
                    break;
                default:
                    throw new ArgumentException($"unknown argument '{args[i]}'.");
            }
        }

        return options;
    }

    private static string ValueOf(IReadOnlyList<string> args, ref int i)
    {
        if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
        {
            throw new ArgumentException($"{args[i]} needs a value.");
        }

        return args[++i];
    }
}
