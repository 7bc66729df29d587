using System.Text.RegularExpressions;
using Alerting.Core.Config;
using Alerting.Core.Model;
using Alerting.Core.Scrape.Json;
using Alerting.Core.Scrape.Probe;

namespace Alerting.Core.Scrape.Config;

/// <summary>YAML for our extensions to scrape_config: <c>json_exporter</c> and <c>http_probe</c>.</summary>
internal static class ExtensionParsers
{
    public static JsonMapping ParseJsonMapping(YamlMap m)
    {
        var d = new JsonMapping();
        var strings = m.String("strings");
        var mapping = new JsonMapping
        {
            Prefix = ValidName(m, "prefix", "metric name prefix", allowEmpty: true) ?? d.Prefix,
            MapAll = m.Bool("map_all") ?? d.MapAll,
            Exclude = m.StringList("exclude") ?? d.Exclude,
            LabelsFromPaths = LabelPaths(m),
            ValueMap = ValueMap(m) ?? d.ValueMap,
            Strings = strings switch
            {
                null => d.Strings,
                "info" => JsonStringMode.Info,
                "ignore" => JsonStringMode.Ignore,
                _ => throw m.Ctx.Error(m.At("strings"), m.KeyPath("strings"), $"unknown strings mode \"{strings}\" (info or ignore)"),
            },
            AssumedOffset = Offset(m) ?? d.AssumedOffset,
            Metrics = m.Items("metrics", "[]json_exporter metric").Select(x => ParseRule(m.Ctx, x.Node, x.KeyPath)).OfType<JsonMetricRule>().ToArray(),
        };
        m.Done();
        if (!m.HadTypeErrors && !mapping.MapAll && mapping.Metrics.Count == 0)
        {
            throw m.Ctx.Error(m.Node, m.Path, "json_exporter needs map_all: true or at least one entry in metrics");
        }
        return mapping;
    }

    private static JsonMetricRule? ParseRule(YamlContext ctx, YamlNode node, string path)
    {
        var m = YamlMap.Open(ctx, node, path, "json_exporter metric");
        if (m is null)
        {
            return null;
        }
        var jsonPath = m.String("path");
        if (jsonPath is not null && (jsonPath.Length == 0 || jsonPath.Split('.').Any(s => s.Length == 0)))
        {
            throw ctx.Error(m.At("path"), m.KeyPath("path"), $"invalid JSON path \"{jsonPath}\" (dot-separated keys, '*' for any key)");
        }
        var type = m.String("type");
        var wildcard = m.StringList("wildcard_labels");
        foreach (var n in wildcard ?? [])
        {
            if (!PromNames.IsValidLabelName(n))
            {
                throw ctx.Error(m.At("wildcard_labels"), m.KeyPath("wildcard_labels"), $"\"{n}\" is not a valid label name");
            }
        }
        var d = new JsonMetricRule { Path = string.Empty };
        var rule = new JsonMetricRule
        {
            Path = jsonPath ?? string.Empty,
            Name = ValidName(m, "name", "metric name", allowEmpty: false) ?? d.Name,
            Kind = type switch
            {
                null => d.Kind,
                "auto" => JsonMetricKind.Auto,
                "gauge" => JsonMetricKind.Gauge,
                "timestamp" => JsonMetricKind.Timestamp,
                "info" => JsonMetricKind.Info,
                "label" => JsonMetricKind.Label,
                _ => throw ctx.Error(m.At("type"), m.KeyPath("type"), $"unknown type \"{type}\" (auto, gauge, timestamp, info, label)"),
            },
            ValueMap = ValueMap(m) ?? d.ValueMap,
            Label = ValidLabel(m, "label"),
            WildcardLabels = wildcard ?? d.WildcardLabels,
            Labels = Labels.From((m.StringMap("labels") ?? []).Select(l => PromNames.IsValidLabelName(l.Key)
                ? new Label(l.Key, l.Value)
                : throw ctx.Error(l.Node, m.KeyPath("labels") + "." + l.Key, $"\"{l.Key}\" is not a valid label name"))),
            Help = m.String("help") ?? d.Help,
        };
        m.Done();
        if (m.HadTypeErrors)
        {
            return rule;
        }
        if (jsonPath is null)
        {
            throw ctx.Error(node, path + ".path", "path is required");
        }
        if (rule.Kind == JsonMetricKind.Label && rule.Label is null)
        {
            throw ctx.Error(node, path + ".label", "type label needs a label name");
        }
        return rule;
    }

    public static HttpProbeConfig ParseHttpProbe(YamlMap m)
    {
        var d = new HttpProbeConfig();
        var method = m.String("method")?.ToUpperInvariant();
        if (method is not null && (method.Length == 0 || !method.All(char.IsAsciiLetterUpper)))
        {
            throw m.Ctx.Error(m.At("method"), m.KeyPath("method"), $"invalid HTTP method \"{method}\"");
        }
        var codes = new List<int>();
        foreach (var (item, path) in m.Items("valid_status_codes", "[]int"))
        {
            if (m.Ctx.Int(item, path) is { } code)
            {
                codes.Add(code is >= 100 and <= 599 ? (int)code : throw m.Ctx.Error(item, path, "HTTP status codes are 100-599"));
            }
        }
        var headers = m.StringMap("headers");
        var probe = new HttpProbeConfig
        {
            Method = method ?? d.Method,
            Headers = headers is null ? d.Headers : headers.ToDictionary(h => h.Key, h => h.Value, StringComparer.OrdinalIgnoreCase),
            Body = m.String("body"),
            ValidStatusCodes = codes,
            BodyRegex = Regex(m, "body_regex"),
            BodyNotRegex = Regex(m, "body_not_regex"),
            Timeout = m.Duration("timeout"),
            LatencyBudget = m.Duration("latency_budget"),
            FailIfOverBudget = m.Bool("fail_if_over_budget") ?? d.FailIfOverBudget,
        };
        m.Done();
        return probe;
    }

    private static Regex? Regex(YamlMap m, string key)
    {
        if (m.String(key) is not { } pattern)
        {
            return null;
        }
        try
        {
            return HttpProbeConfig.CompileRegex(pattern);
        }
        catch (ArgumentException ex)
        {
            throw m.Ctx.Error(m.At(key), m.KeyPath(key), "invalid regex: " + ex.Message);
        }
    }

    private static Dictionary<string, string> LabelPaths(YamlMap m)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value, node) in m.StringMap("labels_from_paths") ?? [])
        {
            if (!PromNames.IsValidLabelName(key) || key.StartsWith(PromNames.ReservedPrefix, StringComparison.Ordinal))
            {
                throw m.Ctx.Error(node, m.KeyPath("labels_from_paths") + "." + key, $"\"{key}\" is not a valid label name");
            }
            result[key] = value;
        }
        return result;
    }

    private static Dictionary<string, double>? ValueMap(YamlMap m)
    {
        if (m.Map("value_map", "map[string]float64") is not { } map)
        {
            return null;
        }
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var key in map.Keys.ToList())
        {
            if (map.Float(key) is { } v)
            {
                result[key] = v;
            }
        }
        map.Done();
        return result;
    }

    private static string? ValidName(YamlMap m, string key, string what, bool allowEmpty)
    {
        var s = m.String(key);
        if (s is null || (allowEmpty && s.Length == 0) || PromNames.IsValidMetricName(s))
        {
            return s;
        }
        throw m.Ctx.Error(m.At(key), m.KeyPath(key), $"\"{s}\" is not a valid {what}");
    }

    private static string? ValidLabel(YamlMap m, string key)
    {
        var s = m.String(key);
        return s is null || (PromNames.IsValidLabelName(s) && !s.StartsWith(PromNames.ReservedPrefix, StringComparison.Ordinal))
            ? s
            : throw m.Ctx.Error(m.At(key), m.KeyPath(key), $"\"{s}\" is not a valid label name");
    }

    private static TimeSpan? Offset(YamlMap m)
    {
        if (m.String("assume_utc_offset") is not { } s)
        {
            return null;
        }
        var sign = s.StartsWith('-') ? -1 : 1;
        var body = s.TrimStart('+', '-');
        return TimeSpan.TryParseExact(body, "hh\\:mm", System.Globalization.CultureInfo.InvariantCulture, out var t)
            ? t * sign
            : throw m.Ctx.Error(m.At("assume_utc_offset"), m.KeyPath("assume_utc_offset"), $"invalid UTC offset \"{s}\" (e.g. +05:30)");
    }
}
