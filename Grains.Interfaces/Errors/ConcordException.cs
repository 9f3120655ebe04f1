namespace Concord.Grains.Interfaces.Errors;

/// <summary>Base of every error a Concord caller is expected to handle. Nothing was changed when one is thrown.</summary>
[GenerateSerializer, Alias("concord.error")]
public abstract class ConcordException : Exception
{
    protected ConcordException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}

/// <summary>The request is malformed or breaks a rule of the API (amount, key, request id). Nothing was changed.</summary>
[GenerateSerializer, Alias("concord.error.invalid-request")]
public sealed class InvalidRequestException : ConcordException
{
    public InvalidRequestException(string field, string message)
        : base(message) => Field = field;

    /// <summary>The input that was wrong, such as <c>amount</c> or <c>account</c>.</summary>
    [Id(0)]
    public string Field { get; private set; }
}

/// <summary>A debit was refused because the balance that decides it does not cover it. Nothing was changed.</summary>
[GenerateSerializer, Alias("concord.error.insufficient-funds")]
public sealed class InsufficientFundsException : ConcordException
{
    public InsufficientFundsException(string account, long requested, long available)
        : base($"Insufficient funds in '{account}': requested {Ledger.Money.Format(requested)}, available {Ledger.Money.Format(available)}.")
    {
        Account = account;
        Requested = Ledger.Money.ToDecimal(requested);
        Available = Ledger.Money.ToDecimal(available);
    }

    [Id(0)]
    public string Account { get; private set; }

    /// <summary>The amount requested.</summary>
    [Id(3)]
    public decimal Requested { get; private set; }

    /// <summary>The spendable balance when the request was decided.</summary>
    [Id(4)]
    public decimal Available { get; private set; }
}

/// <summary>
/// A strict debit was refused although the balance covers it: the part of the balance this region may spend without
/// asking anyone (its escrow share) does not, because other regions hold the rest as their shares. Nothing was
/// changed. The region has asked its peers for share, so a retry shortly may pass while they are reachable; during a
/// partition only a smaller amount, or a debit in a region whose share covers it, can pass.
/// </summary>
[GenerateSerializer, Alias("concord.error.insufficient-share")]
public sealed class InsufficientShareException : ConcordException
{
    public InsufficientShareException(string account, string region, long requested, long share, long balance)
        : base($"'{account}' holds {Ledger.Money.Format(balance)}, but only {Ledger.Money.Format(Math.Max(0, share))} of it is the escrow share of region '{region}', which a strict debit there may take; the rest is other regions' shares, asked for now: retry shortly, or debit at most the share.")
    {
        Account = account;
        Region = region;
        Requested = Ledger.Money.ToDecimal(requested);
        Share = Ledger.Money.ToDecimal(share);
        Balance = Ledger.Money.ToDecimal(balance);
    }

    [Id(0)]
    public string Account { get; private set; }

    /// <summary>The region that decided (the home region, when the debit was forwarded there).</summary>
    [Id(1)]
    public string Region { get; private set; }

    [Id(2)]
    public decimal Requested { get; private set; }

    /// <summary>That region's escrow share when the debit was decided (negative when it is in debt after optimistic debits).</summary>
    [Id(3)]
    public decimal Share { get; private set; }

    /// <summary>The balance as that region saw it.</summary>
    [Id(4)]
    public decimal Balance { get; private set; }
}

/// <summary>A capture or void of a hold that is already resolved (captured, voided or expired): each hold resolves once. Nothing was changed.</summary>
[GenerateSerializer, Alias("concord.error.hold-resolved")]
public sealed class HoldResolvedException : ConcordException
{
    public HoldResolvedException(string account, string holdId, string outcome)
        : base($"Hold '{holdId}' on '{account}' is already {outcome}; a hold is captured, voided or expires exactly once.")
    {
        Account = account;
        HoldId = holdId;
        Outcome = outcome;
    }

    [Id(0)]
    public string Account { get; private set; }

    [Id(1)]
    public string HoldId { get; private set; }

    /// <summary><c>captured</c>, <c>voided</c> or <c>expired</c>.</summary>
    [Id(2)]
    public string Outcome { get; private set; }
}

/// <summary>A strict operation could not reach the entity's home region in time. Nothing was changed.</summary>
[GenerateSerializer, Alias("concord.error.coordination-unavailable")]
public sealed class CoordinationUnavailableException : ConcordException
{
    public CoordinationUnavailableException(string entityId, string homeRegion, string reason)
        : base($"Home region '{homeRegion}' of '{entityId}' is unreachable: {reason}")
    {
        EntityId = entityId;
        HomeRegion = homeRegion;
    }

    [Id(0)]
    public string EntityId { get; private set; }

    [Id(1)]
    public string HomeRegion { get; private set; }
}

/// <summary>The client could not reach any gateway of the region(s) it was given.</summary>
[GenerateSerializer, Alias("concord.error.region-unavailable")]
public sealed class RegionUnavailableException : ConcordException
{
    public RegionUnavailableException(string region, string message, Exception? innerException = null)
        : base(message, innerException) => Region = region;

    [Id(0)]
    public string Region { get; private set; }
}

/// <summary>
/// The region could not confirm that a write is durable. It may or may not have taken effect: retry with
/// the same request id, which is safe and returns the original receipt if it did.
/// </summary>
[GenerateSerializer, Alias("concord.error.storage-unavailable")]
public sealed class StorageUnavailableException : ConcordException
{
    public StorageUnavailableException(string entityId, string message, Exception? innerException = null)
        : base(message, innerException) => EntityId = entityId;

    [Id(0)]
    public string EntityId { get; private set; }
}

/// <summary>Client or silo options are wrong; the message says which and why.</summary>
[GenerateSerializer, Alias("concord.error.configuration")]
public sealed class ConcordConfigurationException : ConcordException
{
    public ConcordConfigurationException(string message)
        : base(message)
    {
    }
}

/// <summary>
/// The account is overdrawn after concurrent optimistic debits and refuses optimistic debits until its
/// balance is back at zero or above. Strict debits and credits are unaffected. Nothing was changed.
/// </summary>
[GenerateSerializer, Alias("concord.error.account-frozen")]
public sealed class AccountFrozenException : ConcordException
{
    public AccountFrozenException(string account, long balance)
        : base($"Account '{account}' is overdrawn ({Ledger.Money.Format(balance)}) and refuses optimistic debits until it is back at 0; use a strict debit or deposit first.")
    {
        Account = account;
        Balance = Ledger.Money.ToDecimal(balance);
    }

    [Id(0)]
    public string Account { get; private set; }

    /// <summary>The (negative) balance that froze the account.</summary>
    [Id(2)]
    public decimal Balance { get; private set; }
}

/// <summary>The handle is bound to another account. Nothing was changed.</summary>
[GenerateSerializer, Alias("concord.error.handle-taken")]
public sealed class HandleTakenException : ConcordException
{
    public HandleTakenException(string handle, string owner)
        : base($"Handle '{handle}' is taken by '{owner}'.")
    {
        Handle = handle;
        Owner = owner;
    }

    [Id(0)]
    public string Handle { get; private set; }

    [Id(1)]
    public string Owner { get; private set; }
}

/// <summary>The region requires a client credential and the call carried none or a wrong one. Nothing was changed.</summary>
[GenerateSerializer, Alias("concord.error.unauthenticated")]
public sealed class UnauthenticatedException : ConcordException
{
    public UnauthenticatedException(string region)
        : base($"Region '{region}' requires a client credential; give one with --credential or CONCORD_CREDENTIAL.") => Region = region;

    [Id(0)]
    public string Region { get; private set; }
}

/// <summary>
/// The region could not apply what the caller's session already saw of an entity (its own writes, or what it read
/// elsewhere) within its bound, so it did not answer from an older state. Nothing was changed: retry, in this region
/// or another, once replication has caught up.
/// </summary>
[GenerateSerializer, Alias("concord.error.session-not-caught-up")]
public sealed class SessionNotCaughtUpException : ConcordException
{
    public SessionNotCaughtUpException(string entityId, string region, string missing, TimeSpan waited)
        : base($"Region '{region}' has not yet applied {missing} of '{entityId}', which this session depends on (waited {waited.TotalSeconds:0.#} s); nothing was changed, retry.")
    {
        EntityId = entityId;
        Region = region;
        Missing = missing;
    }

    [Id(0)]
    public string EntityId { get; private set; }

    [Id(1)]
    public string Region { get; private set; }

    /// <summary>The events the session needs and the region lacks, per origin (<c>origin:seq</c>: every event up to that seq).</summary>
    [Id(2)]
    public string Missing { get; private set; }
}

/// <summary>The call's credential is valid but its role does not allow the method. Nothing was changed.</summary>
[GenerateSerializer, Alias("concord.error.unauthorized")]
public sealed class UnauthorizedException : ConcordException
{
    public UnauthorizedException(string region, string method, Events.ClientRole required, Events.ClientRole presented)
        : base($"Region '{region}' refuses {method} to a {presented.ToString().ToLowerInvariant()} credential: it needs the {required.ToString().ToLowerInvariant()} role.")
    {
        Region = region;
        Required = required;
        Presented = presented;
    }

    [Id(0)]
    public string Region { get; private set; }

    [Id(1)]
    public Events.ClientRole Required { get; private set; }

    [Id(2)]
    public Events.ClientRole Presented { get; private set; }
}
