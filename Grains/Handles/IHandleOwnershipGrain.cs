namespace Concord.Grains.Handles;

/// <summary>The ownership record of one handle, in Orleans transactional state at the handles' primary region.</summary>
[Alias("concord.IHandleOwnershipGrain")]
public interface IHandleOwnershipGrain : IGrainWithStringKey
{
    /// <summary>Binds the handle to <paramref name="account"/>; throws HandleTakenException when another account holds it.</summary>
    [Transaction(TransactionOption.Join)]
    [Alias("claim")]
    Task ClaimAsync(string account);

    /// <summary>Frees the handle; returns the account that held it, or null.</summary>
    [Transaction(TransactionOption.Join)]
    [Alias("release")]
    Task<string?> ReleaseAsync();

    [Transaction(TransactionOption.CreateOrJoin)]
    [Alias("owner")]
    Task<string?> GetOwnerAsync();
}

[GenerateSerializer, Alias("concord.handles.ownership")]
public sealed class HandleOwnership
{
    [Id(0)]
    public string? Account { get; set; }
}
