using System.Security.Cryptography;
using System.Text;
using Concord.Grains.Diagnostics;
using Concord.Grains.Interfaces.Entities;
using Concord.Grains.Interfaces.Errors;

namespace Concord.Simulation;

/// <summary>How large one run is.</summary>
internal sealed record SimulationSettings(int Seed, int Regions, int Entities, int Ops, bool KeepTrace, bool Scale = false, bool LossyRestarts = false);

/// <summary>The result of one seed: pass or the first failed check, with what the run did.</summary>
internal sealed record SimulationResult(int Seed, string? Failure, string Summary, string TraceDigest, IReadOnlyList<string> Trace)
{
    public bool Passed => Failure is null;
}

/// <summary>
/// One seeded run of the replication core for N regions: a workload of concurrent clients with retries, a network
/// that loses, duplicates, reorders and corrupts below any authentication, cuts, crashes and clock jumps; then heal,
/// quiescence and the checks of <see cref="QuiescenceChecks"/>. Everything is driven from one event queue in
/// virtual time and one <see cref="DeterministicScheduler"/>, so a seed always runs and prints the same.
/// </summary>
internal sealed class Simulation
{
    public const long FaultPhaseMs = 3_000;
    private const long HealAtMs = FaultPhaseMs + 1_000;
    private const long ConvergeDeadlineMs = 60_000;
    private const int MaxAttempts = 200;
    private static readonly string[] RegionNames = ["eu", "us", "ap", "sa", "af", "me", "oc", "ca", "in", "jp", "kr", "br", "za", "de", "fr", "uk"];
    private readonly PriorityQueue<Action, (long At, long Order)> _queue = new();
    private readonly List<string> _trace = [];
    private readonly IncrementalHash _traceHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly SimulationSettings _settings;
    private readonly Random _random;
    private readonly List<ClientOp> _ops = [];
    private long _order;
    private bool _healed;
    private string? _fatal;

    public Simulation(SimulationSettings settings)
    {
        if (settings.Regions is < 2 or > 16 || settings.Entities < 2 || settings.Ops < 0)
        {
            throw new ArgumentException("A simulation needs 2 to 16 regions, at least 2 entities and no negative number of operations.", nameof(settings));
        }

        _settings = settings;
        _random = new Random(settings.Seed);
        Plan = settings.Scale ? FaultPlan.Wan : FaultPlan.Draw(_random, settings.LossyRestarts);
        Network = new SimulatedNetwork(_random, Plan);
        var names = RegionNames.Take(settings.Regions).Order(StringComparer.Ordinal).ToArray();
        var metrics = new ConcordMetrics(new SimulationMeters());
        Types = new SimulatedTypes(handlesPrimary: names[0]);
        Regions = names.ToDictionary(n => n, n => new SimulatedRegion(this, n, names, metrics, settings.Scale ? new Grains.Hosting.ConcordOptions().ReplicationBatchSize : 32), StringComparer.Ordinal);
        Entities = SimulatedEntities.For(settings.Entities);
    }

    public VirtualClock Clock { get; } = new();

    public DeterministicScheduler Scheduler { get; } = new();

    public SimulatedTypes Types { get; }

    public FaultPlan Plan { get; }

    public SimulatedNetwork Network { get; }

    public IReadOnlyDictionary<string, SimulatedRegion> Regions { get; }

    public SimulatedEntities Entities { get; }

    public IReadOnlyList<ClientOp> Ops => _ops;

    public long ConvergedAtMs { get; private set; }

    /// <summary>(entity, request id) of events lost with a failover before any peer held them: acknowledged or not, they may be gone.</summary>
    public HashSet<(string EntityId, string RequestId)> LostWithFailover { get; } = [];

    /// <summary>How long after the heal every region held everything.</summary>
    public long ConvergenceMs => ConvergedAtMs - HealAtMs;

    /// <summary>Events appended by their origin region (each counted once, however many regions hold it).</summary>
    public long OriginEvents => Regions.Values.Sum(r => r.Store.GetFeedHeadAsync(r.Name).AsTask().Result);

    public void After(long delayMs, Action action) => _queue.Enqueue(action, (Clock.NowMs + Math.Max(0, delayMs), _order++));

    public void Send(Message message)
    {
        foreach (var (delay, delivered) in Network.Send(message))
        {
            After(delay, () => Regions[delivered.To].Receive(delivered));
        }
    }

    public void Trace(string line)
    {
        var stamped = $"{Clock.NowMs,6} {line}";
        _traceHash.AppendData(Encoding.UTF8.GetBytes(stamped + "\n"));
        if (_settings.KeepTrace || _trace.Count < 400)
        {
            _trace.Add(stamped);
        }
        else
        {
            // Keep the tail: a failure's cause is near its end.
            _trace.RemoveAt(200);
            _trace.Add(stamped);
        }
    }

    public SimulationResult Run()
    {
        Trace($"seed {_settings.Seed}: {Regions.Count} regions, {Entities.Accounts.Count} accounts, {Entities.Handles.Count} handles (primary {Types.HandlesPrimary}), {Entities.Venues.Count} venues, {_ops.Count} ops; {Plan}");
        string? failure;
        try
        {
            PlanFaults();
            PlanWorkload();
            Every(10, r => r.Tick());
            Every(250, r => r.AntiEntropy());
            After(HealAtMs, Heal);
            failure = RunToQuiescence() ?? QuiescenceChecks.Run(this);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            failure = $"the core threw {ex.GetType().Name}: {ex.Message}";
        }

        if (failure is not null)
        {
            Trace($"FAILED: {failure}");
        }

        var acked = _ops.Count(o => o.Outcome == Outcome.Acknowledged);
        var refused = _ops.Count(o => o.Outcome == Outcome.Refused);
        var unknown = _ops.Count(o => o.Outcome == Outcome.Unknown);
        var lostAcked = _ops.Count(o => o.Outcome == Outcome.Acknowledged && LostWithFailover.Contains((o.EntityId, o.RequestId)));
        var summary = $"{acked} acknowledged ({lostAcked} of them lost with a failover before any peer held them), {refused} refused, {unknown} refused after a lost answer; {Network.Sent} messages, {Network.EventsShipped} events shipped; converged {ConvergenceMs} ms after heal";
        Trace(summary);
        return new SimulationResult(_settings.Seed, failure, summary, Convert.ToHexString(_traceHash.GetHashAndReset())[..16].ToLowerInvariant(), _trace);
    }

    private void Every(long periodMs, Action<SimulatedRegion> action)
    {
        void Loop()
        {
            foreach (var region in Regions.Values)
            {
                action(region);
            }

            After(periodMs, Loop);
        }

        After(periodMs, Loop);
    }

    private void PlanFaults()
    {
        var names = Regions.Keys.ToArray();
        foreach (var region in Regions.Values)
        {
            region.Time.SkewMs = Plan.MaxSkewMs == 0 ? 0 : _random.Next(-Plan.MaxSkewMs, Plan.MaxSkewMs + 1);
        }

        if (_settings.Scale)
        {
            // One region cut off from every other from 1 s to 2.5 s: what it wrote meanwhile reaches them after the cut.
            var isolated = names[0];
            After(1_000, () =>
            {
                Trace($"cut {isolated} off");
                foreach (var other in names.Where(n => n != isolated))
                {
                    Network.Cut(isolated, other);
                    Network.Cut(other, isolated);
                }
            });
            After(2_500, () =>
            {
                Trace($"heal {isolated}");
                Network.HealAll();
            });
        }

        for (var i = 0; i < Plan.Partitions; i++)
        {
            var a = names[_random.Next(names.Length)];
            var b = names[(Array.IndexOf(names, a) + 1 + _random.Next(names.Length - 1)) % names.Length];
            var oneWay = _random.Next(2) == 0;
            var at = _random.NextInt64(FaultPhaseMs);
            var length = 200 + _random.NextInt64(1_500);
            After(at, () =>
            {
                Trace(oneWay ? $"cut {a}->{b}" : $"cut {a}<->{b}");
                Network.Cut(a, b);
                if (!oneWay)
                {
                    Network.Cut(b, a);
                }
            });
            After(at + length, () =>
            {
                Trace($"heal {a}-{b}");
                Network.Heal(a, b);
                Network.Heal(b, a);
            });
        }

        for (var i = 0; i < Plan.Crashes; i++)
        {
            var region = Regions[names[_random.Next(names.Length)]];
            var at = _random.NextInt64(FaultPhaseMs);
            var length = 100 + _random.NextInt64(1_200);
            After(at, () =>
            {
                if (region.IsUp)
                {
                    Trace($"crash {region.Name}");
                    region.Crash();
                    After(length, () => Restart(region));
                }
            });
        }

        for (var i = 0; i < Plan.LossyRestarts; i++)
        {
            var region = Regions[names[_random.Next(names.Length)]];
            var at = 500 + _random.NextInt64(2_000);
            var lost = 1 + _random.Next(20);
            After(at, () =>
            {
                if (region.IsUp)
                {
                    Trace($"crash {region.Name}; it comes back without its last {lost} commit(s)");
                    region.Crash();
                    After(300, () => Spawn(() => region.RestartFromLossAsync(lost)));
                }
            });
        }

        for (var i = 0; i < Plan.ClockJumps; i++)
        {
            var region = Regions[names[_random.Next(names.Length)]];
            var jump = _random.Next(-3_000, 3_001);
            After(_random.NextInt64(FaultPhaseMs), () =>
            {
                Trace($"clock of {region.Name} jumps {jump:+#;-#;0} ms");
                region.Time.SkewMs += jump;
            });
        }
    }

    /// <summary>Starts simulator work whose failure is the run's failure (a fire-and-forget task would lose it).</summary>
    private void Spawn(Func<Task> work) =>
        _ = Scheduler.Start(work).ContinueWith(
            t => _fatal ??= $"simulator work failed: {t.Exception!.GetBaseException()}",
            CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted,
            Scheduler);

    private void Restart(SimulatedRegion region)
    {
        if (!region.IsUp)
        {
            Trace($"restart {region.Name}");
            Spawn(region.RestartAsync);
        }
    }

    private void PlanWorkload()
    {
        var names = Regions.Keys.ToArray();
        foreach (var venue in Entities.Venues)
        {
            // Opened early, so that most of the venue's requests find it open (those before it are refused).
            var open = ClientOp.Open(_random, _ops.Count, names[_random.Next(names.Length)], venue);
            _ops.Add(open);
            After(_random.NextInt64(300), () => Attempt(open, open.FirstRegion));
        }

        for (var i = 0; i < _settings.Ops; i++)
        {
            var op = ClientOp.Draw(_random, _ops.Count, names[_random.Next(names.Length)], Entities, _ops);
            _ops.Add(op);
            After(_random.NextInt64(FaultPhaseMs), () => Attempt(op, op.FirstRegion));
        }
    }

    private void Heal()
    {
        Trace("heal everything");
        _healed = true;
        Network.HealAll();
        foreach (var region in Regions.Values)
        {
            Restart(region);
            Spawn(region.CatchUpDerivedAsync);
        }
    }

    private void Attempt(ClientOp op, string regionName)
    {
        op.Attempts++;
        var region = Regions[regionName];
        if (!region.IsUp)
        {
            Ambiguous(op, $"{regionName} is down");
            return;
        }

        var epoch = region.Epoch;
        var attempt = Scheduler.Start(() => region.ExecuteAsync(op));
        _ = attempt.ContinueWith(t => Answered(op, region, epoch, t), CancellationToken.None, TaskContinuationOptions.None, Scheduler);
    }

    private void Answered(ClientOp op, SimulatedRegion region, int epoch, Task task)
    {
        if (region.Epoch != epoch)
        {
            Ambiguous(op, $"{region.Name} crashed before answering");
            return;
        }

        var error = task.Exception?.GetBaseException();
        var refusal = error switch
        {
            null => null,
            SimulatedRefusalException remote => remote.Refusal,
            _ => error.GetType().Name,
        };
        switch (refusal)
        {
            case null:
                op.Outcome = Outcome.Acknowledged;
                op.ChangedNothing = task is Task<EntityReceipt> { Result.Events.IsEmpty: true };
                Trace($"{region.Name} ok {op}{(op.ChangedNothing ? " (changed nothing)" : string.Empty)}");
                break;
            case nameof(InsufficientFundsException) or nameof(AccountFrozenException) or nameof(InvalidRequestException) or nameof(HandleTakenException) or nameof(CommandRejectedException):
                op.Outcome = op.WasAmbiguous ? Outcome.Unknown : Outcome.Refused;
                Trace($"{region.Name} refused {op}: {refusal}");
                break;
            case nameof(CoordinationUnavailableException) or nameof(InsufficientShareException) or nameof(StorageUnavailableException):
                // A coordination timeout may hide a decision at home; a short share or a store that refused the write changed nothing.
                Ambiguous(op, $"{region.Name} answered {refusal}", lost: refusal == nameof(CoordinationUnavailableException));
                break;
            default:
                // Not an answer any client is promised: the run fails with it (a throw here would be lost in a continuation).
                _fatal ??= $"{op} failed in {region.Name} with {error}";
                break;
        }
    }

    /// <summary>No definitive answer: retried later with the same request id, in a region chosen at random.</summary>
    private void Ambiguous(ClientOp op, string why, bool lost = true)
    {
        op.WasAmbiguous |= lost;
        if (op.Attempts >= MaxAttempts)
        {
            _fatal ??= $"{op} got no answer in {MaxAttempts} attempts (last: {why})";
            return;
        }

        Trace($"retry {op}: {why}");
        var names = Regions.Keys.ToArray();
        var next = names[_random.Next(names.Length)];
        After(50 + _random.Next(250), () => Attempt(op, next));
    }

    /// <summary>Runs the event queue until, after heal, every client has its answer and every region is quiescent with equal versions.</summary>
    private string? RunToQuiescence()
    {
        var nextCheck = HealAtMs;
        while (_queue.TryDequeue(out var action, out var at))
        {
            Clock.NowMs = at.At;
            action();
            Scheduler.RunUntilIdle();
            if (_fatal is not null)
            {
                return _fatal;
            }

            if (!_healed || Clock.NowMs < nextCheck)
            {
                continue;
            }

            nextCheck = Clock.NowMs + 100;
            if (IsQuiescent())
            {
                ConvergedAtMs = Clock.NowMs;
                return null;
            }

            if (Clock.NowMs > HealAtMs + ConvergeDeadlineMs)
            {
                var why = Regions.Values.Select(r => (r.Name, Why: Scheduler.Start(r.WhyNotQuiescentAsync))).ToArray();
                Scheduler.RunUntilIdle();
                return $"no quiescence {ConvergeDeadlineMs} ms after heal: {string.Join(", ", why.Select(w => $"{w.Name} ({w.Why.Result})"))}; {_ops.Count(o => o.Outcome == Outcome.Pending)} client(s) without an answer{QuiescenceChecks.ForkOf(this)}";
            }
        }

        return "the event queue ran dry before quiescence";
    }

    private bool IsQuiescent()
    {
        if (_ops.Any(o => o.Outcome == Outcome.Pending) || Regions.Values.Any(r => !r.IsUp))
        {
            return false;
        }

        var quiet = Regions.Values.Select(r => Scheduler.Start(r.IsQuiescentAsync)).ToArray();
        Scheduler.RunUntilIdle();
        if (!quiet.All(q => q.Result))
        {
            return false;
        }

        var digests = Regions.Values.Select(r => Scheduler.Start(async () => await r.Store.GetDigestAsync())).ToArray();
        Scheduler.RunUntilIdle();
        return digests.All(d => d.Result.Buckets.SequenceEqual(digests[0].Result.Buckets));
    }
}
