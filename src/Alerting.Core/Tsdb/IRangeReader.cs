namespace Alerting.Core.Tsdb;

/// <summary>
/// Random access to one immutable file of a block (a blob in Azure, an array in tests). Reads are
/// synchronous because PromQL's <see cref="Model.ISeriesSource"/> is; callers cache what they read.
/// </summary>
public interface IRangeReader
{
    /// <summary>Name shown in error reports (the blob name).</summary>
    string Name { get; }

    long Length { get; }

    /// <summary>Reads <paramref name="length"/> bytes from <paramref name="offset"/> (fewer only at the end).</summary>
    byte[] Read(long offset, int length);
}

/// <summary>A file held in memory.</summary>
public sealed class ByteArrayRangeReader(string name, byte[] data) : IRangeReader
{
    public string Name { get; } = name;

    public long Length => data.LongLength;

    public int Reads { get; private set; }

    public byte[] Read(long offset, int length)
    {
        Reads++;
        if (offset < 0 || offset > data.Length)
        {
            return [];
        }
        var n = (int)Math.Min(length, data.Length - offset);
        return data.AsSpan((int)offset, n).ToArray();
    }
}
