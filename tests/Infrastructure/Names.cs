namespace Concord.Tests.Infrastructure;

/// <summary>Unique entity names, so tests sharing a cluster never see each other's accounts.</summary>
public static class Names
{
    public static string Account(string hint) => $"{hint}-{Guid.NewGuid():N}"[..Math.Min(hint.Length + 13, 100)];
}
