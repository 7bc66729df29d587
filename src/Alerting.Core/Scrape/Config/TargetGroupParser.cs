using System.Text.Json;
using Alerting.Core.Model;
using Alerting.Core.Config;

namespace Alerting.Core.Scrape.Config;

/// <summary>
/// The file_sd / http_sd target-group format: <c>[{"targets": [...], "labels": {...}}]</c> in JSON (both)
/// or YAML (file_sd). Each group also gets the source label Prometheus adds (<c>__meta_filepath</c> or
/// <c>__meta_url</c>) so relabelling can use it.
/// </summary>
public static class TargetGroupParser
{
    public const string FilePathLabel = "__meta_filepath";
    public const string UrlLabel = "__meta_url";

    /// <summary>The anonymous struct Prometheus decodes a target group into, as its type errors name it.</summary>
    internal const string GoType = "struct { Targets []string \"yaml:\\\"targets\\\"\"; Labels model.LabelSet \"yaml:\\\"labels\\\"\" }";

    /// <summary>Parses a file_sd file; YAML when the name ends in .yml/.yaml, JSON otherwise.</summary>
    public static IReadOnlyList<TargetGroup> ParseFile(string content, string filePath)
    {
        var ext = Path.GetExtension(filePath).ToLowerInvariant();
        var groups = ext is ".yml" or ".yaml" ? ParseYaml(content, filePath) : ParseJson(content, filePath);
        return groups.Select((g, i) => g with
        {
            Labels = g.Labels.With(FilePathLabel, filePath),
            Source = $"{filePath}:{i}",
        }).ToArray();
    }

    /// <summary>Parses an http_sd response body; like Prometheus, only <c>application/json</c> is accepted.</summary>
    public static IReadOnlyList<TargetGroup> ParseHttp(string content, Uri url, string? contentType = "application/json")
    {
        ArgumentNullException.ThrowIfNull(url);
        var mediaType = contentType?.Split(';')[0].Trim();
        if (!string.Equals(mediaType, "application/json", StringComparison.OrdinalIgnoreCase))
        {
            throw new ConfigException(url.ToString(), 0, 0, string.Empty, $"unsupported content type \"{contentType}\"");
        }
        var groups = ParseJson(content, url.ToString());
        return groups.Select((g, i) => g with
        {
            Labels = g.Labels.With(UrlLabel, url.ToString()),
            Source = $"{url}:{i}",
        }).ToArray();
    }

    public static IReadOnlyList<TargetGroup> ParseJson(string content, string source)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(content);
        }
        catch (JsonException ex)
        {
            throw new ConfigException(source, (int)(ex.LineNumber ?? 0) + 1, (int)(ex.BytePositionInLine ?? 0) + 1, string.Empty, ex.Message);
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Array)
            {
                throw new ConfigException(source, 1, 1, string.Empty, "expected a JSON array of target groups");
            }
            var result = new List<TargetGroup>();
            var i = 0;
            foreach (var g in doc.RootElement.EnumerateArray())
            {
                var path = $"[{i}]";
                if (g.ValueKind != JsonValueKind.Object)
                {
                    throw new ConfigException(source, 1, 1, path, "expected an object with targets and labels");
                }
                var targets = new List<string>();
                var labels = new List<Label>();
                foreach (var p in g.EnumerateObject())
                {
                    switch (p.Name)
                    {
                        case "targets":
                            if (p.Value.ValueKind == JsonValueKind.Null)
                            {
                                break;
                            }
                            if (p.Value.ValueKind != JsonValueKind.Array || p.Value.EnumerateArray().Any(t => t.ValueKind != JsonValueKind.String))
                            {
                                throw new ConfigException(source, 1, 1, path + ".targets", "expected a list of strings");
                            }
                            targets.AddRange(p.Value.EnumerateArray().Select(t => t.GetString()!));
                            break;
                        case "labels":
                            if (p.Value.ValueKind == JsonValueKind.Null)
                            {
                                break;
                            }
                            if (p.Value.ValueKind != JsonValueKind.Object)
                            {
                                throw new ConfigException(source, 1, 1, path + ".labels", "expected an object of label names to strings");
                            }
                            foreach (var l in p.Value.EnumerateObject())
                            {
                                if (l.Value.ValueKind != JsonValueKind.String)
                                {
                                    throw new ConfigException(source, 1, 1, $"{path}.labels.{l.Name}", "label values must be strings");
                                }
                                labels.Add(new Label(l.Name, l.Value.GetString()!));
                            }
                            break;
                        default:
                            throw new ConfigException(source, 1, 1, $"{path}.{p.Name}", $"field {p.Name} not found in type targetgroup.plain");
                    }
                }
                result.Add(Validate(targets, labels, source, path, 1));
                i++;
            }
            return result;
        }
    }

    public static IReadOnlyList<TargetGroup> ParseYaml(string content, string source)
    {
        var (ctx, root) = YamlContext.Load(content, source, YamlDialect.GoYamlV2);
        var result = new List<TargetGroup>();
        foreach (var (item, path) in ctx.Items(root, string.Empty, "[]*targetgroup.Group"))
        {
            var m = YamlMap.Open(ctx, item, path, GoType);
            if (m is null)
            {
                continue;
            }
            var targets = m.StringList("targets") ?? [];
            var labels = (m.StringMap("labels", "model.LabelSet") ?? []).Select(l => new Label(l.Key, l.Value)).ToList();
            m.Done();
            ctx.ThrowIfTypeErrors();
            result.Add(Validate(targets, labels, source, path, item.Start.Line));
        }
        ctx.ThrowIfTypeErrors();
        return result;
    }

    private static TargetGroup Validate(IReadOnlyList<string> targets, List<Label> labels, string source, string path, int line)
    {
        foreach (var l in labels)
        {
            if (!PromNames.IsValidLabelName(l.Name))
            {
                throw new ConfigException(source, line, 1, $"{path}.labels", $"\"{l.Name}\" is not a valid label name");
            }
        }
        // Bad addresses are not checked here: as in Prometheus they fail only their own target, when it is built.
        return new TargetGroup(targets, Labels.From(labels), source);
    }
}
