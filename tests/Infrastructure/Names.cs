namespace Concord.Tests.Infrastructure;

/// <summary>Unique entity names, so tests sharing a cluster never see each other's accounts.</summary>
public static class Names
{
    public static string Account(string hint) => $"{hint}-{Guid.NewGuid():N}"[..Math.Min(hint.Length + 13, 100)];

    /// <summary>A fresh account name whose home region, over <paramref name="regions"/>, is <paramref name="home"/>.</summary>
    public static string AccountHomedIn(string home, string hint, IReadOnlyList<string> regions)
    {
        while (true)
        {
            var name = Account(hint);
            if (Concord.Grains.Interfaces.Events.HomeRegions.OfAccount(name, regions) == home)
            {
                return name;
            }
        }
    }
}
