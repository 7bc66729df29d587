using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Alerting.Core.Config;

/// <summary>Which decoder a file is read like, because their messages differ.</summary>
public enum YamlDialect
{
    /// <summary>gopkg.in/yaml.v2 strict decoding, as Alertmanager and prometheus.yml use it.</summary>
    GoYamlV2,

    /// <summary>gopkg.in/yaml.v3 with known fields, as Prometheus' rule files and promtool's unit tests use it.</summary>
    GoYamlV3,

    /// <summary>Our own formats (escalation.yml, oncall.yml): the first problem, in plain words.</summary>
    Own,
}

/// <summary>
/// Reads the first document of a YAML text into <see cref="YamlNode"/>s from YamlDotNet's event parser.
/// Like go-yaml, repeated keys are kept for the decoder to judge (YamlDotNet's own document model
/// refuses them), and text after the first document is never read, so a document whose first keys
/// are indented and later ones are not ends where the indentation drops, as it does in go-yaml.
/// </summary>
public static class YamlLoader
{
    /// <summary>The root node, or null for an empty document; a syntax error is a <see cref="ConfigException"/> in go-yaml's words.</summary>
    public static YamlNode? Load(string text, string file, YamlDialect dialect)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (YamlDepth.FindTooDeep(text) is { } deep)
        {
            throw new ConfigException(file, deep.Line, deep.Column, string.Empty, $"yaml: exceeded max depth of {YamlDepth.Max}");
        }
        var parser = new Parser(new StringReader(text));
        try
        {
            return Read(parser);
        }
        catch (YamlException e)
        {
            throw SyntaxError(e, file, dialect);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            // YamlDotNet throws these on a few malformed documents instead of a YamlException (found by fuzzing).
            throw new ConfigException(file, 0, 0, string.Empty, "yaml: the file is not valid YAML (check for a key without a name, such as a line that starts with ':')");
        }
    }

    private static YamlNode? Read(Parser parser)
    {
        var anchors = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        while (parser.MoveNext())
        {
            switch (parser.Current)
            {
                case DocumentStart:
                    parser.MoveNext();
                    return parser.Current is DocumentEnd ? null : Node(parser, anchors);
                case StreamEnd:
                    return null;
            }
        }
        return null;
    }

    /// <summary>Reads the node starting at the current event and leaves the parser on its last event.</summary>
    private static YamlNode Node(Parser parser, Dictionary<string, YamlNode> anchors)
    {
        YamlNode node;
        AnchorName anchor;
        switch (parser.Current)
        {
            case Scalar s:
                anchor = s.Anchor;
                node = new YamlScalar(Mark(s.Start), Mark(s.End), Tag(s.Tag), s.Value, s.Style);
                break;
            case AnchorAlias a:
                return anchors.TryGetValue(a.Value.Value, out var target)
                    ? target
                    : throw new SemanticErrorException(a.Start, a.End, $"unknown anchor '{a.Value.Value}' referenced");
            case SequenceStart q:
                {
                    anchor = q.Anchor;
                    var items = new List<YamlNode>();
                    while (parser.MoveNext() && parser.Current is not SequenceEnd)
                    {
                        items.Add(Node(parser, anchors));
                    }
                    node = new YamlSequence(Mark(q.Start), Tag(q.Tag), items);
                    break;
                }
            case MappingStart m:
                {
                    anchor = m.Anchor;
                    var entries = new List<KeyValuePair<YamlNode, YamlNode>>();
                    while (parser.MoveNext() && parser.Current is not MappingEnd)
                    {
                        var key = Node(parser, anchors);
                        parser.MoveNext();
                        entries.Add(new(key, Node(parser, anchors)));
                    }
                    node = new YamlMapping(Mark(m.Start), Tag(m.Tag), entries);
                    break;
                }
            default:
                throw new SemanticErrorException(parser.Current!.Start, parser.Current.End, "did not find expected node content");
        }
        if (!anchor.IsEmpty)
        {
            anchors[anchor.Value] = node;
        }
        return node;
    }

    private static YamlMark Mark(Mark m) => new((int)m.Line, (int)m.Column);

    private static string? Tag(TagName tag) => tag.IsEmpty || tag.IsNonSpecific ? null : "!!" + tag.Value.Split(':')[^1];

    /// <summary>A YAML syntax error in go-yaml's words (<c>yaml: line N: did not find expected key</c>).</summary>
    private static ConfigException SyntaxError(YamlException e, string file, YamlDialect dialect)
    {
        var line = (int)e.Start.Line;
        var column = (int)e.Start.Column;
        var reason = Problem(e.InnerException?.Message ?? e.Message);
        if (reason.StartsWith("found invalid mapping", StringComparison.Ordinal) || reason.Contains("mapping values are not allowed", StringComparison.OrdinalIgnoreCase))
        {
            reason = "mapping values are not allowed in this context";
        }
        var parserError = e.Message.StartsWith("While parsing", StringComparison.Ordinal);
        // go-yaml prints parser (not scanner) errors with a zero-based line number; yaml.v3 as promtool shows it, all of them.
        var shown = dialect == YamlDialect.GoYamlV2 ? (parserError && line > 1 ? line - 1 : line) : Math.Max(1, line - 1);
        return new ConfigException(file, line, column, string.Empty, $"yaml: line {shown}: {reason}");
    }

    /// <summary>
    /// libyaml reports only the problem ("did not find expected '-' indicator"); YamlDotNet prefixes its
    /// context ("While parsing a block collection, ") and ends with a period.
    /// </summary>
    private static string Problem(string message)
    {
        var s = message;
        var nl = s.IndexOf('\n', StringComparison.Ordinal);
        s = nl < 0 ? s : s[..nl];
        if (s.StartsWith("While ", StringComparison.Ordinal) && s.IndexOf(", ", StringComparison.Ordinal) is var comma and > 0)
        {
            s = s[(comma + 2)..];
        }
        s = s.TrimEnd('.');
        return s.Length > 0 ? char.ToLowerInvariant(s[0]) + s[1..] : s;
    }
}
