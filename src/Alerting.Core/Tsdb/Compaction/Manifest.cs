using System.Text.Json;
using System.Text.Json.Serialization;

namespace Alerting.Core.Tsdb.Compaction;

/// <summary>
/// The store's one mutable document (written with an ETag, so concurrent compactors cannot both commit):
/// the blocks that make up the store, how far the tick log has been compacted, and blocks replaced or
/// expired that are deleted once no reader can still be using them. Ticks before
/// <see cref="CompactedThrough"/> are in blocks; readers take everything before it from blocks and
/// everything from it on from ticks, so a sample is never read twice nor missed.
/// </summary>
public sealed record Manifest
{
    public static readonly Manifest Empty = new();

    [JsonPropertyName("version")]
    public int Version { get; init; } = 1;

    /// <summary>End (exclusive) of the time compacted into blocks; 0 before the first compaction.</summary>
    [JsonPropertyName("compactedThrough")]
    public long CompactedThrough { get; init; }

    [JsonPropertyName("blocks")]
    public IReadOnlyList<ManifestBlock> Blocks { get; init; } = [];

    [JsonPropertyName("pendingDeletes")]
    public IReadOnlyList<PendingDelete> PendingDeletes { get; init; } = [];

    private static readonly JsonSerializerOptions Options = new() { WriteIndented = false };

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, Options);

    /// <summary>Parses the manifest; a malformed one raises <see cref="TsdbFormatException"/>.</summary>
    public static Manifest Parse(ReadOnlySpan<byte> json)
    {
        try
        {
            var m = JsonSerializer.Deserialize<Manifest>(json, Options) ?? throw new TsdbFormatException("manifest is null", 0);
            if (m.Blocks is null || m.PendingDeletes is null || m.Blocks.Any(b => b is null || b.Ulid is null || b.SegmentBytes is null))
            {
                throw new TsdbFormatException("manifest has missing fields", 0);
            }
            return m;
        }
        catch (JsonException e)
        {
            throw new TsdbFormatException($"manifest: {e.Message}", e.BytePositionInLine ?? 0);
        }
    }
}

/// <summary>A block in the manifest, with the sizes readers need for ranged reads without asking storage.</summary>
public sealed record ManifestBlock
{
    [JsonPropertyName("ulid")]
    public required string Ulid { get; init; }

    [JsonPropertyName("minTime")]
    public long MinTime { get; init; }

    [JsonPropertyName("maxTime")]
    public long MaxTime { get; init; }

    [JsonPropertyName("level")]
    public int Level { get; init; } = 1;

    [JsonPropertyName("numSamples")]
    public long NumSamples { get; init; }

    [JsonPropertyName("numSeries")]
    public long NumSeries { get; init; }

    [JsonPropertyName("indexBytes")]
    public long IndexBytes { get; init; }

    [JsonPropertyName("segmentBytes")]
    public IReadOnlyList<long> SegmentBytes { get; init; } = [];

    /// <summary>Set when the block was found damaged; it is no longer merged (readers report and skip it).</summary>
    [JsonPropertyName("damaged")]
    public string? Damaged { get; init; }

    [JsonIgnore]
    public long TotalBytes => IndexBytes + SegmentBytes.Sum();

    public static ManifestBlock From(WrittenBlock block) => new()
    {
        Ulid = block.Meta.Ulid,
        MinTime = block.Meta.MinTime,
        MaxTime = block.Meta.MaxTime,
        Level = block.Meta.Compaction.Level,
        NumSamples = block.Meta.Stats.NumSamples,
        NumSeries = block.Meta.Stats.NumSeries,
        IndexBytes = block.Index.LongLength,
        SegmentBytes = [.. block.Segments.Select(s => s.LongLength)],
    };
}

/// <summary>A block no longer in the store, deleted after <c>at</c> plus the grace period.</summary>
public sealed record PendingDelete(
    [property: JsonPropertyName("ulid")] string Ulid,
    [property: JsonPropertyName("at")] long At);
