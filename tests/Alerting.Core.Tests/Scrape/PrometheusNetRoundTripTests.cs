using System.Globalization;
using System.Text;
using Alerting.Core.Exposition;
using Alerting.Core.Model;
using Alerting.Core.Tests.Properties;
using FsCheck;
using FsCheck.Fluent;
using Prometheus;
using ExpositionFormat = Alerting.Core.Exposition.ExpositionFormat;

namespace Alerting.Core.Tests.Scrape;

/// <summary>
/// Property test: whatever a real client library (prometheus-net) writes, in the Prometheus text format and in
/// OpenMetrics, our parser reads back as exactly the samples that were set: names with their
/// <c>_bucket</c>/<c>_sum</c>/<c>_count</c> suffixes, escaped label values, and every special value.
/// </summary>
public sealed class PrometheusNetRoundTripTests
{
    private const int Cases = 200;

    // Characters that exercise escaping (quote, backslash, newline), the other bytes a value may hold raw
    // (tab, '}', ',', '=', '#', spaces) and multi-byte UTF-8 including a surrogate pair.
    private static readonly string[] ValueAlphabet =
        ["a", "Z", "0", "_", " ", "\"", "\\", "\n", "\t", "}", "{", ",", "=", "#", "ü", "ß", "日本", "😀", "\\n", "\\\"", "é"];

    private static readonly double[] SpecialValues =
        [double.NaN, double.PositiveInfinity, double.NegativeInfinity, double.Epsilon, -double.Epsilon, double.MaxValue, double.MinValue,
         1e-300, -1e-300, 1e300, 0.1, 1.0 / 3, 0, 1, -1, 123456789012345678, 2.2250738585072014e-308];

    public static TheoryData<ExpositionFormat> Formats => new() { ExpositionFormat.PrometheusText, ExpositionFormat.OpenMetrics };

    /// <summary>Enough choices for seven families of four children with long names and values.</summary>
    private const int ChoicesPerCase = 2000;

    [Theory]
    [MemberData(nameof(Formats))]
    public void Every_sample_prometheus_net_writes_is_parsed_back_exactly(ExpositionFormat format) =>
        // FsCheck draws the registries from a fixed seed and shrinks a failing one to fewer, simpler families.
        Check.One(Choices.Runs(Cases, 20261124), Prop.ForAll(Choices.Arbitrary(ChoicesPerCase), raw =>
        {
            var expected = new List<(Labels Labels, double Value)>();
            var bytes = Export(Build(new Choices(raw), expected), format);
            ScrapeResult parsed;
            try
            {
                parsed = ExpositionParser.Parse(bytes, format);
            }
            catch (ExpositionParseException e)
            {
                Assert.Fail($"{format}: {e.Message}\n{Encoding.UTF8.GetString(bytes)}");
                return;
            }
            Compare(format, expected, parsed, bytes);
        }));

    // prometheus-net only writes asynchronously; its target here is a memory stream, so nothing blocks for long.
    private static byte[] Export(CollectorRegistry registry, ExpositionFormat format)
    {
        using var stream = new MemoryStream();
        registry.CollectAndExportAsTextAsync(stream, format == ExpositionFormat.OpenMetrics ? Prometheus.ExpositionFormat.OpenMetricsText : Prometheus.ExpositionFormat.PrometheusText)
            .GetAwaiter().GetResult();
        return stream.ToArray();
    }

    private static void Compare(ExpositionFormat format, List<(Labels Labels, double Value)> expected, ScrapeResult parsed, byte[] bytes)
    {
        var actual = new Dictionary<Labels, double>();
        foreach (var sample in parsed.Samples)
        {
            actual[Normalize(sample.Labels)] = sample.Value;
        }
        var problems = new List<string>();
        foreach (var (labels, value) in expected)
        {
            if (!actual.Remove(Normalize(labels), out var got))
            {
                problems.Add($"missing {labels}");
            }
            else if (!SameValue(value, got))
            {
                problems.Add($"{labels}: expected {value:R}, parsed {got:R}");
            }
        }
        problems.AddRange(actual.Keys.Select(l => $"unexpected {l}"));
        if (problems.Count > 0)
        {
            Assert.Fail($"{format}:\n{string.Join("\n", problems.Take(20))}\n--- exposition ---\n{Encoding.UTF8.GetString(bytes)}");
        }
    }

    // le and quantile are numbers written as text, and the two formats spell them differently ("1" vs "1.0"),
    // so they are compared by value, as Prometheus does when it matches buckets.
    private static Labels Normalize(Labels labels) =>
        Labels.From(labels.Select(l => l.Name is "le" or "quantile"
            ? new Label(l.Name, double.Parse(l.Value == "+Inf" ? "Infinity" : l.Value, CultureInfo.InvariantCulture).ToString("R", CultureInfo.InvariantCulture))
            : l));

    private static bool SameValue(double expected, double actual) =>
        double.IsNaN(expected) ? double.IsNaN(actual) : BitConverter.DoubleToInt64Bits(expected) == BitConverter.DoubleToInt64Bits(actual) || (expected == 0 && actual == 0);

    private static CollectorRegistry Build(Choices rng, List<(Labels, double)> expected)
    {
        var registry = Metrics.NewCustomRegistry();
        var factory = Metrics.WithCustomRegistry(registry);
        var families = rng.Next(1, 8);
        for (var f = 0; f < families; f++)
        {
            // A unique prefix per family keeps one family's suffixed series from colliding with another's name.
            // prometheus-net refuses the colon Prometheus allows in metric names (it is reserved for recording rules).
            var name = $"m{f}_{Name(rng, "abcxyzABC019_")}";
            var labelNames = Enumerable.Range(0, rng.Next(0, 4)).Select(i => $"l{i}_{Name(rng, "abcXYZ09_")}").ToArray();
            var children = labelNames.Length == 0 ? 1 : rng.Next(1, 5);
            // Distinct label values per child: two children with the same values would be one series.
            var labelSets = Enumerable.Range(0, children)
                .Select(c => labelNames.Select((_, i) => i == 0 ? $"{c}{LabelValue(rng)}" : LabelValue(rng)).ToArray())
                .ToArray();
            switch (rng.Next(4))
            {
                case 0:
                    AddCounter(rng, factory, rng.Next(2) == 0 ? name + "_total" : name, labelNames, labelSets, expected);
                    break;
                case 1:
                    AddGauge(rng, factory, name, labelNames, labelSets, expected);
                    break;
                case 2:
                    AddHistogram(rng, factory, name, labelNames, labelSets, expected);
                    break;
                default:
                    AddSummary(rng, factory, name, labelNames, labelSets, expected);
                    break;
            }
        }
        return registry;
    }

    private static void AddCounter(Choices rng, IMetricFactory factory, string name, string[] labelNames, string[][] labelSets, List<(Labels, double)> expected)
    {
        var counter = factory.CreateCounter(name, "a counter", new CounterConfiguration { LabelNames = labelNames });
        foreach (var values in labelSets)
        {
            // Counters only go up, from 0: a non-negative value (infinite included) reached in one step.
            var v = Math.Abs(Value(rng));
            if (double.IsNaN(v))
            {
                v = 0;
            }
            Child(counter, values).Inc(v);
            expected.Add((SeriesLabels(name, labelNames, values), 0 + v));
        }
    }

    private static void AddGauge(Choices rng, IMetricFactory factory, string name, string[] labelNames, string[][] labelSets, List<(Labels, double)> expected)
    {
        var gauge = factory.CreateGauge(name, "a gauge", new GaugeConfiguration { LabelNames = labelNames });
        foreach (var values in labelSets)
        {
            var v = Value(rng);
            Child(gauge, values).Set(v);
            expected.Add((SeriesLabels(name, labelNames, values), v));
        }
    }

    private static void AddHistogram(Choices rng, IMetricFactory factory, string name, string[] labelNames, string[][] labelSets, List<(Labels, double)> expected)
    {
        var buckets = Enumerable.Range(0, rng.Next(1, 6)).Select(_ => Finite(rng)).Distinct().Order().ToArray();
        var histogram = factory.CreateHistogram(name, "a histogram", new HistogramConfiguration { LabelNames = labelNames, Buckets = buckets });
        foreach (var values in labelSets)
        {
            var observations = Enumerable.Range(0, rng.Next(0, 6)).Select(_ => Finite(rng)).ToArray();
            var child = Child(histogram, values);
            var sum = 0.0;
            foreach (var o in observations)
            {
                child.Observe(o);
                sum += o;
            }
            foreach (var le in buckets.Append(double.PositiveInfinity))
            {
                var leText = double.IsPositiveInfinity(le) ? "+Inf" : le.ToString("R", CultureInfo.InvariantCulture);
                expected.Add((SeriesLabels(name + "_bucket", labelNames, values, ("le", leText)), observations.Count(o => o <= le)));
            }
            expected.Add((SeriesLabels(name + "_sum", labelNames, values), sum));
            expected.Add((SeriesLabels(name + "_count", labelNames, values), observations.Length));
        }
    }

    private static void AddSummary(Choices rng, IMetricFactory factory, string name, string[] labelNames, string[][] labelSets, List<(Labels, double)> expected)
    {
        var quantiles = new[] { 0.5, 0.9, 0.99 }.Where(_ => rng.Next(2) == 0).ToArray();
        var summary = factory.CreateSummary(name, "a summary", new SummaryConfiguration
        {
            LabelNames = labelNames,
            Objectives = quantiles.Select(q => new QuantileEpsilonPair(q, 0.01)).ToArray(),
        });
        foreach (var values in labelSets)
        {
            // Repeating one observation makes every quantile exactly that value, whatever the estimator does.
            var count = rng.Next(0, 4);
            var v = Finite(rng);
            var child = Child(summary, values);
            var sum = 0.0;
            for (var i = 0; i < count; i++)
            {
                child.Observe(v);
                sum += v;
            }
            foreach (var q in quantiles)
            {
                expected.Add((SeriesLabels(name, labelNames, values, ("quantile", q.ToString("R", CultureInfo.InvariantCulture))), count == 0 ? double.NaN : v));
            }
            expected.Add((SeriesLabels(name + "_sum", labelNames, values), sum));
            expected.Add((SeriesLabels(name + "_count", labelNames, values), count));
        }
    }

    private static TChild Child<TChild>(Collector<TChild> collector, string[] values)
        where TChild : ChildBase =>
        values.Length == 0 ? collector.WithLabels() : collector.WithLabels(values);

    private static Labels SeriesLabels(string name, string[] labelNames, string[] values, params (string Name, string Value)[] extra) =>
        Labels.From(labelNames.Zip(values).Select(x => (x.First, x.Second)).Concat(extra).Append((Labels.MetricName, name)).ToArray());

    private static string Name(Choices rng, string alphabet) =>
        new(Enumerable.Range(0, rng.Next(1, 12)).Select(_ => alphabet[rng.Next(alphabet.Length)]).ToArray());

    private static string LabelValue(Choices rng) =>
        string.Concat(Enumerable.Range(0, rng.Next(1, 10)).Select(_ => ValueAlphabet[rng.Next(ValueAlphabet.Length)]));

    private static double Value(Choices rng) => rng.Next(3) switch
    {
        0 => SpecialValues[rng.Next(SpecialValues.Length)],
        1 => (rng.NextDouble() - 0.5) * Math.Pow(10, rng.Next(-30, 30)),
        _ => Finite(rng),
    };

    // Any finite double, from its bit pattern: every exponent, subnormals and long mantissas included.
    private static double Finite(Choices rng)
    {
        while (true)
        {
            var d = BitConverter.Int64BitsToDouble(rng.NextInt64());
            if (double.IsFinite(d))
            {
                return d;
            }
        }
    }
}
