using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Alerting.Core.Tsdb;

/// <summary>A block's <c>meta.json</c>, field for field as Prometheus writes it (tsdb/block.go BlockMeta).</summary>
public sealed record BlockMeta
{
    [JsonPropertyName("ulid")]
    public required string Ulid { get; init; }

    /// <summary>First millisecond covered (inclusive).</summary>
    [JsonPropertyName("minTime")]
    public long MinTime { get; init; }

    /// <summary>End of the range (exclusive), as in Prometheus.</summary>
    [JsonPropertyName("maxTime")]
    public long MaxTime { get; init; }

    [JsonPropertyName("stats")]
    public BlockStats Stats { get; init; } = new();

    [JsonPropertyName("compaction")]
    public BlockCompaction Compaction { get; init; } = new();

    /// <summary>Index format version (always 1 in Prometheus' meta.json, the index file itself says v2).</summary>
    [JsonPropertyName("version")]
    public int Version { get; init; } = 1;

    /// <summary>How many chunk segment files the block has (Prometheus lists the folder; blobs cannot be listed cheaply per read).</summary>
    [JsonPropertyName("segments")]
    public int Segments { get; init; } = 1;

    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingDefault };

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, Options);

    /// <summary>Parses meta.json; a malformed one raises <see cref="TsdbFormatException"/>.</summary>
    public static BlockMeta Parse(ReadOnlySpan<byte> json)
    {
        try
        {
            var meta = JsonSerializer.Deserialize<BlockMeta>(json, Options) ?? throw new TsdbFormatException("meta.json is null", 0);
            if (meta.MaxTime < meta.MinTime || meta.Ulid.Length != 26)
            {
                throw new TsdbFormatException("meta.json has an invalid ulid or time range", 0);
            }
            return meta;
        }
        catch (JsonException e)
        {
            throw new TsdbFormatException($"meta.json: {e.Message}", e.BytePositionInLine ?? 0);
        }
    }
}

public sealed record BlockStats
{
    [JsonPropertyName("numSamples")]
    public long NumSamples { get; init; }

    [JsonPropertyName("numSeries")]
    public long NumSeries { get; init; }

    [JsonPropertyName("numChunks")]
    public long NumChunks { get; init; }
}

public sealed record BlockCompaction
{
    [JsonPropertyName("level")]
    public int Level { get; init; } = 1;

    [JsonPropertyName("sources")]
    public IReadOnlyList<string> Sources { get; init; } = [];

    [JsonPropertyName("parents")]
    public IReadOnlyList<BlockDesc>? Parents { get; init; }
}

public sealed record BlockDesc(
    [property: JsonPropertyName("ulid")] string Ulid,
    [property: JsonPropertyName("minTime")] long MinTime,
    [property: JsonPropertyName("maxTime")] long MaxTime);

/// <summary>ULIDs (26 characters of Crockford base32: 48-bit millisecond time, 80 random bits), Prometheus' block ids.</summary>
public static class Ulid
{
    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    public static string New(long unixMs)
    {
        Span<byte> bytes = stackalloc byte[16];
        for (var i = 5; i >= 0; i--)
        {
            bytes[i] = (byte)unixMs;
            unixMs >>= 8;
        }
        RandomNumberGenerator.Fill(bytes[6..]);
        Span<char> chars = stackalloc char[26];
        // 128 bits as 26 base-32 digits, the first digit carrying the top 3 bits.
        var high = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes);
        var low = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]);
        var value = new UInt128(high, low);
        for (var i = 25; i >= 0; i--)
        {
            chars[i] = Alphabet[(int)(value & 31)];
            value >>= 5;
        }
        return new string(chars);
    }
}
