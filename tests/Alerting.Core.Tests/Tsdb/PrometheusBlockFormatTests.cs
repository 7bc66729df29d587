using System.Globalization;
using Alerting.Core.Model;
using Alerting.Core.Tests.Rules;
using Alerting.Core.Tsdb;
using static Alerting.Core.Tests.Tsdb.TsdbTestData;

namespace Alerting.Core.Tests.Tsdb;

/// <summary>Our blocks are Prometheus blocks: Debian's promtool (2.42) reads them back sample for sample.</summary>
public sealed class PrometheusBlockFormatTests
{
    [PromtoolFact]
    public void Promtool_dumps_every_sample_of_a_block_we_wrote_including_stale_markers()
    {
        using var dir = new TempDir();
        var start = 1_700_000_000_000L / 7_200_000 * 7_200_000;
        var series = new List<BlockSeries>();
        var expected = new List<string>();
        for (var m = 0; m < 3; m++)
        {
            var labels = L("node_cpu_seconds_total", ("instance", $"vm-{m}"), ("job", "node"), ("mode", "idle"));
            var samples = new List<(long, double)>();
            for (var i = 0; i < 300; i++)
            {
                var t = start + (i * 15_000) + (i % 7 == 0 ? 3 : 0);
                var v = i == 299 && m == 1 ? Sample.StaleNaN : (m * 1000.5) + (i * 0.25);
                samples.Add((t, v));
            }
            var chunks = samples.Chunk(120).Select(c => Chunk(c)).ToArray();
            series.Add(new BlockSeries(labels, chunks));
        }
        series.Sort((a, b) => Alerting.Core.Tsdb.Index.Utf8Order.Instance.Compare(a.Labels, b.Labels));
        var block = BlockWriter.Write(series, start, start + 7_200_000, 1);
        WriteToDisk(block, dir.Path);

        var (exit, stdout, stderr) = Promtool.Run(dir.Path, "tsdb", "dump", dir.Path);
        Assert.True(exit == 0, stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(900, lines.Length);
        Assert.Contains(lines, l => l.StartsWith("{__name__=\"node_cpu_seconds_total\", instance=\"vm-1\"", StringComparison.Ordinal) && l.Contains(" NaN ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("instance=\"vm-2\"", StringComparison.Ordinal) && l.EndsWith(" 2001.25 " + (start + 15_000).ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal));

        var (aexit, aout, aerr) = Promtool.Run(dir.Path, "tsdb", "analyze", dir.Path, block.Meta.Ulid);
        Assert.True(aexit == 0, aerr + aout);
        Assert.True(aout.Contains("Series: 3\nLabel names: 4\nPostings (unique label pairs): 6", StringComparison.Ordinal), aout);
    }
}
