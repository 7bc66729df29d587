using Alerting.Core.Model;
using Alerting.Core.Tsdb;
using Alerting.Core.Tsdb.Chunks;
using FsCheck;
using FsCheck.Fluent;

namespace Alerting.Core.Tests.Tsdb;

public sealed class XorChunkTests
{
    [Fact]
    public void Crc32c_matches_the_castagnoli_check_value() =>
        Assert.Equal(0xE3069283u, Crc32C.Compute("123456789"u8));

    /// <summary>How far a timestamp moves: regular, jittered, huge and small steps reach every delta-of-delta bucket.</summary>
    private static readonly Gen<long> Step = Gen.OneOf(
        Gen.Constant(15_000L),
        Gen.Choose(-4000, 4000).Select(j => 15_000L + j),
        Gen.Constant(3_000_000_000L),
        Gen.Choose(1, 200_000).Select(d => (long)d));

    /// <summary>The special values XOR must keep exactly, repeats (a zero XOR) and values of any magnitude and sign.</summary>
    private static readonly Gen<double> Value = Gen.OneOf(
        Gen.Elements(Sample.StaleNaN, double.NaN, double.PositiveInfinity, double.NegativeInfinity, -0.0, 42.0),
        Gen.Zip(Gen.Choose(-1_000_000, 1_000_000), Gen.Choose(-300, 300), (m, e) => m / 1e6 * Math.Pow(10, e)));

    /// <summary>Up to a chunk's 120 samples from t = -5 s; a failing series shrinks by dropping samples.</summary>
    private static Arbitrary<(long Step, double Value)[]> Series() =>
        Arb.From(
            Gen.Choose(1, 120).SelectMany(n => Gen.ArrayOf(Gen.Zip(Step, Value, (t, v) => (t, v)), n)),
            s => s.Length > 1 ? s.Select((_, i) => s.Where((_, j) => j != i).ToArray()) : []);

    [Fact]
    public void Samples_come_back_bit_for_bit() =>
        Check.One(FsCheck.Config.QuickThrowOnFailure.WithMaxTest(300).WithQuietOnSuccess(true), Prop.ForAll(Series(), steps =>
        {
            var input = new List<(long T, double V)>();
            var t = -5_000L;
            foreach (var (step, v) in steps)
            {
                t += step;
                input.Add((t, v));
            }
            var a = new XorAppender();
            foreach (var (ts, v) in input)
            {
                a.Append(ts, v);
            }
            var decoded = XorChunk.Decode(a.ToArray());
            Assert.Equal(input.Select(s => (s.T, BitConverter.DoubleToInt64Bits(s.V))), decoded.Select(d => (d.TimestampMs, BitConverter.DoubleToInt64Bits(d.Value))));
        }));

    [Fact]
    public void The_stale_marker_survives_and_stays_distinct_from_an_ordinary_nan()
    {
        var a = new XorAppender();
        double[] values = [1, Sample.StaleNaN, double.NaN, 2];
        for (var i = 0; i < values.Length; i++)
        {
            a.Append(i * 15_000L, values[i]);
        }
        var decoded = XorChunk.Decode(a.ToArray());
        Assert.Equal([false, true, false, false], decoded.Select(d => d.IsStale));
        Assert.True(double.IsNaN(decoded[2].Value));
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
