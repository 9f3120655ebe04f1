using System.Collections.Concurrent;

namespace Concord.Tests.Infrastructure;

/// <summary>
/// A silo call filter that fails chosen grain calls, as a silo dying mid-call would: tests arm it for one
/// interface method and first argument (or the grain's key), for a number of calls. Unarmed, it passes everything
/// through. A failed one-way call is a lost message: its caller never hears of it.
/// </summary>
public sealed class FailingCalls : IIncomingGrainCallFilter
{
    private static readonly ConcurrentDictionary<(string Method, string Argument), int> Armed = new();
    private static readonly ConcurrentDictionary<(string Method, string GrainKey), int> ArmedByGrain = new();

    public static void Fail(string interfaceMethod, string firstArgument, int times) => Armed[(interfaceMethod, firstArgument)] = times;

    /// <summary>Fails the next <paramref name="times"/> calls of <paramref name="interfaceMethod"/> on the grain keyed <paramref name="grainKey"/>.</summary>
    public static void FailOnGrain(string interfaceMethod, string grainKey, int times) => ArmedByGrain[(interfaceMethod, grainKey)] = times;

    /// <summary>How many of the failures armed by <see cref="FailOnGrain"/> are still to come.</summary>
    public static int LeftOnGrain(string interfaceMethod, string grainKey) => ArmedByGrain.GetValueOrDefault((interfaceMethod, grainKey));

    public Task Invoke(IIncomingGrainCallContext context)
    {
        var method = $"{context.InterfaceMethod?.DeclaringType?.Name}.{context.InterfaceMethod?.Name}";
        var argument = context.Request.GetArgumentCount() > 0 ? context.Request.GetArgument(0)?.ToString() ?? string.Empty : string.Empty;
        if (TryTake(Armed, (method, argument)) || TryTake(ArmedByGrain, (method, context.TargetId.Key.ToString() ?? string.Empty)))
        {
            throw new InvalidOperationException($"injected failure of {method}({argument}) on {context.TargetId}");
        }

        return context.Invoke();
    }

    private static bool TryTake(ConcurrentDictionary<(string, string), int> armed, (string, string) key)
    {
        while (armed.TryGetValue(key, out var left) && left > 0)
        {
            if (armed.TryUpdate(key, left - 1, left))
            {
                return true;
            }
        }

        return false;
    }
}
