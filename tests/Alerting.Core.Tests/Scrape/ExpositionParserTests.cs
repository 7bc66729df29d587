using System.Buffers;
using System.Text;
using Alerting.Core.Exposition;
using Alerting.Core.Model;

namespace Alerting.Core.Tests.Scrape;

public sealed class ExpositionParserTests
{
    private static string DataFile(string name) => Path.Combine(TestPaths.RepoRoot, "tests", "Alerting.Core.Tests", "Scrape", "Data", name);

    [Fact]
    public void Parses_every_sample_of_a_real_node_exporter_scrape()
    {
        var bytes = File.ReadAllBytes(DataFile("node-exporter.prom"));
        var result = ExpositionParser.Parse(bytes, "text/plain; version=0.0.4; charset=utf-8");

        var text = Encoding.UTF8.GetString(bytes);
        var sampleLines = text.Split('\n').Count(l => l.Length > 0 && !l.StartsWith('#'));
        var typeLines = text.Split('\n').Count(l => l.StartsWith("# TYPE ", StringComparison.Ordinal));
        Assert.Equal(ExpositionFormat.PrometheusText, result.Format);
        Assert.Equal(sampleLines, result.Samples.Count);
        Assert.Equal(typeLines, result.Metadata.Count);
        Assert.Equal(MetricType.Summary, result.Metadata["go_gc_duration_seconds"].Type);
        Assert.Equal("A summary of the pause duration of garbage collection cycles.", result.Metadata["go_gc_duration_seconds"].Help);
        var uname = Assert.Single(result.Samples, s => s.Labels.Name == "node_uname_info");
        Assert.Equal("fixture-host", uname.Labels["nodename"]);
        Assert.Equal("#1 SMP PREEMPT_DYNAMIC @0", uname.Labels["version"]);
        Assert.Equal(MetricType.Counter, result.MetadataFor("promhttp_metric_handler_requests_total")!.Type);
    }

    [Fact]
    public void Reads_prometheus_net_style_histogram_as_plain_suffixed_series()
    {
        const string body = """
            # HELP loka_stratum_request_duration_seconds Request latency.
            # TYPE loka_stratum_request_duration_seconds histogram
            loka_stratum_request_duration_seconds_bucket{method="mining.submit",le="0.1"} 50
            loka_stratum_request_duration_seconds_bucket{method="mining.submit",le="0.5"} 95
            loka_stratum_request_duration_seconds_bucket{method="mining.submit",le="+Inf"} 100
            loka_stratum_request_duration_seconds_sum{method="mining.submit"} 15.5
            loka_stratum_request_duration_seconds_count{method="mining.submit"} 100

            """;
        var result = ExpositionParser.Parse(body);

        Assert.Equal(5, result.Samples.Count);
        var inf = result.Samples[2];
        Assert.Equal("loka_stratum_request_duration_seconds_bucket", inf.Labels.Name);
        Assert.Equal("+Inf", inf.Labels["le"]);
        Assert.Equal(100, inf.Value);
        Assert.Equal(15.5, result.Samples[3].Value);
        Assert.Equal(MetricType.Histogram, result.MetadataFor("loka_stratum_request_duration_seconds_sum")!.Type);
    }

    [Fact]
    public void Unescapes_label_values_and_help_text()
    {
        const string body = "# HELP m A \\\\ help\\nwith newline\n" +
                            "m{path=\"C:\\\\dir\",quote=\"say \\\"hi\\\"\",multi=\"a\\nb\",other=\"\\t\"} 1\n";
        var result = ExpositionParser.Parse(body);
        var s = Assert.Single(result.Samples);
        Assert.Equal("C:\\dir", s.Labels["path"]);
        Assert.Equal("say \"hi\"", s.Labels["quote"]);
        Assert.Equal("a\nb", s.Labels["multi"]);
        Assert.Equal("\\t", s.Labels["other"]); // unknown escapes are kept verbatim, like Prometheus
        Assert.Equal("A \\ help\nwith newline", result.Metadata["m"].Help);
    }

    [Theory]
    [InlineData("NaN", double.NaN)]
    [InlineData("+Inf", double.PositiveInfinity)]
    [InlineData("-Inf", double.NegativeInfinity)]
    [InlineData("1.5e-3", 0.0015)]
    [InlineData("-0", 0.0)]
    [InlineData("12345678901234567890", 12345678901234567890.0)]
    public void Parses_special_and_exponent_values(string text, double expected)
    {
        var s = Assert.Single(ExpositionParser.Parse($"m {text}\n").Samples);
        Assert.Equal(expected, s.Value);
    }

    [Fact]
    public void Text_format_timestamps_are_milliseconds()
    {
        var s = Assert.Single(ExpositionParser.Parse("http_requests_total{code=\"200\"} 1027 1395066363000\n").Samples);
        Assert.Equal(1395066363000, s.TimestampMs);
        Assert.Null(Assert.Single(ExpositionParser.Parse("up 1\n").Samples).TimestampMs);
    }

    [Fact]
    public void Tolerates_missing_final_newline_crlf_blank_lines_and_free_comments()
    {
        var result = ExpositionParser.Parse("# just a comment\r\n\r\na 1\r\n  b{x=\"y\",} 2");
        Assert.Equal(2, result.Samples.Count);
        Assert.Equal("y", result.Samples[1].Labels["x"]);
    }

    [Fact]
    public void Open_metrics_timestamps_are_seconds_and_exemplars_are_dropped()
    {
        const string body = """
            # TYPE foo counter
            # UNIT foo_seconds seconds
            # HELP foo A counter.
            foo_total 17.0 1520879607.789 # {trace_id="KOO5S4vxi0o"} 0.67
            foo_created 1520430000.123
            # TYPE bar histogram
            bar_bucket{le="+Inf"} 3 # {trace_id="x"} 1 1520879607.7
            # EOF

            """;
        var result = ExpositionParser.Parse(Encoding.UTF8.GetBytes(body), "application/openmetrics-text; version=1.0.0; charset=utf-8");

        Assert.Equal(ExpositionFormat.OpenMetrics, result.Format);
        Assert.Equal(3, result.Samples.Count);
        Assert.Equal(1520879607789, result.Samples[0].TimestampMs);
        Assert.Equal(17.0, result.Samples[0].Value);
        Assert.Equal("foo_created", result.Samples[1].Labels.Name);
        Assert.DoesNotContain(result.Samples, s => s.Labels.Has("trace_id"));
        Assert.Equal("seconds", result.Metadata["foo_seconds"].Unit);
        Assert.Equal(MetricType.Counter, result.MetadataFor("foo_total")!.Type);
    }

    [Theory]
    [InlineData("a 1\n", "line 1: data does not end with # EOF")]
    [InlineData("a 1\n# EOF\nb 2\n", "line 3: unexpected data after # EOF")]
    [InlineData("a 1\n\n# EOF\n", "line 2: empty line not allowed in OpenMetrics")]
    [InlineData("# random comment\n# EOF\n", "line 1: invalid comment keyword \"random\"")]
    [InlineData("# TYPE a untyped\n# EOF\n", "line 1: invalid metric type \"untyped\"")]
    [InlineData("# UNIT a_bytes seconds\n# EOF\n", "line 1: unit \"seconds\" not a suffix of metric \"a_bytes\"")]
    public void Open_metrics_rules_are_enforced(string body, string message)
    {
        var ex = Assert.Throws<ExpositionParseException>(() => ExpositionParser.Parse(body, ExpositionFormat.OpenMetrics));
        Assert.Equal(message, ex.Message);
    }

    [Theory]
    [InlineData("ok 1\n2bad 1\n", 2, "invalid metric name")]
    [InlineData("ok 1\nm{a=\"1\" 2\n", 2, "expected ',' or '}'")]
    [InlineData("m{a=1} 2\n", 1, "expected '\"'")]
    [InlineData("m{a=\"x} 2\n", 1, "unterminated value")]
    [InlineData("m{1a=\"x\"} 2\n", 1, "invalid label name")]
    [InlineData("m abc\n", 1, "invalid value \"abc\"")]
    [InlineData("m\n", 1, "expected value")]
    [InlineData("m 1 12.5\n", 1, "invalid timestamp")]
    [InlineData("m 1 2 3\n", 1, "unexpected text after sample")]
    [InlineData("# TYPE m countr\nm 1\n", 1, "invalid metric type")]
    [InlineData("m{a=\"1\",a=\"2\"} 1\n", 1, "label name \"a\" is not unique")]
    [InlineData("a 1\nb 1\na 2\n", 3, "duplicate series a")]
    [InlineData("m{b=\"1\",a=\"2\"} 1\nm{a=\"2\",b=\"1\"} 1\n", 2, "duplicate series")]
    public void Malformed_lines_fail_the_whole_body_with_their_line_number(string body, int line, string reason)
    {
        var ex = Assert.Throws<ExpositionParseException>(() => ExpositionParser.Parse(body));
        Assert.Equal(line, ex.Line);
        Assert.Contains(reason, ex.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_utf8_is_rejected_with_its_line()
    {
        var bytes = new List<byte>(Encoding.UTF8.GetBytes("a 1\nm{x=\""));
        bytes.AddRange([0xC3, 0x28]);
        bytes.AddRange(Encoding.UTF8.GetBytes("\"} 1\n"));
        var ex = Assert.Throws<ExpositionParseException>(() => ExpositionParser.Parse(bytes.ToArray(), (string?)null));
        Assert.Equal(2, ex.Line);
        Assert.Equal("invalid UTF-8", ex.Reason);
    }

    [Fact]
    public void Byte_sequence_reader_and_string_inputs_give_identical_results()
    {
        var bytes = File.ReadAllBytes(DataFile("node-exporter.prom"));
        var fromSpan = ExpositionParser.Parse(bytes, ExpositionFormat.PrometheusText);

        // Split into three segments at arbitrary points to exercise the multi-segment path.
        var seq = Segments(bytes, 1000, 50_000);
        var fromSequence = ExpositionParser.Parse(seq, null);
        var fromReader = ExpositionParser.Parse(new StreamReader(new MemoryStream(bytes)), ExpositionFormat.PrometheusText);

        Assert.Equal(fromSpan.Samples.Select(Key), fromSequence.Samples.Select(Key));
        Assert.Equal(fromSpan.Samples.Select(Key), fromReader.Samples.Select(Key));
    }

    [Fact]
    public void Repeated_scrapes_share_label_name_strings()
    {
        var a = ExpositionParser.Parse("metric_one{some_label_name=\"v\"} 1\n").Samples[0].Labels;
        var b = ExpositionParser.Parse("metric_one{some_label_name=\"w\"} 1\n").Samples[0].Labels;
        Assert.Same(a.First(l => l.Name == "some_label_name").Name, b.First(l => l.Name == "some_label_name").Name);
        Assert.Same(a.Name, b.Name);
    }

    [Fact]
    public void Empty_label_values_mean_absent_labels()
    {
        var s = Assert.Single(ExpositionParser.Parse("node_os_info{build_id=\"\",id=\"debian\"} 1\n").Samples);
        Assert.False(s.Labels.Has("build_id"));
        Assert.Equal(Labels.From(("__name__", "node_os_info"), ("id", "debian")), s.Labels);
    }

    private static string Key(ScrapedSample s) => $"{s.Labels} {s.Value} {s.TimestampMs}";

    private static ReadOnlySequence<byte> Segments(byte[] data, params int[] cuts)
    {
        Segment? first = null;
        Segment? last = null;
        var start = 0;
        foreach (var cut in cuts.Append(data.Length))
        {
            var mem = new ReadOnlyMemory<byte>(data, start, cut - start);
            if (first is null)
            {
                first = last = new Segment(mem, 0);
            }
            else
            {
                last = last!.Append(mem);
            }
            start = cut;
        }
        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
