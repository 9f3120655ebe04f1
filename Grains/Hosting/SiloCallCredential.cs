using System.Security.Cryptography;

namespace Concord.Grains.Hosting;

/// <summary>
/// What the silo's own calls from outside a grain (start-up work, timers of hosted services) present: Orleans counts
/// them as client calls, so they need a credential, but none of the configured ones may be strong enough (a region
/// may list reader credentials only). A random operator secret made at start, never written down or sent anywhere,
/// accepted by this silo's <see cref="ClientCredentialFilter"/> alone.
/// </summary>
internal sealed class SiloCallCredential
{
    public string Secret { get; } = Convert.ToHexString(RandomNumberGenerator.GetBytes(32));
}
