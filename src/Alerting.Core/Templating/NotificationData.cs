using System.Collections;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Alerting.Core.Model;

namespace Alerting.Core.Templating;

/// <summary>One name/value pair of a <see cref="KV"/>, as Alertmanager's template.Pair.</summary>
[GoTypeName("template.Pair")]
public readonly record struct Pair(string Name, string Value);

/// <summary>Alertmanager's template.Pairs: a list with <c>.Names</c> and <c>.Values</c>.</summary>
[GoTypeName("template.Pairs")]
public sealed class Pairs(IReadOnlyList<Pair> pairs) : IReadOnlyList<Pair>, IGoStringer
{
    public int Count => pairs.Count;

    public Pair this[int index] => pairs[index];

    public IReadOnlyList<string> Names() => pairs.Select(p => p.Name).ToList();

    public IReadOnlyList<string> Values() => pairs.Select(p => p.Value).ToList();

    public string GoString() => string.Join(", ", pairs.Select(p => p.Name + "=" + p.Value));

    public IEnumerator<Pair> GetEnumerator() => pairs.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>
/// Alertmanager's template.KV (a map of strings) with its template methods <c>.SortedPairs</c>, <c>.Names</c>,
/// <c>.Values</c> and <c>.Remove</c>. Sorted order puts <c>alertname</c> first, then names in byte order.
/// </summary>
[GoTypeName("template.KV")]
public sealed class KV : IReadOnlyDictionary<string, string>, IGoStringer
{
    public static readonly KV Empty = new(new Dictionary<string, string>(StringComparer.Ordinal));

    private readonly Dictionary<string, string> _map;

    public KV(IEnumerable<KeyValuePair<string, string>> pairs) =>
        _map = new Dictionary<string, string>(pairs, StringComparer.Ordinal);

    public static KV From(Labels labels) => new(labels.Select(l => new KeyValuePair<string, string>(l.Name, l.Value)));

    public Pairs SortedPairs()
    {
        var keys = _map.Keys.Where(k => k != "alertname").OrderBy(k => k, StringComparer.Ordinal).ToList();
        if (_map.ContainsKey("alertname"))
        {
            keys.Insert(0, "alertname");
        }
        return new Pairs(keys.Select(k => new Pair(k, _map[k])).ToList());
    }

    public KV Remove(IEnumerable<string> keys)
    {
        var drop = new HashSet<string>(keys, StringComparer.Ordinal);
        return new KV(_map.Where(kv => !drop.Contains(kv.Key)));
    }

    public IReadOnlyList<string> Names() => SortedPairs().Names();

    public IReadOnlyList<string> Values() => SortedPairs().Values();

    public string GoString() => SortedPairs().GoString();

    int IReadOnlyCollection<KeyValuePair<string, string>>.Count => _map.Count;

    string IReadOnlyDictionary<string, string>.this[string key] => _map[key];

    IEnumerable<string> IReadOnlyDictionary<string, string>.Keys => _map.Keys;

    IEnumerable<string> IReadOnlyDictionary<string, string>.Values => _map.Values;

    bool IReadOnlyDictionary<string, string>.ContainsKey(string key) => _map.ContainsKey(key);

    bool IReadOnlyDictionary<string, string>.TryGetValue(string key, out string value) => _map.TryGetValue(key, out value!);

    IEnumerator<KeyValuePair<string, string>> IEnumerable<KeyValuePair<string, string>>.GetEnumerator() => _map.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => _map.GetEnumerator();
}

/// <summary>Alertmanager's template.Alert: one alert as templates and the webhook see it.</summary>
[GoTypeName("template.Alert")]
public sealed record TemplateAlert(
    string Status,
    KV Labels,
    KV Annotations,
    DateTimeOffset StartsAt,
    DateTimeOffset EndsAt,
    string GeneratorURL,
    string Fingerprint);

/// <summary>Alertmanager's template.Alerts with <c>.Firing</c> and <c>.Resolved</c>.</summary>
[GoTypeName("template.Alerts")]
public sealed class AlertList(IReadOnlyList<TemplateAlert> alerts) : IReadOnlyList<TemplateAlert>
{
    public int Count => alerts.Count;

    public TemplateAlert this[int index] => alerts[index];

    public IReadOnlyList<TemplateAlert> Firing() => alerts.Where(a => a.Status == "firing").ToList();

    public IReadOnlyList<TemplateAlert> Resolved() => alerts.Where(a => a.Status == "resolved").ToList();

    public IEnumerator<TemplateAlert> GetEnumerator() => alerts.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>
/// Alertmanager's notification data (template.Data), which is also the body of the webhook (v4) message.
/// Template-visible members carry Alertmanager's Go names; <see cref="GroupKey"/> and
/// <see cref="TruncatedAlerts"/> belong to the webhook message only, so templates cannot see them.
/// </summary>
[GoTypeName("*template.Data")]
[JsonConverter(typeof(NotificationDataJsonConverter))]
public sealed class NotificationData
{
    public required string Receiver { get; init; }
    public required string Status { get; init; }
    public required AlertList Alerts { get; init; }
    public required KV GroupLabels { get; init; }
    public required KV CommonLabels { get; init; }
    public required KV CommonAnnotations { get; init; }
    public required string ExternalURL { get; init; }

    [TemplateIgnore]
    public string GroupKey { get; init; } = "";

    [TemplateIgnore]
    public ulong TruncatedAlerts { get; init; }

    /// <summary>
    /// Alertmanager's <c>Template.Data</c>: per-alert status at <paramref name="now"/>, group status firing if any
    /// alert fires, common labels/annotations those equal on every alert, and the receiver name regexp-quoted
    /// (Alertmanager applies <c>regexp.QuoteMeta</c>).
    /// </summary>
    public static NotificationData Create(string receiver, Labels groupLabels, IReadOnlyList<Alert> alerts, DateTimeOffset now, string externalUrl, string groupKey, ulong truncatedAlerts = 0)
    {
        var list = alerts.Select(a => new TemplateAlert(
            a.IsResolvedAt(now) ? "resolved" : "firing",
            KV.From(a.Labels),
            KV.From(a.Annotations),
            a.StartsAt,
            a.EndsAt ?? GoTime.Zero,
            a.GeneratorUrl,
            a.Fingerprint)).ToList();

        var commonLabels = new Dictionary<string, string>(StringComparer.Ordinal);
        var commonAnnotations = new Dictionary<string, string>(StringComparer.Ordinal);
        if (alerts.Count > 0)
        {
            foreach (var l in alerts[0].Labels)
            {
                commonLabels[l.Name] = l.Value;
            }
            foreach (var l in alerts[0].Annotations)
            {
                commonAnnotations[l.Name] = l.Value;
            }
            foreach (var a in alerts.Skip(1))
            {
                foreach (var (k, v) in commonLabels.ToList())
                {
                    if (a.Labels.Get(k) != v)
                    {
                        commonLabels.Remove(k);
                    }
                }
                foreach (var (k, v) in commonAnnotations.ToList())
                {
                    if (a.Annotations.Get(k) != v)
                    {
                        commonAnnotations.Remove(k);
                    }
                }
            }
        }

        return new NotificationData
        {
            Receiver = QuoteMeta(receiver),
            Status = list.Any(a => a.Status == "firing") ? "firing" : "resolved",
            Alerts = new AlertList(list),
            GroupLabels = KV.From(groupLabels),
            CommonLabels = new KV(commonLabels),
            CommonAnnotations = new KV(commonAnnotations),
            ExternalURL = externalUrl,
            GroupKey = groupKey,
            TruncatedAlerts = truncatedAlerts,
        };
    }

    /// <summary>
    /// The order Alertmanager's dispatcher gives a group's alerts before notifying (types.AlertSlice):
    /// by <c>job</c>, then <c>instance</c> (alerts having the label first), then by label set
    /// (fewer labels first, then label values in name order).
    /// </summary>
    public static IReadOnlyList<Alert> SortLikeAlertmanager(IEnumerable<Alert> alerts)
    {
        var list = alerts.ToList();
        // List.Sort is not stable; Alertmanager uses sort.Stable, so keep the original index as a tie-break.
        var indexed = list.Select((a, i) => (Alert: a, Index: i)).ToList();
        indexed.Sort((x, y) =>
        {
            var c = Alertmanager.AlertOrder.Compare(x.Alert.Labels, y.Alert.Labels);
            return c != 0 ? c : x.Index.CompareTo(y.Index);
        });
        return indexed.Select(x => x.Alert).ToList();
    }

    /// <summary>Go's <c>regexp.QuoteMeta</c>.</summary>
    public static string QuoteMeta(string s)
    {
        var sb = new StringBuilder(s.Length * 2);
        foreach (var c in s)
        {
            if (@"\.+*?()|[]{}^$".Contains(c, StringComparison.Ordinal))
            {
                sb.Append('\\');
            }
            sb.Append(c);
        }
        return sb.ToString();
    }

    /// <summary>
    /// The webhook v4 body exactly as Alertmanager's Go encoder writes it (field order, sorted map keys,
    /// RFC 3339 nano times, HTML-safe escaping), without the trailing newline.
    /// </summary>
    public string ToWebhookJson()
    {
        var sb = new StringBuilder();
        sb.Append("{\"receiver\":").Append(GoJson.Quote(Receiver));
        sb.Append(",\"status\":").Append(GoJson.Quote(Status));
        sb.Append(",\"alerts\":[");
        for (var i = 0; i < Alerts.Count; i++)
        {
            var a = Alerts[i];
            if (i > 0)
            {
                sb.Append(',');
            }
            sb.Append("{\"status\":").Append(GoJson.Quote(a.Status));
            sb.Append(",\"labels\":");
            GoJson.AppendMap(sb, a.Labels);
            sb.Append(",\"annotations\":");
            GoJson.AppendMap(sb, a.Annotations);
            sb.Append(",\"startsAt\":").Append(GoJson.Quote(GoTime.Rfc3339Nano(a.StartsAt)));
            sb.Append(",\"endsAt\":").Append(GoJson.Quote(GoTime.Rfc3339Nano(a.EndsAt)));
            sb.Append(",\"generatorURL\":").Append(GoJson.Quote(a.GeneratorURL));
            sb.Append(",\"fingerprint\":").Append(GoJson.Quote(a.Fingerprint));
            sb.Append('}');
        }
        sb.Append("],\"groupLabels\":");
        GoJson.AppendMap(sb, GroupLabels);
        sb.Append(",\"commonLabels\":");
        GoJson.AppendMap(sb, CommonLabels);
        sb.Append(",\"commonAnnotations\":");
        GoJson.AppendMap(sb, CommonAnnotations);
        sb.Append(",\"externalURL\":").Append(GoJson.Quote(ExternalURL));
        sb.Append(",\"version\":\"4\"");
        sb.Append(",\"groupKey\":").Append(GoJson.Quote(GroupKey));
        sb.Append(",\"truncatedAlerts\":").Append(TruncatedAlerts.ToString(CultureInfo.InvariantCulture));
        sb.Append('}');
        return sb.ToString();
    }

    /// <summary>Reads a webhook v4 body (as Alertmanager or <see cref="ToWebhookJson"/> writes it).</summary>
    public static NotificationData FromWebhookJson(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return FromJson(doc.RootElement);
    }

    internal static NotificationData FromJson(JsonElement root)
    {
        static string Str(JsonElement e, string name) =>
            e.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString()! : "";
        static KV Map(JsonElement e, string name)
        {
            if (!e.TryGetProperty(name, out var p) || p.ValueKind != JsonValueKind.Object)
            {
                return KV.Empty;
            }
            return new KV(p.EnumerateObject().Select(o => new KeyValuePair<string, string>(o.Name, o.Value.GetString() ?? "")));
        }
        static DateTimeOffset Time(JsonElement e, string name)
        {
            var s = Str(e, name);
            return s.Length == 0 ? GoTime.Zero : DateTimeOffset.Parse(s, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
        }

        var alerts = new List<TemplateAlert>();
        if (root.TryGetProperty("alerts", out var arr) && arr.ValueKind == JsonValueKind.Array)
        {
            foreach (var a in arr.EnumerateArray())
            {
                alerts.Add(new TemplateAlert(Str(a, "status"), Map(a, "labels"), Map(a, "annotations"), Time(a, "startsAt"), Time(a, "endsAt"), Str(a, "generatorURL"), Str(a, "fingerprint")));
            }
        }
        return new NotificationData
        {
            Receiver = Str(root, "receiver"),
            Status = Str(root, "status"),
            Alerts = new AlertList(alerts),
            GroupLabels = Map(root, "groupLabels"),
            CommonLabels = Map(root, "commonLabels"),
            CommonAnnotations = Map(root, "commonAnnotations"),
            ExternalURL = Str(root, "externalURL"),
            GroupKey = Str(root, "groupKey"),
            TruncatedAlerts = root.TryGetProperty("truncatedAlerts", out var t) && t.ValueKind == JsonValueKind.Number ? t.GetUInt64() : 0,
        };
    }
}

/// <summary>Lets <see cref="JsonSerializer"/> read and write <see cref="NotificationData"/> in the exact webhook v4 form.</summary>
public sealed class NotificationDataJsonConverter : JsonConverter<NotificationData>
{
    public override NotificationData Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var doc = JsonDocument.ParseValue(ref reader);
        return NotificationData.FromJson(doc.RootElement);
    }

    public override void Write(Utf8JsonWriter writer, NotificationData value, JsonSerializerOptions options) =>
        writer.WriteRawValue(value.ToWebhookJson(), skipInputValidation: true);
}

/// <summary>Go's encoding/json string and map output (HTML-escaped like json.Encoder's default).</summary>
internal static class GoJson
{
    public static string Quote(string s)
    {
        var sb = new StringBuilder(s.Length + 2);
        sb.Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append(@"\\"); break;
                case '\n': sb.Append(@"\n"); break;
                case '\r': sb.Append(@"\r"); break;
                case '\t': sb.Append(@"\t"); break;
                case '<': sb.Append(@"\u003c"); break;
                case '>': sb.Append(@"\u003e"); break;
                case '&': sb.Append(@"\u0026"); break;
                case '\u2028': sb.Append(@"\u2028"); break;
                case '\u2029': sb.Append(@"\u2029"); break;
                default:
                    if (c < ' ')
                    {
                        sb.Append(@"\u00").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }
                    break;
            }
        }
        return sb.Append('"').ToString();
    }

    public static void AppendMap(StringBuilder sb, IReadOnlyDictionary<string, string> map)
    {
        sb.Append('{');
        var first = true;
        foreach (var kv in map.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (!first)
            {
                sb.Append(',');
            }
            first = false;
            sb.Append(Quote(kv.Key)).Append(':').Append(Quote(kv.Value));
        }
        sb.Append('}');
    }
}
