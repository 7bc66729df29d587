using Alerting.Core.Config;
using System.Text;
using Alerting.Core.Model;

using Alerting.Core.Alertmanager;

namespace Alerting.Tooling.Alertmanager;

/// <summary>
/// The text <c>amtool</c> prints for <c>check-config</c>, <c>config routes</c> and
/// <c>config routes test</c>, so our CLI output can be diffed against Alertmanager's own tool.
/// </summary>
public static class AmtoolCompat
{
    /// <summary>
    /// <c>amtool check-config</c>'s report for each file; <paramref name="failed"/> counts files (and template
    /// sets) that did not validate, and <paramref name="configs"/> holds those that loaded.
    /// </summary>
    public static string CheckConfig(IEnumerable<string> paths, out int failed, out IReadOnlyList<AlertmanagerConfig> configs)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var sb = new StringBuilder();
        var loaded = new List<AlertmanagerConfig>();
        failed = 0;
        foreach (var path in paths)
        {
            sb.Append("Checking '").Append(path).Append('\'');
            AlertmanagerConfig? cfg = null;
            try
            {
                cfg = AlertmanagerConfigLoader.Load(path);
                sb.Append("  SUCCESS\n");
                loaded.Add(cfg);
            }
            catch (ConfigException e)
            {
                sb.Append("  FAILED: ").Append(e.Detail).Append('\n');
                failed++;
            }
            catch (IOException e)
            {
                sb.Append("  FAILED: open ").Append(path).Append(": ").Append(e.Message).Append('\n');
                failed++;
            }
            if (cfg is not null)
            {
                sb.Append("Found:\n - global config\n - route\n");
                sb.Append(" - ").Append(cfg.InhibitRules.Count).Append(" inhibit rules\n");
                sb.Append(" - ").Append(cfg.Receivers.Count).Append(" receivers\n");
                sb.Append(" - ").Append(cfg.Templates.Count).Append(" templates\n");
                if (cfg.Templates.Count > 0)
                {
                    if (TemplateGlobError(cfg) is { } err)
                    {
                        sb.Append("  FAILED: ").Append(err).Append('\n');
                        failed++;
                    }
                    else
                    {
                        sb.Append("  SUCCESS\n");
                    }
                }
            }
            sb.Append('\n');
        }
        configs = loaded;
        return sb.ToString();
    }

    /// <summary>
    /// The template files a config refers to: globs resolved against the config's folder, as
    /// Alertmanager does. A glob matching nothing is not an error.
    /// </summary>
    public static IReadOnlyList<string> ResolveTemplateFiles(AlertmanagerConfig config) => ConfigLoader.TemplateFiles(config);

    private static string? TemplateGlobError(AlertmanagerConfig config)
    {
        try
        {
            foreach (var f in ResolveTemplateFiles(config))
            {
                _ = File.ReadAllText(f);
            }
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return e.Message;
        }
    }

    /// <summary><c>amtool config routes</c>: "Routing tree:" and every node with its receiver.</summary>
    public static string RoutingTree(Route root)
    {
        ArgumentNullException.ThrowIfNull(root);
        var tree = new TreeNode(".");
        AddAll(root, tree);
        return "Routing tree:\n" + tree.Render() + "\n";

        static void AddAll(Route route, TreeNode parent)
        {
            var label = NodeLabel(route) + (route.Continue ? "  continue: true" : string.Empty) + "  receiver: " + route.Receiver;
            var node = parent.Add(label);
            foreach (var child in route.Routes)
            {
                AddAll(child, node);
            }
        }
    }

    /// <summary>The "Matching routes:" tree <c>amtool config routes test --tree</c> prints.</summary>
    public static string MatchingTree(Route root, Labels labels)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(labels);
        var tree = new TreeNode(".");
        AddMatching(root, tree, labels);
        return "Matching routes:\n" + tree.Render() + "\n\n";

        static void AddMatching(Route route, TreeNode parent, Labels labels)
        {
            var node = parent.Add(NodeLabel(route));
            var final = true;
            foreach (var child in route.Routes)
            {
                if (child.MatchesLabels(labels))
                {
                    AddMatching(child, node, labels);
                    final = false;
                    if (!child.Continue)
                    {
                        break;
                    }
                }
            }
            if (final)
            {
                node.Label = NodeLabel(route) + "  receiver: " + route.Receiver;
            }
        }
    }

    /// <summary>The receivers line of <c>amtool config routes test</c> (no trailing newline).</summary>
    public static string Receivers(Route root, Labels labels)
    {
        ArgumentNullException.ThrowIfNull(root);
        return string.Join(',', root.Match(labels).Select(m => m.Receiver));
    }

    /// <summary>
    /// Parses the <c>name=value</c> arguments of <c>routes test</c> as amtool does: each is one matcher,
    /// which must be an equality (quotes around the value are optional).
    /// </summary>
    public static Labels ParseTestLabels(IEnumerable<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var labels = new List<Label>();
        foreach (var arg in args)
        {
            var m = MatcherParser.Parse(arg);
            if (m.Type != MatcherType.Equal)
            {
                throw new MatcherParseException("labels must be specified as key=value pairs");
            }
            labels.Add(new Label(m.Name, m.Value));
        }
        return Labels.From(labels);
    }

    private static string NodeLabel(Route route) =>
        route.Matchers.Count == 0 ? "default-route" : MatcherParser.FormatList(route.Matchers);

    /// <summary>The tree layout of the Go <c>treeprint</c> package amtool uses (including its no-break spaces).</summary>
    private sealed class TreeNode(string label)
    {
        private readonly List<TreeNode> _children = [];

        public string Label { get; set; } = label;

        public TreeNode Add(string label)
        {
            var n = new TreeNode(label);
            _children.Add(n);
            return n;
        }

        public string Render()
        {
            var sb = new StringBuilder();
            sb.Append(Label).Append('\n');
            Print(sb, _children, []);
            return sb.ToString();
        }

        private static void Print(StringBuilder sb, List<TreeNode> nodes, List<bool> ancestorsLast)
        {
            for (var i = 0; i < nodes.Count; i++)
            {
                var last = i == nodes.Count - 1;
                foreach (var ended in ancestorsLast)
                {
                    sb.Append(ended ? "    " : "\u2502\u00a0\u00a0 ");
                }
                sb.Append(last ? "\u2514\u2500\u2500 " : "\u251c\u2500\u2500 ").Append(nodes[i].Label).Append('\n');
                if (nodes[i]._children.Count > 0)
                {
                    Print(sb, nodes[i]._children, [.. ancestorsLast, last]);
                }
            }
        }
    }
}
