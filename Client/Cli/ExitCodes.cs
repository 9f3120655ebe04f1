namespace Concord.Client.Cli;

/// <summary>The CLI's exit codes; documented in docs/cli.md.</summary>
public static class ExitCodes
{
    public const int Success = 0;

    /// <summary>The system refused the request: insufficient funds, coordination unavailable, a write not made durable.</summary>
    public const int Rejected = 1;

    /// <summary>The input or the command line is wrong.</summary>
    public const int InvalidInput = 2;

    /// <summary>No gateway of the region answered.</summary>
    public const int Unreachable = 3;
}
