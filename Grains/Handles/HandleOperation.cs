using Concord.Grains.Interfaces.Handles;

namespace Concord.Grains.Handles;

/// <summary>A strict handle operation forwarded to the handles' primary region. Exactly one command is set.</summary>
[GenerateSerializer, Immutable, Alias("concord.handles.operation")]
public sealed record HandleOperation(
    [property: Id(0)] string Handle,
    [property: Id(1)] ClaimHandleCommand? Claim,
    [property: Id(2)] string? ReleaseRequestId,
    [property: Id(3)] RenameHandleCommand? Rename);
