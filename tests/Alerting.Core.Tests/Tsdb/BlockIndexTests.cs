using Alerting.Core.Model;
using Alerting.Core.Tsdb;
using Alerting.Core.Tsdb.Index;
using static Alerting.Core.Tests.Tsdb.TsdbTestData;

namespace Alerting.Core.Tests.Tsdb;

public sealed class BlockIndexTests
{
    private static readonly WrittenBlock Block = Build();

    private static WrittenBlock Build()
    {
        var series = new List<BlockSeries>();
        foreach (var (name, instance, job, extra) in new[]
        {
            ("up", "a:1", "node", (string?)null),
            ("up", "b:1", "node", null),
            ("up", "c:1", "api", null),
            ("http_requests_total", "a:1", "api", "GET"),
            ("http_requests_total", "b:1", "api", "POST"),
            ("http_requests_total", "c:1", "api", null),
        })
        {
            var labels = extra is null ? L(name, ("instance", instance), ("job", job)) : L(name, ("instance", instance), ("job", job), ("method", extra));
            series.Add(new BlockSeries(labels, [Chunk((1000, 1), (2000, 2)), Chunk((3000, 3))]));
        }
        series.Sort((a, b) => Utf8Order.Instance.Compare(a.Labels, b.Labels));
        return BlockWriter.Write(series, 0, 7_200_000, 1);
    }

    private static string[] Instances(IEnumerable<Series> series) => series.Select(s => s.Labels.Name + "/" + s.Labels["instance"]).Order(StringComparer.Ordinal).ToArray();

    [Theory]
    [InlineData("job", MatcherType.Equal, "node", new[] { "up/a:1", "up/b:1" })]
    [InlineData("job", MatcherType.NotEqual, "node", new[] { "http_requests_total/a:1", "http_requests_total/b:1", "http_requests_total/c:1", "up/c:1" })]
    [InlineData("method", MatcherType.Equal, "", new[] { "http_requests_total/c:1", "up/a:1", "up/b:1", "up/c:1" })]
    [InlineData("method", MatcherType.NotEqual, "", new[] { "http_requests_total/a:1", "http_requests_total/b:1" })]
    [InlineData("method", MatcherType.Regex, "GET|", new[] { "http_requests_total/a:1", "http_requests_total/c:1", "up/a:1", "up/b:1", "up/c:1" })]
    [InlineData("instance", MatcherType.NotRegex, "[ab].*", new[] { "http_requests_total/c:1", "up/c:1" })]
    [InlineData("instance", MatcherType.Regex, "z.*", new string[0])]
    public void Matchers_select_series_as_prometheus_does_including_absent_labels(string name, MatcherType type, string value, string[] expected)
    {
        var reader = Open(Block);
        var got = reader.Select([new LabelMatcher(type, name, value)], 0, 10_000);
        Assert.Equal(expected, Instances(got));
    }

    [Fact]
    public void Selecting_a_time_range_decodes_only_what_overlaps_it()
    {
        var reader = Open(Block);
        var up = reader.Select([new LabelMatcher(MatcherType.Equal, "__name__", "up"), new LabelMatcher(MatcherType.Equal, "instance", "a:1")], 2000, 3500).Single();
        Assert.Equal([2000L, 3000L], up.Samples.Select(s => s.TimestampMs));
    }

    [Fact]
    public void Label_names_and_values_come_from_the_postings_table()
    {
        var index = Open(Block).Index;
        Assert.Equal(["__name__", "instance", "job", "method"], index.LabelNames());
        Assert.Equal(["api", "node"], index.LabelValues("job"));
    }

    [Fact]
    public void A_second_query_for_the_same_series_reads_nothing_new()
    {
        var indexFile = new ByteArrayRangeReader("index", Block.Index);
        var chunkFile = new ByteArrayRangeReader("chunks/000001", Block.Segments[0]);
        var reader = new BlockReader(Block.Meta, indexFile, [chunkFile]);
        var matchers = new[] { new LabelMatcher(MatcherType.Equal, "__name__", "up") };
        reader.Select(matchers, 0, 10_000);
        var (i, c) = (indexFile.Reads, chunkFile.Reads);
        reader.Select(matchers, 0, 10_000);
        Assert.Equal((i, c), (indexFile.Reads, chunkFile.Reads));
    }

    [Fact]
    public void A_flipped_byte_in_the_index_is_reported_with_its_offset()
    {
        var damaged = (byte[])Block.Index.Clone();
        // A byte inside the first series entry (the TOC says where the series section starts).
        var series = (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(damaged.AsSpan(damaged.Length - 52 + 8));
        var at = ((series + 15) / 16 * 16) + 4;
        damaged[at] ^= 0x5a;
        var reader = new BlockReader(Block.Meta, new ByteArrayRangeReader("blocks/x/index", damaged), [new ByteArrayRangeReader("c", Block.Segments[0])]);
        var e = Assert.Throws<TsdbFormatException>(() => reader.Select([new LabelMatcher(MatcherType.Regex, "__name__", ".+")], 0, 10_000));
        Assert.Contains("blocks/x/index", e.Message, StringComparison.Ordinal);
        Assert.InRange(e.Offset, 0, damaged.Length);
    }

    [Fact]
    public void A_damaged_chunk_is_reported_with_the_segment_and_offset()
    {
        var damaged = (byte[])Block.Segments[0].Clone();
        damaged[20] ^= 0xff;
        var reader = new BlockReader(Block.Meta, new ByteArrayRangeReader("index", Block.Index), [new ByteArrayRangeReader("blocks/x/chunks/000001", damaged)]);
        var e = Assert.Throws<TsdbFormatException>(() => reader.Select([new LabelMatcher(MatcherType.Regex, "__name__", ".+")], 0, 10_000));
        Assert.Contains("blocks/x/chunks/000001", e.Message, StringComparison.Ordinal);
    }
}
