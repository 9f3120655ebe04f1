using System.Net;
using Concord.Client.Sdk;
using Concord.Grains.Interfaces.Errors;
using Concord.Samples.Venues;
using Microsoft.Extensions.DependencyInjection;

// Usage: dotnet run --project samples/Venues.Client -- [--region eu|us|ap] COMMAND VENUE [ARG]
//   open VENUE SEATS | hold VENUE GUEST | book VENUE GUEST | release VENUE HOLD-ID | show VENUE
// Talks to the local three regions of `dotnet run --project Silo -- --entities venues` (gateways 30000-30002).
var gateways = new Dictionary<string, int>(StringComparer.Ordinal) { ["eu"] = 30000, ["us"] = 30001, ["ap"] = 30002 };
var region = "eu";
var rest = new List<string>();
for (var i = 0; i < args.Length; i++)
{
    if (args[i] == "--region" && i + 1 < args.Length)
    {
        region = args[++i];
    }
    else
    {
        rest.Add(args[i]);
    }
}

if (!gateways.ContainsKey(region) || rest.Count < 2 || (rest[0] != "show" && rest.Count < 3))
{
    Console.Error.WriteLine("usage: [--region eu|us|ap] open VENUE SEATS | hold VENUE GUEST | book VENUE GUEST | release VENUE HOLD-ID | show VENUE");
    return 2;
}

// The Concord SDK through DI, as an application would: it connects, presents credentials and fails over.
var services = new ServiceCollection()
    .AddConcordClient(options =>
    {
        options.Region = region;
        options.Gateways = [new IPEndPoint(IPAddress.Loopback, gateways[region])];
    })
    .BuildServiceProvider();
await using var _ = services;
var concord = services.GetRequiredService<IConcordClient>();
using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));

// Every attempt of a call, retried or failed over, carries the one request id made here.
Task<T> Venue<T>(Func<IVenueGrain, CancellationToken, Task<T>> call) => concord.CallAsync(rest[1], call, deadline.Token);
var requestId = ConcordClient.NewRequestId();
try
{
    var receipt = rest[0] switch
    {
        "open" => await Venue((venue, ct) => venue.OpenAsync(requestId, int.Parse(rest[2], System.Globalization.CultureInfo.InvariantCulture), ct)),
        "hold" => await Venue((venue, ct) => venue.HoldAsync(requestId, rest[2], ct)),
        "book" => await Venue((venue, ct) => venue.BookAsync(requestId, rest[2], ct)),
        "release" => await Venue((venue, ct) => venue.ReleaseAsync(requestId, rest[2], ct)),
        _ => null,
    };
    if (receipt is not null)
    {
        Console.WriteLine($"{rest[0]} {rest[1]}: request {requestId}, event {string.Join(", ", receipt.Events)} decided in {receipt.Events.FirstOrDefault()?.Origin ?? receipt.AnsweredBy}");
    }

    var view = await Venue((venue, ct) => venue.GetAsync(ct));
    Console.WriteLine($"{view.Venue} in {view.Region} (home {view.Home}): {view.Capacity} seats, booked [{string.Join(", ", view.Booked)}], " +
        $"held [{string.Join(", ", view.ActiveHolds.Select(h => $"{h}@{view.HeldIn[h]}"))}], bumped [{string.Join(", ", view.BumpedHolds)}], " +
        $"attendees [{string.Join(", ", view.Attendees)}], version {view.Version}");
    return 0;
}
catch (ConcordException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 1;
}
