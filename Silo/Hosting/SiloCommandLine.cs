using System.Globalization;

namespace Concord.Silo.Hosting;

/// <summary>Parses the silo's command line. Unknown or malformed arguments are errors, never ignored.</summary>
public static class SiloCommandLine
{
    public const string Usage =
        "usage: dotnet run --project Silo -- [--region ID] [--gateway-port PORT] [--silo-port PORT] [--storage memory] [--verbose]";

    public static (RegionHostOptions Options, bool Verbose) Parse(IReadOnlyList<string> args)
    {
        var options = new RegionHostOptions();
        var verbose = false;
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--region":
                    options.Region = ValueOf(args, ref i);
                    break;
                case "--gateway-port":
                    options.GatewayPort = PortOf(args, ref i);
                    break;
                case "--silo-port":
                    options.SiloPort = PortOf(args, ref i);
                    break;
                case "--storage":
                    options.Storage = ValueOf(args, ref i);
                    break;
                case "--verbose":
                    verbose = true;
                    break;
                default:
                    throw new ArgumentException($"unknown argument '{args[i]}'.");
            }
        }

        options.Validate();
        return (options, verbose);
    }

    private static string ValueOf(IReadOnlyList<string> args, ref int i)
    {
        if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
        {
            throw new ArgumentException($"{args[i]} needs a value.");
        }

        return args[++i];
    }

    private static int PortOf(IReadOnlyList<string> args, ref int i)
    {
        var name = args[i];
        var text = ValueOf(args, ref i);
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            ? port
            : throw new ArgumentException($"{name} '{text}' is not a port number.");
    }
}
