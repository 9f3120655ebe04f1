namespace Concord.Grains.Ledger;

[GenerateSerializer, Alias("concord.ledger.processor-cursor")]
public sealed class ProcessorCursor
{
    /// <summary>Every transfer debit at or before this log position has been credited.</summary>
    [Id(0)]
    public long Position { get; set; }
}
