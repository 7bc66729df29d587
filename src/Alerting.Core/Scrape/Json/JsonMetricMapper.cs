using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Alerting.Core.Exposition;
using Alerting.Core.Model;

namespace Alerting.Core.Scrape.Json;

/// <summary>Turns a JSON metrics document into samples with a <see cref="JsonMapping"/>.</summary>
public static class JsonMetricMapper
{
    private static readonly Regex IsoTimestamp = new(
        @"\A\d{4}-\d{2}-\d{2}(?:[Tt ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)?(?:[Zz]|[+-]\d{2}(?::?\d{2})?)?\z",
        RegexOptions.CultureInvariant,
        TimeSpan.FromSeconds(1));

    /// <summary>
    /// Maps <paramref name="json"/>. Invalid JSON, or two paths producing the same series, fail the whole
    /// document with <see cref="ExpositionParseException"/>, like a malformed exposition.
    /// </summary>
    public static ScrapeResult Map(ReadOnlySpan<byte> json, JsonMapping mapping)
    {
        ArgumentNullException.ThrowIfNull(mapping);
        JsonDocument doc;
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            doc = JsonDocument.ParseValue(ref reader);
        }
        catch (JsonException ex)
        {
            throw new ExpositionParseException((int)(ex.LineNumber ?? 0) + 1, "invalid JSON: " + ex.Message);
        }
        using (doc)
        {
            var state = new MapState(mapping, DocumentLabels(doc.RootElement, mapping));
            state.Walk(doc.RootElement, []);
            return new ScrapeResult(ExpositionFormat.PrometheusText, state.Samples, state.Metadata);
        }
    }

    public static ScrapeResult Map(string json, JsonMapping mapping) => Map(System.Text.Encoding.UTF8.GetBytes(json), mapping);

    /// <summary>Reads <see cref="JsonMapping.LabelsFromPaths"/>; a missing or null path gives no label.</summary>
    private static List<Label> DocumentLabels(JsonElement root, JsonMapping mapping)
    {
        var labels = new List<Label>();
        foreach (var (name, path) in mapping.LabelsFromPaths)
        {
            var e = root;
            var found = true;
            foreach (var key in path.Split('.'))
            {
                if (e.ValueKind == JsonValueKind.Object && e.TryGetProperty(key, out var child))
                {
                    e = child;
                }
                else if (e.ValueKind == JsonValueKind.Array && int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index < e.GetArrayLength())
                {
                    e = e[index];
                }
                else
                {
                    found = false;
                    break;
                }
            }
            if (found && e.ValueKind is not (JsonValueKind.Null or JsonValueKind.Object or JsonValueKind.Array or JsonValueKind.Undefined))
            {
                labels.Add(new Label(name, e.ValueKind == JsonValueKind.String ? e.GetString()! : e.GetRawText()));
            }
        }
        return labels;
    }

    private sealed class MapState(JsonMapping mapping, List<Label> documentLabels)
    {
        private readonly HashSet<Labels> _seen = [];
        private readonly Dictionary<Labels, string> _sources = [];
        private readonly string[][] _rulePaths = mapping.Metrics.Select(r => r.Path.Split('.')).ToArray();
        private readonly string[][] _excludes = mapping.Exclude.Concat(mapping.LabelsFromPaths.Values).Select(p => p.Split('.')).ToArray();

        public List<ScrapedSample> Samples { get; } = [];

        public Dictionary<string, MetricMetadata> Metadata { get; } = new(StringComparer.Ordinal);

        public void Walk(JsonElement e, List<string> path)
        {
            switch (e.ValueKind)
            {
                case JsonValueKind.Object:
                    foreach (var p in e.EnumerateObject())
                    {
                        path.Add(p.Name);
                        Walk(p.Value, path);
                        path.RemoveAt(path.Count - 1);
                    }
                    break;
                case JsonValueKind.Array:
                    var i = 0;
                    foreach (var item in e.EnumerateArray())
                    {
                        path.Add("[" + i.ToString(CultureInfo.InvariantCulture) + "]");
                        Walk(item, path);
                        path.RemoveAt(path.Count - 1);
                        i++;
                    }
                    break;
                case JsonValueKind.Null:
                case JsonValueKind.Undefined:
                    break; // "or None" fields: no value, no series (absent, not zero)
                default:
                    Leaf(e, path);
                    break;
            }
        }

        private void Leaf(JsonElement e, List<string> path)
        {
            for (var r = 0; r < _rulePaths.Length; r++)
            {
                if (Match(_rulePaths[r], path, out var captures))
                {
                    Apply(mapping.Metrics[r], e, path, captures);
                    return;
                }
            }
            if (!mapping.MapAll || _excludes.Any(x => Match(x, path, out _)))
            {
                return;
            }
            var (name, indexLabels) = DefaultName(path, null);
            Emit(e, path, name, explicitName: false, JsonMetricKind.Auto, mapping.ValueMap, null, indexLabels, Labels.Empty, string.Empty);
        }

        private void Apply(JsonMetricRule rule, JsonElement e, List<string> path, List<string> captures)
        {
            var ruleSegments = rule.Path.Split('.');
            var (defaultName, indexLabels) = DefaultName(path, ruleSegments);
            var labels = new List<Label>(indexLabels);
            for (var i = 0; i < captures.Count; i++)
            {
                var labelName = i < rule.WildcardLabels.Count ? rule.WildcardLabels[i] : i == 0 ? "key" : "key" + (i + 1).ToString(CultureInfo.InvariantCulture);
                labels.Add(new Label(labelName, Unbracket(captures[i])));
            }
            var name = rule.Name is { Length: > 0 } n ? mapping.Prefix + n : defaultName;
            Emit(e, path, name, rule.Name is { Length: > 0 }, rule.Kind, rule.ValueMap ?? mapping.ValueMap, rule.Label, labels, rule.Labels, rule.Help);
        }

        private void Emit(JsonElement e, List<string> path, string name, bool explicitName, JsonMetricKind kind,
            IReadOnlyDictionary<string, double> valueMap, string? label, List<Label> extraLabels, Labels constLabels, string help)
        {
            double? value = null;
            string? text = null;
            switch (e.ValueKind)
            {
                case JsonValueKind.Number:
                    value = e.GetDouble();
                    break;
                case JsonValueKind.True:
                    value = 1;
                    break;
                case JsonValueKind.False:
                    value = 0;
                    break;
                case JsonValueKind.String:
                    text = e.GetString() ?? string.Empty;
                    break;
                default:
                    return;
            }

            if (kind is JsonMetricKind.Info or JsonMetricKind.Label)
            {
                var s = text ?? e.GetRawText();
                var metric = kind == JsonMetricKind.Info && !explicitName ? name + "_info" : name;
                Add(metric, 1, extraLabels.Append(new Label(label ?? "value", s)), constLabels, path, MetricType.Gauge, help);
                return;
            }
            if (text is not null)
            {
                if (kind != JsonMetricKind.Timestamp && valueMap.TryGetValue(text, out var mapped))
                {
                    value = mapped;
                }
                else if (kind != JsonMetricKind.Timestamp && ExpositionLineParser.ParseFloat(text.AsSpan().Trim()) is { } numeric)
                {
                    value = numeric; // numbers serialised as strings ("0.07") are still numbers
                }
                else if (kind != JsonMetricKind.Gauge && TryTimestamp(text, out var seconds))
                {
                    value = seconds;
                    if (!explicitName && !name.EndsWith("_timestamp", StringComparison.Ordinal))
                    {
                        name += "_timestamp";
                    }
                }
                else if (kind == JsonMetricKind.Auto && mapping.Strings == JsonStringMode.Info)
                {
                    Add(explicitName ? name : name + "_info", 1, extraLabels.Append(new Label(label ?? "value", text)), constLabels, path, MetricType.Info, help);
                    return;
                }
                else
                {
                    return;
                }
            }
            Add(name, value!.Value, extraLabels, constLabels, path, MetricType.Gauge, help);
        }

        private void Add(string name, double value, IEnumerable<Label> labels, Labels constLabels, List<string> path, MetricType type, string help)
        {
            var all = documentLabels.Concat(labels).Concat(constLabels).Append(new Label(Labels.MetricName, name)).ToList();
            var set = Labels.From(all);
            var source = string.Join('.', path);
            if (!_seen.Add(set))
            {
                throw new ExpositionParseException(0, $"paths \"{_sources[set]}\" and \"{source}\" both map to series {set}; exclude or rename one");
            }
            _sources[set] = source;
            Samples.Add(new ScrapedSample(set, value, null));
            if (!Metadata.ContainsKey(name))
            {
                Metadata[name] = new MetricMetadata(name, type == MetricType.Info ? MetricType.Gauge : type,
                    help.Length > 0 ? help : $"Mapped from JSON path {source}.", null);
            }
        }

        private bool TryTimestamp(string text, out double seconds)
        {
            seconds = 0;
            if (!IsoTimestamp.IsMatch(text) ||
                !DateTimeOffset.TryParse(text.Replace(',', '.'), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var dto))
            {
                return false;
            }
            var hasOffset = text.Length > 10 && (text.IndexOfAny(['Z', 'z', '+'], 10) >= 0 || text.IndexOf('-', 10) >= 0);
            if (!hasOffset)
            {
                dto = new DateTimeOffset(dto.UtcDateTime - mapping.AssumedOffset, TimeSpan.Zero);
            }
            seconds = (dto - DateTimeOffset.UnixEpoch).Ticks / (double)TimeSpan.TicksPerSecond;
            return true;
        }

        /// <summary>Prefix + non-index keys joined by '_' (sanitised); array positions become index labels.</summary>
        private (string Name, List<Label> IndexLabels) DefaultName(List<string> path, string[]? rule)
        {
            var parts = new List<string>();
            var indexLabels = new List<Label>();
            for (var i = 0; i < path.Count; i++)
            {
                var isWildcard = rule is not null && i < rule.Length && rule[i] == "*";
                if (path[i].StartsWith('['))
                {
                    if (!isWildcard)
                    {
                        var labelName = indexLabels.Count == 0 ? "index" : "index" + (indexLabels.Count + 1).ToString(CultureInfo.InvariantCulture);
                        indexLabels.Add(new Label(labelName, Unbracket(path[i])));
                    }
                    continue;
                }
                if (!isWildcard)
                {
                    parts.Add(path[i]);
                }
            }
            return (PromNames.SanitizeMetricName(mapping.Prefix + string.Join('_', parts)), indexLabels);
        }

        private static bool Match(string[] pattern, List<string> path, out List<string> captures)
        {
            captures = [];
            if (pattern.Length != path.Count)
            {
                return false;
            }
            for (var i = 0; i < pattern.Length; i++)
            {
                if (pattern[i] == "*")
                {
                    captures.Add(path[i]);
                    continue;
                }
                var segment = path[i];
                if (segment.StartsWith('[') ? pattern[i] != Unbracket(segment) && pattern[i] != segment : pattern[i] != segment)
                {
                    return false;
                }
            }
            return true;
        }

        private static string Unbracket(string s) => s.StartsWith('[') && s.EndsWith(']') ? s[1..^1] : s;
    }
}
