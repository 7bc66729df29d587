using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Alerting.Integration.Tests.Query.Grafana;

/// <summary>A panel's Prometheus target as the dashboard JSON states it.</summary>
internal sealed record PanelTarget(string Dashboard, string Panel, string PanelType, int Width, string Expr, string LegendFormat, bool Instant, string Interval);

/// <summary>A dashboard's Prometheus annotation (<c>expr</c>, title format, step).</summary>
internal sealed record AnnotationQuery(string Dashboard, string Name, string Expr, string TitleFormat, string Step);

/// <summary>A query-type template variable: its query, and what "All" stands for.</summary>
internal sealed record TemplateVariable(string Dashboard, string Name, string Query, string? AllValue);

/// <summary>One Grafana dashboard from a seed document.</summary>
internal sealed record Dashboard(string Seed, string Title, string From, IReadOnlyList<PanelTarget> Targets, IReadOnlyList<TemplateVariable> Variables, IReadOnlyList<AnnotationQuery> Annotations);

/// <summary>
/// The Grafana dashboards in the seed documents: every fenced <c>json</c> block with panels, read as
/// Grafana reads a dashboard (the block's leading <c>// path</c> comment skipped; the import wrapper
/// <c>{"dashboard": …}</c> or the bare model), and the variable queries the seeds' prose adds
/// ("Query: label_values(…)", "Add variable … with query: …").
/// </summary>
internal static partial class SeedDashboards
{
    private static readonly JsonDocumentOptions Lenient = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    public static IReadOnlyList<Dashboard> Load(string seedsDir)
    {
        var result = new List<Dashboard>();
        foreach (var file in Directory.GetFiles(seedsDir).Order(StringComparer.Ordinal))
        {
            var seed = Path.GetFileNameWithoutExtension(file);
            foreach (Match block in JsonBlock().Matches(File.ReadAllText(file)))
            {
                JsonNode? root;
                try
                {
                    root = JsonNode.Parse(block.Groups[1].Value, documentOptions: Lenient);
                }
                catch (JsonException)
                {
                    continue; // Not a JSON document (a fragment in the prose).
                }
                var model = root?["dashboard"] ?? root;
                if (model?["panels"] is not JsonArray panels)
                {
                    continue;
                }
                var title = model["title"]?.GetValue<string>() ?? seed;
                var targets = new List<PanelTarget>();
                CollectTargets(title, panels, targets);
                var variables = (model["templating"]?["list"] as JsonArray ?? [])
                    .Where(v => v?["type"]?.GetValue<string>() == "query" && v["query"] is not null)
                    .Select(v => new TemplateVariable(title, v!["name"]!.GetValue<string>(), VariableQuery(v["query"]!), v["allValue"]?.GetValue<string>()))
                    .ToList();
                var annotations = (model["annotations"]?["list"] as JsonArray ?? [])
                    .Where(a => a?["expr"] is not null)
                    .Select(a => new AnnotationQuery(title, a!["name"]?.GetValue<string>() ?? "annotation", a["expr"]!.GetValue<string>(),
                        a["titleFormat"]?.GetValue<string>() ?? string.Empty, a["step"]?.GetValue<string>() ?? "60s"))
                    .ToList();
                result.Add(new Dashboard(seed, title, model["time"]?["from"]?.GetValue<string>() ?? "now-6h", targets, variables, annotations));
            }
        }
        return result;
    }

    /// <summary>The variable queries written in the seeds' prose, beside the dashboards' own.</summary>
    public static IReadOnlyList<string> ProseVariableQueries(string seedsDir) =>
        Directory.GetFiles(seedsDir).Order(StringComparer.Ordinal)
            .SelectMany(f => ProseLabelValues().Matches(File.ReadAllText(f)).Select(m => m.Groups[1].Value))
            .Distinct(StringComparer.Ordinal)
            .ToList();

    private static string VariableQuery(JsonNode query) =>
        query is JsonObject o ? o["query"]?.GetValue<string>() ?? string.Empty : query.GetValue<string>();

    private static void CollectTargets(string dashboard, JsonArray panels, List<PanelTarget> into)
    {
        foreach (var panel in panels.OfType<JsonObject>())
        {
            if (panel["panels"] is JsonArray nested)
            {
                CollectTargets(dashboard, nested, into);
            }
            var type = panel["type"]?.GetValue<string>() ?? "graph";
            var width = panel["gridPos"]?["w"]?.GetValue<int>() ?? 12;
            foreach (var target in panel["targets"] as JsonArray ?? [])
            {
                if (target?["expr"] is not { } expr)
                {
                    continue;
                }
                into.Add(new PanelTarget(dashboard, panel["title"]?.GetValue<string>() ?? "?", type, width, expr.GetValue<string>(),
                    target["legendFormat"]?.GetValue<string>() ?? string.Empty, target["instant"]?.GetValue<bool>() == true,
                    target["interval"]?.GetValue<string>() ?? string.Empty));
            }
        }
    }

    [GeneratedRegex("```json\\s*\\n(.*?)\\n```", RegexOptions.Singleline)]
    private static partial Regex JsonBlock();

    [GeneratedRegex("(?:Query:|with query:)\\s*`?(label_values\\([^`\\n]*\\))`?")]
    private static partial Regex ProseLabelValues();
}
