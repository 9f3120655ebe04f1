using System.Diagnostics;

namespace Concord.Simulation;

/// <summary>The scale mode: one seed, large, at WAN latency; the numbers to plan a deployment past one machine with.</summary>
internal static class ScaleRun
{
    public static int Report(SimulatorArguments options)
    {
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var watch = Stopwatch.StartNew();
        var simulation = new Simulation(options.SettingsFor(options.FirstSeed));
        var entities = simulation.Entities;
        Console.WriteLine($"scale: seed {options.FirstSeed}, {options.Regions} regions, {entities.Accounts.Count} accounts, {entities.Handles.Count} handles, {entities.Venues.Count} venues, {options.Ops} requests; {simulation.Plan}");
        var result = simulation.Run();
        var wall = watch.Elapsed;
        var memory = GC.GetTotalMemory(forceFullCollection: true) - before;
        var events = simulation.OriginEvents;
        var replicas = simulation.Regions.Values.Sum(r => r.Store.ListEntitiesAsync(null, int.MaxValue).AsTask().Result.Count);
        Console.WriteLine($"  {(result.Passed ? "passed" : "FAILED: " + result.Failure)}");
        Console.WriteLine($"  events appended by their origin   {events:N0}");
        Console.WriteLine($"  messages per event                {(double)simulation.Network.Sent / Math.Max(1, events):F2}");
        Console.WriteLine($"  events shipped per event          {(double)simulation.Network.EventsShipped / Math.Max(1, events):F2} (each event must reach {options.Regions - 1} peers)");
        Console.WriteLine($"  bytes per event (estimated)       {(double)simulation.Network.BytesShipped / Math.Max(1, events):F0}");
        Console.WriteLine($"  convergence after the heal        {simulation.ConvergenceMs} ms (virtual)");
        Console.WriteLine($"  memory per replica (log + state)  {memory / Math.Max(1, replicas):N0} bytes over {replicas:N0} replicas");
        Console.WriteLine($"  wall time                         {wall.TotalSeconds:F1} s ({events / Math.Max(0.001, wall.TotalSeconds):F0} events/s simulated)");
        return result.Passed ? 0 : 1;
    }
}
