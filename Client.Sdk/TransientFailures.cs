using Concord.Grains.Interfaces.Errors;

namespace Concord.Client.Sdk;

/// <summary>Which failures a retry with the same request id may cure.</summary>
internal static class TransientFailures
{
    public static bool IsTransient(Exception exception) =>
        exception is StorageUnavailableException or InsufficientShareException || IsUnreachable(exception);

    /// <summary>The region did not answer: the call may or may not have reached it.</summary>
    public static bool IsUnreachable(Exception exception) =>
        exception is TimeoutException or OrleansMessageRejectionException or Orleans.Runtime.Messaging.ConnectionFailedException or SiloUnavailableException or GatewayTooBusyException;
}
