using System.Collections.Concurrent;

namespace Concord.Tests.Infrastructure;

/// <summary>
/// A silo call filter that fails chosen grain calls, as a silo dying mid-call would: tests arm it for one
/// interface method and first argument, for a number of calls. Unarmed, it passes everything through.
/// </summary>
public sealed class FailingCalls : IIncomingGrainCallFilter
{
    private static readonly ConcurrentDictionary<(string Method, string Argument), int> Armed = new();

    public static void Fail(string interfaceMethod, string firstArgument, int times) => Armed[(interfaceMethod, firstArgument)] = times;

    public Task Invoke(IIncomingGrainCallContext context)
    {
        var key = ($"{context.InterfaceMethod?.DeclaringType?.Name}.{context.InterfaceMethod?.Name}", context.Request.GetArgumentCount() > 0 ? context.Request.GetArgument(0)?.ToString() ?? string.Empty : string.Empty);
        while (Armed.TryGetValue(key, out var left) && left > 0)
        {
            if (Armed.TryUpdate(key, left - 1, left))
            {
                throw new InvalidOperationException($"injected failure of {key.Item1}({key.Item2})");
            }
        }

        return context.Invoke();
    }
}
