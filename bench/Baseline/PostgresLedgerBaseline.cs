using Concord.Bench.Harness;
using Npgsql;

namespace Concord.Bench.Baseline;

/// <summary>
/// P0: what a team would write instead of Concord on PostgreSQL, a plain Npgsql ledger. Each deposit is one
/// transaction in one round trip (an entry inserted under a unique request id, the balance row updated), on its own
/// database on the server Concord's regions use, with the same callers.
/// </summary>
internal static class PostgresLedgerBaseline
{
    private const string Schema = """
        CREATE TABLE balances (account text PRIMARY KEY, balance bigint NOT NULL);
        CREATE TABLE entries (id bigserial PRIMARY KEY, account text NOT NULL REFERENCES balances, request_id text NOT NULL UNIQUE, amount bigint NOT NULL, at timestamptz NOT NULL DEFAULT now());
        """;

    private const double SteadyWithin = 0.10;

    /// <summary>
    /// Warms the server before anything on it is measured: P0 in runs, unmeasured, until two in a row agree within 10%
    /// (at least three, at most ten). A fresh server (WAL segments not yet created, cold caches) ran the first of two
    /// identical Concord passes at half the rate of the second; warmed, both Concord and P0 meet the same server.
    /// </summary>
    public static async Task WarmServerAsync(BenchContext context, string scenario, string server, string[] accounts, CancellationToken cancellationToken)
    {
        double? previous = null;
        for (var run = 1; run <= (context.Quick ? 1 : 10); run++)
        {
            var result = await RunAsync(context, server, accounts, cancellationToken);
            context.Progress(scenario, $"PostgreSQL warm-up {run} (P0, unmeasured): {result.Throughput:N0} deposits/s");
            if (run >= 3 && previous is { } last && Math.Abs(result.Throughput - last) <= SteadyWithin * Math.Max(last, result.Throughput))
            {
                return;
            }

            previous = result.Throughput;
        }
    }

    public static async Task<LoadResult> RunAsync(BenchContext context, string server, string[] accounts, CancellationToken cancellationToken)
    {
        var name = $"concord_bench_p0_{Guid.NewGuid():N}"[..40];
        await ExecuteAsync(server, $"CREATE DATABASE \"{name}\"", cancellationToken);
        try
        {
            var connection = new NpgsqlConnectionStringBuilder(server) { Database = name, MaxPoolSize = context.Callers + 5 }.ConnectionString;
            await using var database = NpgsqlDataSource.Create(connection);
            await using (var schema = database.CreateCommand(Schema))
            {
                await schema.ExecuteNonQueryAsync(cancellationToken);
            }

            await using (var open = database.CreateCommand("INSERT INTO balances SELECT unnest($1::text[]), 0"))
            {
                open.Parameters.Add(new NpgsqlParameter { Value = accounts });
                await open.ExecuteNonQueryAsync(cancellationToken);
            }

            var randoms = Enumerable.Range(0, context.Callers).Select(w => context.RandomFor($"p0/{w}")).ToArray();
            return await LoadDriver.RunClosedAsync(context.Callers, context.WarmUp, context.Measure, (w, n) => DepositAsync(database, accounts[randoms[w].Next(accounts.Length)], $"p0-{w}-{n}", cancellationToken), cancellationToken);
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await ExecuteAsync(server, $"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", CancellationToken.None);
        }
    }

    // Both statements in one batch: one round trip, one implicit transaction.
    private static async Task DepositAsync(NpgsqlDataSource database, string account, string requestId, CancellationToken cancellationToken)
    {
        await using var batch = database.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand("INSERT INTO entries (account, request_id, amount) VALUES ($1, $2, 1)") { Parameters = { new() { Value = account }, new() { Value = requestId } } });
        batch.BatchCommands.Add(new NpgsqlBatchCommand("UPDATE balances SET balance = balance + 1 WHERE account = $1") { Parameters = { new() { Value = account } } });
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task ExecuteAsync(string server, string sql, CancellationToken cancellationToken)
    {
        await using var admin = NpgsqlDataSource.Create(server);
        await using var command = admin.CreateCommand(sql);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
