namespace Concord.Silo.Hosting;

/// <summary>The entity types beyond the ledger and the handles that this silo can host, by the name <c>--entities</c> takes.</summary>
public static class EntityModules
{
    private static readonly Dictionary<string, Action<ISiloBuilder>> Modules = new(StringComparer.Ordinal)
    {
        ["venues"] = silo => silo.AddVenues(),
    };

    public static IEnumerable<string> Names => Modules.Keys.Order(StringComparer.Ordinal);

    public static bool IsKnown(string name) => Modules.ContainsKey(name);

    public static void Add(ISiloBuilder silo, IEnumerable<string> names)
    {
        foreach (var name in names)
        {
            Modules[name](silo);
        }
    }
}
