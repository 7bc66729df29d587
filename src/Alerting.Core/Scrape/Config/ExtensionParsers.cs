using System.Text.RegularExpressions;
using Alerting.Core.Scrape.Json;
using Alerting.Core.Scrape.Probe;
using Alerting.Core.Model;
using YamlDotNet.RepresentationModel;

namespace Alerting.Core.Scrape.Config;

/// <summary>YAML for our extensions to scrape_config: <c>json_exporter</c> and <c>http_probe</c>.</summary>
internal static class ExtensionParsers
{
    public static JsonMapping ParseJsonMapping(YamlReader r, YamlNode node, string path)
    {
        var m = new JsonMapping();
        foreach (var (key, value, p) in r.Entries(node, path))
        {
            m = key switch
            {
                "prefix" => m with { Prefix = ValidPrefix(r, value, p) },
                "map_all" => m with { MapAll = r.Bool(value, p) },
                "exclude" => m with { Exclude = r.StringList(value, p) },
                "labels_from_paths" => m with { LabelsFromPaths = LabelPaths(r, value, p) },
                "value_map" => m with { ValueMap = ValueMap(r, value, p) },
                "strings" => m with
                {
                    Strings = r.String(value, p) switch
                    {
                        "info" => JsonStringMode.Info,
                        "ignore" => JsonStringMode.Ignore,
                        var s => throw r.Error(value, p, $"unknown strings mode \"{s}\" (info or ignore)"),
                    },
                },
                "assume_utc_offset" => m with { AssumedOffset = Offset(r, value, p) },
                "metrics" => m with { Metrics = r.Items(value, p).Select(x => ParseRule(r, x.Item, x.Path)).ToArray() },
                _ => throw r.Error(value, p, $"field {key} not found in json_exporter"),
            };
        }
        if (!m.MapAll && m.Metrics.Count == 0)
        {
            throw r.Error(node, path, "json_exporter needs map_all: true or at least one entry in metrics");
        }
        return m;
    }

    private static JsonMetricRule ParseRule(YamlReader r, YamlNode node, string path)
    {
        string? jsonPath = null;
        var rule = new JsonMetricRule { Path = string.Empty };
        foreach (var (key, value, p) in r.Entries(node, path))
        {
            switch (key)
            {
                case "path":
                    jsonPath = r.String(value, p);
                    if (jsonPath.Length == 0 || jsonPath.Split('.').Any(s => s.Length == 0))
                    {
                        throw r.Error(value, p, $"invalid JSON path \"{jsonPath}\" (dot-separated keys, '*' for any key)");
                    }
                    break;
                case "name":
                    var name = r.String(value, p);
                    if (!PromNames.IsValidMetricName(name))
                    {
                        throw r.Error(value, p, $"\"{name}\" is not a valid metric name");
                    }
                    rule = rule with { Name = name };
                    break;
                case "type":
                    rule = rule with
                    {
                        Kind = r.String(value, p) switch
                        {
                            "auto" => JsonMetricKind.Auto,
                            "gauge" => JsonMetricKind.Gauge,
                            "timestamp" => JsonMetricKind.Timestamp,
                            "info" => JsonMetricKind.Info,
                            "label" => JsonMetricKind.Label,
                            var s => throw r.Error(value, p, $"unknown type \"{s}\" (auto, gauge, timestamp, info, label)"),
                        },
                    };
                    break;
                case "value_map":
                    rule = rule with { ValueMap = ValueMap(r, value, p) };
                    break;
                case "label":
                    rule = rule with { Label = ValidLabel(r, value, p) };
                    break;
                case "wildcard_labels":
                    var names = r.StringList(value, p);
                    foreach (var n in names)
                    {
                        if (!PromNames.IsValidLabelName(n))
                        {
                            throw r.Error(value, p, $"\"{n}\" is not a valid label name");
                        }
                    }
                    rule = rule with { WildcardLabels = names };
                    break;
                case "labels":
                    rule = rule with { Labels = r.LabelSet(value, p) };
                    break;
                case "help":
                    rule = rule with { Help = r.String(value, p) };
                    break;
                default:
                    throw r.Error(value, p, $"field {key} not found in json_exporter metric");
            }
        }
        if (jsonPath is null)
        {
            throw r.Error(node, path + ".path", "path is required");
        }
        if (rule.Kind == JsonMetricKind.Label && rule.Label is null)
        {
            throw r.Error(node, path + ".label", "type label needs a label name");
        }
        return rule with { Path = jsonPath };
    }

    public static HttpProbeConfig ParseHttpProbe(YamlReader r, YamlNode node, string path)
    {
        var c = new HttpProbeConfig();
        foreach (var (key, value, p) in r.Entries(node, path))
        {
            switch (key)
            {
                case "method":
                    var method = r.String(value, p).ToUpperInvariant();
                    if (method.Length == 0 || !method.All(char.IsAsciiLetterUpper))
                    {
                        throw r.Error(value, p, $"invalid HTTP method \"{method}\"");
                    }
                    c = c with { Method = method };
                    break;
                case "headers":
                    c = c with { Headers = new Dictionary<string, string>(r.StringMap(value, p), StringComparer.OrdinalIgnoreCase) };
                    break;
                case "body":
                    c = c with { Body = r.String(value, p) };
                    break;
                case "valid_status_codes":
                    var codes = new List<int>();
                    foreach (var (item, ip) in r.Items(value, p))
                    {
                        var code = r.Int(item, ip);
                        codes.Add(code is >= 100 and <= 599 ? (int)code : throw r.Error(item, ip, "HTTP status codes are 100-599"));
                    }
                    c = c with { ValidStatusCodes = codes };
                    break;
                case "body_regex":
                    c = c with { BodyRegex = Regex(r, value, p) };
                    break;
                case "body_not_regex":
                    c = c with { BodyNotRegex = Regex(r, value, p) };
                    break;
                case "timeout":
                    c = c with { Timeout = r.Duration(value, p) };
                    break;
                case "latency_budget":
                    c = c with { LatencyBudget = r.Duration(value, p) };
                    break;
                case "fail_if_over_budget":
                    c = c with { FailIfOverBudget = r.Bool(value, p) };
                    break;
                default:
                    throw r.Error(value, p, $"field {key} not found in http_probe");
            }
        }
        return c;
    }

    private static Regex Regex(YamlReader r, YamlNode value, string p)
    {
        try
        {
            return HttpProbeConfig.CompileRegex(r.String(value, p));
        }
        catch (ArgumentException ex)
        {
            throw r.Error(value, p, "invalid regex: " + ex.Message);
        }
    }

    private static Dictionary<string, string> LabelPaths(YamlReader r, YamlNode node, string path)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value, p) in r.Entries(node, path))
        {
            if (!PromNames.IsValidLabelName(key) || key.StartsWith(PromNames.ReservedPrefix, StringComparison.Ordinal))
            {
                throw r.Error(value, p, $"\"{key}\" is not a valid label name");
            }
            result[key] = r.String(value, p);
        }
        return result;
    }

    private static Dictionary<string, double> ValueMap(YamlReader r, YamlNode node, string path) =>
        r.Entries(node, path).ToDictionary(e => e.Key, e => r.Double(e.Value, e.Path), StringComparer.Ordinal);

    private static string ValidPrefix(YamlReader r, YamlNode value, string p)
    {
        var s = r.String(value, p);
        if (s.Length > 0 && !PromNames.IsValidMetricName(s))
        {
            throw r.Error(value, p, $"\"{s}\" is not a valid metric name prefix");
        }
        return s;
    }

    private static string ValidLabel(YamlReader r, YamlNode value, string p)
    {
        var s = r.String(value, p);
        return PromNames.IsValidLabelName(s) && !s.StartsWith(PromNames.ReservedPrefix, StringComparison.Ordinal)
            ? s
            : throw r.Error(value, p, $"\"{s}\" is not a valid label name");
    }

    private static TimeSpan Offset(YamlReader r, YamlNode value, string p)
    {
        var s = r.String(value, p);
        var sign = s.StartsWith('-') ? -1 : 1;
        var body = s.TrimStart('+', '-');
        return TimeSpan.TryParseExact(body, "hh\\:mm", System.Globalization.CultureInfo.InvariantCulture, out var t)
            ? t * sign
            : throw r.Error(value, p, $"invalid UTC offset \"{s}\" (e.g. +05:30)");
    }

}
