using Concord.Grains.Hosting;
using Concord.Grains.Replication;
using Concord.Grains.Storage;
using Concord.Storage.Postgres;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;

namespace Orleans.Hosting;

/// <summary>Puts a Concord region on PostgreSQL. See <c>docs/operations.md</c>.</summary>
public static class ConcordPostgresSiloBuilderExtensions
{
    /// <summary>The ADO.NET invariant under which Orleans finds Npgsql.</summary>
    public const string Invariant = "Npgsql";

    /// <summary>
    /// Keeps the region's event log and signed checkpoints, and Orleans' membership (several silos per region),
    /// grain state (snapshots, cursors, transactional holds and handle ownership) and reminders, in one PostgreSQL
    /// database. The silo refuses to start unless the database holds this library's schema: create or upgrade it
    /// first with <see cref="PostgresSchema.MigrateAsync"/> (the silo's <c>migrate</c> command). Call before
    /// <c>AddConcord</c>; calling it again changes nothing.
    /// </summary>
    /// <exception cref="Concord.Grains.Interfaces.Errors.ConcordConfigurationException">The options cannot work; the message names the problem.</exception>
    public static ISiloBuilder AddConcordPostgres(this ISiloBuilder builder, Action<ConcordPostgresOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        var options = new ConcordPostgresOptions();
        configure(options);

        // Orleans' providers take the connection string now, so a bad one is refused now rather than at start.
        ConcordPostgresOptionsValidator.Validate(options);
        if (builder.Services.Any(d => d.ImplementationType == typeof(ConcordPostgresOptionsValidator)))
        {
            return builder;
        }

        var connectionString = options.ConnectionString!;
        builder.Services.Configure(configure);
        builder.Services.AddSingleton<IConfigurationValidator, ConcordPostgresOptionsValidator>();
        builder.Services.TryAddSingleton(_ => NpgsqlDataSource.Create(connectionString));
        // Replaced, not tried: AddConcord's in-memory defaults must never win because it was called first.
        builder.Services.Replace(ServiceDescriptor.Singleton<IEventLogStore, PostgresEventLogStore>());
        builder.Services.Replace(ServiceDescriptor.Singleton<ICheckpointArchive, PostgresCheckpointArchive>());
        builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, PostgresSchemaCheck>();
        if (options.UseForClustering)
        {
            builder.UseAdoNetClustering(clustering =>
            {
                clustering.Invariant = Invariant;
                clustering.ConnectionString = connectionString;
            });
        }
        foreach (var name in new[] { ConcordStorage.Name, ConcordStorage.Transactions })
        {
            builder.AddAdoNetGrainStorage(name, storage =>
            {
                storage.Invariant = Invariant;
                storage.ConnectionString = connectionString;
            });
        }

        builder.UseAdoNetReminderService(reminders =>
        {
            reminders.Invariant = Invariant;
            reminders.ConnectionString = connectionString;
        });
        return builder;
    }
}
