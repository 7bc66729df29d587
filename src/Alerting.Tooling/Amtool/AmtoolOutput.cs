using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Alerting.Core.Model;
using Alerting.Core.Templating;

namespace Alerting.Tooling.Amtool;

/// <summary>
/// amtool 0.25's output formats (<c>-o simple|extended|json</c>, <c>--date.format</c>) for the alerts
/// and silences an Alertmanager v2 API returns, byte for byte: Go's tabwriter tables sorted with Go's
/// unstable sort, Go's time layouts, and Go's JSON encoding of the API models.
/// </summary>
public sealed class AmtoolOutput
{
    public const string DefaultDateFormat = "2006-01-02 15:04:05 MST";

    public static readonly IReadOnlyList<string> Formats = ["simple", "extended", "json"];

    public AmtoolOutput(string format = "simple", string dateFormat = DefaultDateFormat)
    {
        if (!Formats.Contains(format))
        {
            throw new ArgumentException($"unknown output formatter \"{format}\": use simple, extended or json", nameof(format));
        }
        Format = format;
        DateFormat = dateFormat;
    }

    public string Format { get; }

    public string DateFormat { get; }

    /// <summary><c>amtool alert query</c>'s listing of gettable alerts.</summary>
    public void WriteAlerts(IReadOnlyList<JsonNode?> alerts, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(alerts);
        ArgumentNullException.ThrowIfNull(output);
        if (Format == "json")
        {
            WriteJson(alerts.Select(AlertJson), output);
            return;
        }
        var sorted = alerts.ToList();
        GoSort.Sort(sorted, (a, b) => Time(a, "startsAt") < Time(b, "startsAt"));
        var w = new GoTabWriter(output);
        if (Format == "simple")
        {
            w.Write("Alertname\tStarts At\tSummary\tState\t\n");
            foreach (var a in sorted)
            {
                w.Write($"{Str(a?["labels"]?["alertname"])}\t{Date(a, "startsAt")}\t{Str(a?["annotations"]?["summary"])}\t{Str(a?["status"]?["state"])}\t\n");
            }
        }
        else
        {
            w.Write("Labels\tAnnotations\tStarts At\tEnds At\tGenerator URL\tState\t\n");
            foreach (var a in sorted)
            {
                w.Write($"{Pairs(a?["labels"])}\t{Pairs(a?["annotations"])}\t{Date(a, "startsAt")}\t{Date(a, "endsAt")}\t{Str(a?["generatorURL"])}\t{Str(a?["status"]?["state"])}\t\n");
            }
        }
        w.Flush();
    }

    /// <summary><c>amtool silence query</c>'s listing of gettable silences.</summary>
    public void WriteSilences(IReadOnlyList<JsonNode?> silences, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(silences);
        ArgumentNullException.ThrowIfNull(output);
        if (Format == "json")
        {
            WriteJson(silences.Select(SilenceJson), output);
            return;
        }
        var sorted = silences.ToList();
        GoSort.Sort(sorted, (a, b) => Time(a, "endsAt") < Time(b, "endsAt"));
        var w = new GoTabWriter(output);
        if (Format == "simple")
        {
            w.Write("ID\tMatchers\tEnds At\tCreated By\tComment\t\n");
            foreach (var s in sorted)
            {
                var matchers = string.Join(' ', Matchers(s));
                w.Write($"{Str(s?["id"])}\t{matchers}\t{Date(s, "endsAt")}\t{Str(s?["createdBy"])}\t{Str(s?["comment"])}\t\n");
            }
        }
        else
        {
            w.Write("ID\tMatchers\tStarts At\tEnds At\tUpdated At\tCreated By\tComment\t\n");
            foreach (var s in sorted)
            {
                w.Write($"{Str(s?["id"])}\t{{{string.Join(',', Matchers(s))}}}\t{Date(s, "startsAt")}\t{Date(s, "endsAt")}\t{Date(s, "updatedAt")}\t{Str(s?["createdBy"])}\t{Str(s?["comment"])}\t\n");
            }
        }
        w.Flush();
    }

    /// <summary>The silence ids, one per line (<c>--quiet</c>).</summary>
    public static void WriteIds(IEnumerable<JsonNode?> silences, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(silences);
        ArgumentNullException.ThrowIfNull(output);
        foreach (var s in silences)
        {
            output.Write(Str(s?["id"]) + "\n");
        }
    }

    private static void WriteJson(IEnumerable<Action<StringBuilder>> items, TextWriter output)
    {
        var sb = new StringBuilder("[");
        var first = true;
        foreach (var write in items)
        {
            if (!first)
            {
                sb.Append(',');
            }
            first = false;
            write(sb);
        }
        output.Write(sb.Append("]\n").ToString());
    }

    // The field order of go-swagger's GettableAlert: its own fields, then the embedded Alert's.
    private static Action<StringBuilder> AlertJson(JsonNode? a) => sb =>
    {
        var fields = new List<(string, JsonNode?)>
        {
            ("annotations", Map(a?["annotations"])),
            ("endsAt", JsonDate(a?["endsAt"])),
            ("fingerprint", a?["fingerprint"]?.DeepClone()),
            ("receivers", new JsonArray((a?["receivers"] as JsonArray ?? []).Select(r => (JsonNode)new JsonObject { ["name"] = r?["name"]?.DeepClone() }).ToArray())),
            ("startsAt", JsonDate(a?["startsAt"])),
            ("status", a?["status"] is JsonObject st ? new JsonObject
            {
                ["inhibitedBy"] = st["inhibitedBy"]?.DeepClone(),
                ["silencedBy"] = st["silencedBy"]?.DeepClone(),
                ["state"] = st["state"]?.DeepClone(),
            } : null),
            ("updatedAt", JsonDate(a?["updatedAt"])),
        };
        if (Str(a?["generatorURL"]).Length > 0)
        {
            fields.Add(("generatorURL", a!["generatorURL"]!.DeepClone()));
        }
        fields.Add(("labels", Map(a?["labels"])));
        GoJson.WriteObject(sb, fields);
    };

    // The field order of go-swagger's GettableSilence: id, status, updatedAt, then the embedded Silence's.
    private static Action<StringBuilder> SilenceJson(JsonNode? s) => sb =>
    {
        var matchers = new JsonArray();
        foreach (var m in s?["matchers"] as JsonArray ?? [])
        {
            var o = new JsonObject();
            if (m?["isEqual"] is { } isEqual)
            {
                o["isEqual"] = isEqual.DeepClone();
            }
            o["isRegex"] = m?["isRegex"]?.DeepClone();
            o["name"] = m?["name"]?.DeepClone();
            o["value"] = m?["value"]?.DeepClone();
            matchers.Add(o);
        }
        GoJson.WriteObject(sb,
        [
            ("id", s?["id"]?.DeepClone()),
            ("status", s?["status"] is JsonObject st ? new JsonObject { ["state"] = st["state"]?.DeepClone() } : null),
            ("updatedAt", JsonDate(s?["updatedAt"])),
            ("comment", s?["comment"]?.DeepClone()),
            ("createdBy", s?["createdBy"]?.DeepClone()),
            ("endsAt", JsonDate(s?["endsAt"])),
            ("matchers", matchers),
            ("startsAt", JsonDate(s?["startsAt"])),
        ]);
    };

    private static JsonNode? Map(JsonNode? map) => map is null ? null : GoJson.SortedMap(map);

    // strfmt.DateTime marshals with millisecond precision, keeping the parsed offset.
    private static JsonNode? JsonDate(JsonNode? node) =>
        node is null ? null : JsonValue.Create(GoTime.Format("2006-01-02T15:04:05.000Z07:00", ParseTime(Str(node))));

    private string Date(JsonNode? item, string field) => GoTime.Format(DateFormat, ParseTime(Str(item?[field])));

    private static DateTimeOffset Time(JsonNode? item, string field) => ParseTime(Str(item?[field]));

    /// <summary>An API timestamp (RFC 3339, any precision); absent or unreadable is Go's zero time.</summary>
    public static DateTimeOffset ParseTime(string text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var t) ? t : default;

    /// <summary>
    /// The silence's matchers as amtool prints them (<c>name=~"value"</c>). Only shown, never compiled,
    /// so a pattern .NET's regex engine would refuse still prints as written.
    /// </summary>
    private static IReadOnlyList<string> Matchers(JsonNode? silence)
    {
        var result = new List<string>();
        foreach (var m in silence?["matchers"] as JsonArray ?? [])
        {
            // Older Alertmanagers send no isEqual; amtool reads that as true.
            var isEqual = m?["isEqual"] is not JsonValue e || e.GetValue<bool>();
            var isRegex = m?["isRegex"] is JsonValue r && r.GetValue<bool>();
            var op = (isRegex, isEqual) switch
            {
                (false, true) => MatcherType.Equal,
                (false, false) => MatcherType.NotEqual,
                (true, true) => MatcherType.Regex,
                _ => MatcherType.NotRegex,
            };
            result.Add($"{Str(m?["name"])}{LabelMatcher.OperatorText(op)}\"{Labels.Escape(Str(m?["value"]))}\"");
        }
        return result;
    }

    // amtool's extended labels/annotations: name="value" with the value as is, sorted, space separated.
    private static string Pairs(JsonNode? map) =>
        map is JsonObject o ? string.Join(' ', o.Select(p => $"{p.Key}=\"{Str(p.Value)}\"").Order(GoJson.Utf8Order.Instance)) : string.Empty;

    private static string Str(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : string.Empty;
}
