using Concord.Grains.Interfaces.Entities.Crdts;

namespace Concord.Grains.Entities;

/// <summary>
/// An entity type whose strict commands spend a quantity that must never go below zero (a balance, a stock level),
/// held in its state as a <see cref="BoundedCounter"/>. A strict command that this region's escrow share covers is
/// decided here, without asking home, with the same safety; one it does not cover goes home as any strict command
/// does, and the replica asks its peers for share in the background (see <c>docs/semantics.md</c>, "Escrow").
/// The type's fold must apply <see cref="EscrowShareGiven"/> with <see cref="BoundedCounter.Transfer"/>, and its
/// <see cref="ReplicatedEntityType{TState}.RegisterPayloads"/> must call <see cref="PayloadTypes.AddEscrowHandOver"/>;
/// its strict decisions must check <see cref="BoundedCounter.CanSpend"/> for <see cref="CommandContext.Region"/>.
/// </summary>
public interface IEscrowedEntityType<TState>
    where TState : class
{
    /// <summary>The entity's escrow counter in <paramref name="state"/>.</summary>
    BoundedCounter EscrowOf(TState state);

    /// <summary>What a strict command takes from the counter; 0 when it takes nothing and is decided at home only.</summary>
    long EscrowSpendOf(object command);
}
