using Alerting.Core.Model;
using Alerting.Core.Tsdb;
using Alerting.Core.Tsdb.Chunks;

namespace Alerting.Core.Tests.Tsdb;

public sealed class XorChunkTests
{
    [Fact]
    public void Crc32c_matches_the_castagnoli_check_value() =>
        Assert.Equal(0xE3069283u, Crc32C.Compute("123456789"u8));

    [Fact]
    public void Samples_come_back_bit_for_bit_including_the_stale_marker_and_ordinary_nan()
    {
        var rnd = new Random(7);
        var input = new List<(long, double)>();
        var t = -5_000L;
        for (var i = 0; i < 120; i++)
        {
            // Regular, jittered, huge and negative-going deltas exercise every delta-of-delta bucket.
            t += i switch { < 20 => 15_000, < 40 => 15_000 + rnd.Next(-4000, 4000), < 45 => 3_000_000_000L, _ => 1 + rnd.Next(0, 200_000) };
            var v = i switch
            {
                10 => Sample.StaleNaN,
                11 => double.NaN,
                12 => double.PositiveInfinity,
                13 => -0.0,
                < 30 => 42,
                _ => (rnd.NextDouble() - 0.5) * Math.Pow(10, rnd.Next(-300, 300)),
            };
            input.Add((t, v));
        }
        var a = new XorAppender();
        foreach (var (ts, v) in input)
        {
            a.Append(ts, v);
        }
        var decoded = XorChunk.Decode(a.ToArray());
        Assert.Equal(input.Count, decoded.Count);
        for (var i = 0; i < input.Count; i++)
        {
            Assert.Equal(input[i].Item1, decoded[i].TimestampMs);
            Assert.Equal(BitConverter.DoubleToInt64Bits(input[i].Item2), BitConverter.DoubleToInt64Bits(decoded[i].Value));
        }
        Assert.True(decoded[10].IsStale);
        Assert.False(decoded[11].IsStale);
    }

    [Fact]
    public void A_regular_counter_costs_about_a_byte_and_a_half_per_sample()
    {
        var a = new XorAppender();
        for (var i = 0; i < 120; i++)
        {
            a.Append(1_700_000_000_000 + (i * 15_000), 1000 + (i * 3));
        }
        Assert.InRange(a.ByteLength / 120.0, 0.5, 2.5);
    }

    [Fact]
    public void Decoding_a_range_returns_only_samples_inside_it()
    {
        var a = new XorAppender();
        for (var i = 0; i < 10; i++)
        {
            a.Append(i * 1000, i);
        }
        var into = new List<Sample>();
        XorChunk.Decode(a.ToArray(), 2000, 4000, into);
        Assert.Equal([2.0, 3.0, 4.0], into.Select(s => s.Value));
    }

    [Fact]
    public void A_truncated_chunk_reports_where_it_ends()
    {
        var a = new XorAppender();
        for (var i = 0; i < 50; i++)
        {
            a.Append(i * 1000, i * 1.5);
        }
        var bytes = a.ToArray();
        var e = Assert.Throws<ChunkFormatException>(() => XorChunk.Decode(bytes.AsSpan(0, bytes.Length / 2)));
        Assert.InRange(e.Offset, 2, bytes.Length);
    }
}
