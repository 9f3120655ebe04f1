using Concord.Grains.Entities;
using Concord.Grains.Interfaces.Entities;
using Concord.Grains.Interfaces.Events;

// A team's own entity type, deliberately outside Concord's namespaces: the credential check must cover it too.
namespace Inventory;

public sealed record Restocked(int Units);

[GenerateSerializer, Immutable]
public sealed record Restock([property: Id(0)] int Units);

[GenerateSerializer, Immutable]
public sealed record Stock([property: Id(0)] int Units);

public sealed class StockType : ReplicatedEntityType<Stock>
{
    public override string Name => "stock";

    public override Stock Initial => new(0);

    public override void RegisterPayloads(PayloadTypes payloads) => payloads.Add<Restocked>("stock.restocked");

    public override ConsistencyMode ModeOf(object command) => ConsistencyMode.Optimistic;

    public override object? Decide(Stock state, object command, CommandContext context) => new Restocked(((Restock)command).Units);

    public override Stock Apply(Stock state, object payload, EventContext context) => payload is Restocked r ? new(state.Units + r.Units) : state;
}

public interface IStockGrain : IGrainWithStringKey
{
    Task<EntityReceipt> RestockAsync(string requestId, int units);

    [RequiresRole(ClientRole.Reader)]
    Task<Stock> GetAsync();
}

public sealed class StockGrain : ReplicatedEntityGrain<Stock>, IStockGrain
{
    public Task<EntityReceipt> RestockAsync(string requestId, int units) => ExecuteAsync(requestId, new Restock(units));

    public Task<Stock> GetAsync() => Task.FromResult(State);
}
