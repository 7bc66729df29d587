using Alerting.Core.Exposition;
using Alerting.Core.Model;

namespace Alerting.Core.Push;

/// <summary>One pushed metric family as the client sent it (labels without the grouping labels applied).</summary>
public sealed record PushedFamily(string Name, MetricType Type, string? Help, IReadOnlyList<PushedSample> Samples);

public readonly record struct PushedSample(Labels Labels, double Value)
{
    /// <summary>A native histogram pushed in the protobuf format (Value is then 0).</summary>
    public Model.Histograms.FloatHistogram? Histogram { get; init; }
}

/// <summary>
/// One push group: its metric families plus the last successful and failed change times, which become
/// <c>push_time_seconds</c> and <c>push_failure_time_seconds</c> (0 when never).
/// </summary>
public sealed record PushGroup(PushGroupingKey Key, IReadOnlyDictionary<string, PushedFamily> Families, long LastPushMs, long LastFailureMs);

/// <summary>
/// The Pushgateway's store as pure state: PUT replaces a group, POST replaces only the families named in
/// the body, DELETE removes a group. Checks are Pushgateway 1.5's, verified against the real binary:
/// timestamps, reserved label names, a family pushed with a type other groups disagree with, and two
/// series exposing identical labels all reject the push with 400 and stamp the group's failure time
/// (creating the group if needed); grouping labels silently override same-named body labels.
/// Not thread-safe: callers serialise per store (the function app does so per partition with ETags).
/// </summary>
public sealed class PushStore
{
    public const string PushTimeMetric = "push_time_seconds";
    public const string PushFailureTimeMetric = "push_failure_time_seconds";
    private const string InconsistentPrefix = "pushed metrics are invalid or inconsistent with existing metrics: ";

    private readonly Dictionary<Labels, PushGroup> _groups = [];
    private readonly TimeProvider _time;

    public PushStore(TimeProvider time, IEnumerable<PushGroup>? groups = null)
    {
        _time = time;
        foreach (var g in groups ?? [])
        {
            _groups[g.Key.Labels] = g;
        }
    }

    public IReadOnlyCollection<PushGroup> Groups => _groups.Values;

    public PushGroup? Get(PushGroupingKey key) => _groups.GetValueOrDefault(key.Labels);

    /// <summary>
    /// Parses a push body, the text format or, like the Pushgateway, delimited protobuf MetricFamily messages
    /// (native histograms kept); a syntax error is a 400 that, as in the Pushgateway, does not touch the group.
    /// </summary>
    public static ScrapeResult ParseBody(ReadOnlySpan<byte> body, string? contentType)
    {
        if (ProtobufExposition.IsProtobuf(contentType))
        {
            try
            {
                return ProtobufExposition.Parse(body, new ProtobufOptions(NativeHistograms: true), rejectDuplicates: false);
            }
            catch (ExpositionParseException ex)
            {
                throw new PushException(400, $"protobuf parsing error in metric family {ex.Line}: {ex.Reason}");
            }
        }
        // Like the Pushgateway, any other Content-Type (other protobuf messages included) is read as text.
        try
        {
            return ExpositionParser.Parse(body, ExpositionParser.DetectFormat(contentType), rejectDuplicates: false);
        }
        catch (ExpositionParseException ex)
        {
            throw new PushException(400, $"text format parsing error in line {ex.Line}: {ex.Reason}");
        }
    }

    /// <summary>HTTP PUT: the group's families become exactly the body's.</summary>
    public PushGroup Put(PushGroupingKey key, ScrapeResult body) => Apply(key, body, replaceAll: true);

    /// <summary>HTTP POST: families named in the body replace the group's same-named families; others stay.</summary>
    public PushGroup Post(PushGroupingKey key, ScrapeResult body) => Apply(key, body, replaceAll: false);

    /// <summary>HTTP DELETE: removes the group; deleting an unknown group is not an error (202 either way).</summary>
    public bool Delete(PushGroupingKey key) => _groups.Remove(key.Labels);

    /// <summary>
    /// Every series as a scrape of the Pushgateway's <c>/metrics</c> exposes it: body labels with the group's
    /// labels applied on top, plus the two push-time gauges per group (Unix seconds).
    /// </summary>
    public IReadOnlyList<ScrapedSample> Gather()
    {
        var result = new List<ScrapedSample>();
        foreach (var g in _groups.Values.OrderBy(g => g.Key.Labels.ToString(), StringComparer.Ordinal))
        {
            foreach (var f in g.Families.Values)
            {
                foreach (var s in f.Samples)
                {
                    result.Add(new ScrapedSample(Expose(s.Labels, g.Key), s.Value, null) { Histogram = s.Histogram });
                }
            }
            result.Add(new ScrapedSample(g.Key.Labels.With(Labels.MetricName, PushTimeMetric), g.LastPushMs / 1000.0, null));
            result.Add(new ScrapedSample(g.Key.Labels.With(Labels.MetricName, PushFailureTimeMetric), g.LastFailureMs / 1000.0, null));
        }
        return result;
    }

    /// <summary>
    /// The store as the Pushgateway's <c>/metrics</c> page renders it: one family per name across all
    /// groups, the push-time gauges with the Pushgateway's help text.
    /// </summary>
    public string ToExposition()
    {
        var families = new SortedDictionary<string, (MetricType Type, string? Help, List<ScrapedSample> Samples)>(StringComparer.Ordinal);
        foreach (var g in _groups.Values.OrderBy(g => g.Key.Labels.ToString(), StringComparer.Ordinal))
        {
            foreach (var f in g.Families.Values)
            {
                if (!families.TryGetValue(f.Name, out var entry))
                {
                    entry = (f.Type, f.Help, []);
                    families[f.Name] = entry;
                }
                else if (entry.Help is null && f.Help is not null)
                {
                    // A group that declared HELP supplies it for groups that did not, as on the Pushgateway page.
                    entry = entry with { Help = f.Help };
                    families[f.Name] = entry;
                }
                foreach (var s in f.Samples)
                {
                    var labels = Expose(s.Labels, g.Key);
                    if (s.Histogram is not { } h)
                    {
                        entry.Samples.Add(new ScrapedSample(labels, s.Value, null));
                        continue;
                    }
                    // The text format has no native buckets: like the Pushgateway's text page (Go's expfmt), a
                    // histogram without classic buckets shows as its +Inf bucket, sum and count.
                    entry.Samples.Add(new ScrapedSample(labels.With(Labels.MetricName, f.Name + "_bucket").With("le", "+Inf"), h.Count, null));
                    entry.Samples.Add(new ScrapedSample(labels.With(Labels.MetricName, f.Name + "_sum"), h.Sum, null));
                    entry.Samples.Add(new ScrapedSample(labels.With(Labels.MetricName, f.Name + "_count"), h.Count, null));
                }
            }
        }
        var pushTimes = new List<ScrapedSample>();
        var failureTimes = new List<ScrapedSample>();
        foreach (var s in Gather())
        {
            if (s.Labels.Name == PushTimeMetric)
            {
                pushTimes.Add(s);
            }
            else if (s.Labels.Name == PushFailureTimeMetric)
            {
                failureTimes.Add(s);
            }
        }
        var writable = families.Select(kv => new WritableFamily(kv.Key, kv.Value.Type, kv.Value.Help, kv.Value.Samples)).ToList();
        writable.Add(new WritableFamily(PushTimeMetric, MetricType.Gauge, "Last Unix time when changing this group in the Pushgateway succeeded.", pushTimes));
        writable.Add(new WritableFamily(PushFailureTimeMetric, MetricType.Gauge, "Last Unix time when changing this group in the Pushgateway failed.", failureTimes));
        return ExpositionWriter.Write(writable);
    }

    private static Labels Expose(Labels sample, PushGroupingKey key)
    {
        var merged = sample.ToDictionary();
        foreach (var l in key.Labels)
        {
            merged[l.Name] = l.Value;
        }
        return Labels.From(merged);
    }

    private PushGroup Apply(PushGroupingKey key, ScrapeResult body, bool replaceAll)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(body);
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        _groups.TryGetValue(key.Labels, out var existing);
        try
        {
            var pushed = ToFamilies(body);
            var families = replaceAll || existing is null
                ? new Dictionary<string, PushedFamily>(StringComparer.Ordinal)
                : new Dictionary<string, PushedFamily>(existing.Families, StringComparer.Ordinal);
            foreach (var f in pushed)
            {
                families[f.Name] = f;
            }
            CheckConsistency(key, families);
            var updated = new PushGroup(key, families, now, existing?.LastFailureMs ?? 0);
            _groups[key.Labels] = updated;
            return updated;
        }
        catch (PushException)
        {
            var failed = existing is null
                ? new PushGroup(key, new Dictionary<string, PushedFamily>(StringComparer.Ordinal), 0, now)
                : existing with { LastFailureMs = now };
            _groups[key.Labels] = failed;
            throw;
        }
    }

    private static List<PushedFamily> ToFamilies(ScrapeResult body)
    {
        var byName = new Dictionary<string, (MetricMetadata? Meta, List<PushedSample> Samples)>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var s in body.Samples)
        {
            if (s.TimestampMs is not null)
            {
                throw new PushException(400, InconsistentPrefix + "pushed metrics must not have timestamps");
            }
            var name = s.Labels.Name!;
            foreach (var l in s.Labels)
            {
                if (l.Name != Labels.MetricName && l.Name.StartsWith(PromNames.ReservedPrefix, StringComparison.Ordinal))
                {
                    throw new PushException(400, InconsistentPrefix + $"collected metric \"{name}\" has a label with an invalid name: {l.Name}");
                }
            }
            var meta = FamilyOf(name, body);
            var family = meta?.Family ?? name;
            if (family is PushTimeMetric or PushFailureTimeMetric)
            {
                continue; // the Pushgateway owns these; a pushed copy is accepted and discarded
            }
            if (!byName.TryGetValue(family, out var entry))
            {
                entry = (meta, []);
                byName[family] = entry;
                order.Add(family);
            }
            entry.Samples.Add(new PushedSample(s.Labels, s.Value) { Histogram = s.Histogram });
        }
        return order.Select(n => new PushedFamily(n, byName[n].Meta?.Type ?? MetricType.Untyped, byName[n].Meta?.Help, byName[n].Samples)).ToList();
    }

    /// <summary>The declared family a sample belongs to: its own name, or a histogram/summary family it suffixes.</summary>
    private static MetricMetadata? FamilyOf(string name, ScrapeResult body)
    {
        if (body.Metadata.TryGetValue(name, out var own))
        {
            return own;
        }
        var meta = body.MetadataFor(name);
        if (meta is null)
        {
            return null;
        }
        var suffix = name[meta.Family.Length..];
        var fits = meta.Type switch
        {
            MetricType.Histogram or MetricType.GaugeHistogram => suffix is "_bucket" or "_sum" or "_count" or "_created" or "_gsum" or "_gcount",
            MetricType.Summary => suffix is "_sum" or "_count" or "_created",
            MetricType.Counter => suffix is "_total" or "_created",
            MetricType.Info => suffix is "_info",
            _ => false,
        };
        return fits ? meta : null;
    }

    private void CheckConsistency(PushGroupingKey key, Dictionary<string, PushedFamily> candidate)
    {
        var seen = new HashSet<Labels>();
        foreach (var f in candidate.Values)
        {
            foreach (var s in f.Samples)
            {
                if (!seen.Add(Expose(s.Labels, key)))
                {
                    throw new PushException(400, InconsistentPrefix +
                        $"collected metric \"{f.Name}\" {Expose(s.Labels, key)} was collected before with the same name and label values");
                }
            }
        }
        foreach (var (groupLabels, group) in _groups)
        {
            if (groupLabels == key.Labels)
            {
                continue;
            }
            foreach (var f in candidate.Values)
            {
                if (group.Families.TryGetValue(f.Name, out var other) && other.Type != f.Type)
                {
                    throw new PushException(400, InconsistentPrefix +
                        $"metric family \"{f.Name}\" pushed as {TypeName(f.Type)} but is {TypeName(other.Type)} in group {group.Key}");
                }
            }
            foreach (var other in group.Families.Values)
            {
                foreach (var s in other.Samples)
                {
                    var exposed = Expose(s.Labels, group.Key);
                    if (seen.Contains(exposed))
                    {
                        throw new PushException(400, InconsistentPrefix +
                            $"collected metric \"{other.Name}\" {exposed} was collected before with the same name and label values");
                    }
                }
            }
        }
    }

    private static string TypeName(MetricType t) => t.ToString().ToUpperInvariant();
}
