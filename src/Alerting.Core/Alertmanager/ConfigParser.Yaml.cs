using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Alerting.Core.Alertmanager;

/// <summary>Loading the YAML text the way go-yaml would see it (duplicates, syntax errors, lenient starts).</summary>
internal sealed partial class ConfigParser
{
    /// <summary>
    /// Loads the document. YamlDotNet refuses duplicate keys outright, whereas go-yaml reports each one
    /// among its other unmarshal errors and keeps the first value; so each duplicate is recorded as a type
    /// error, commented out (keeping line numbers) and the text loaded again.
    /// </summary>
    private YamlNode? LoadYaml(string yaml)
    {
        var text = yaml;
        if (Yaml.YamlDepth.FindTooDeep(yaml) is { } deep)
        {
            throw new ConfigException(_ctx.File, deep.Line, deep.Column, string.Empty, $"yaml: exceeded max depth of {Yaml.YamlDepth.Max}");
        }
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var stream = new YamlStream();
                stream.Load(new StringReader(text));
                return stream.Documents.Count == 0 ? null : stream.Documents[0].RootNode;
            }
            catch (YamlException e) when (e.Message.Contains("Duplicate key", StringComparison.Ordinal) && attempt < 200
                && RemoveDuplicate(text, (int)e.Start.Line, (int)e.Start.Column) is { } next)
            {
                text = next;
            }
            catch (YamlException e) when (e.Message.Contains("<document end>", StringComparison.Ordinal) && attempt < 200
                && DedentLeadingBlock(text) is { } dedented)
            {
                text = dedented;
            }
            catch (YamlException e)
            {
                throw SyntaxError(e);
            }
            catch (Exception e) when (e is InvalidOperationException or ArgumentException)
            {
                // YamlDotNet's representation model throws these on a few malformed documents (an empty
                // key where a mapping continues) instead of a YamlException; they are syntax errors too.
                throw new ConfigException(_ctx.File, 0, 0, string.Empty, "yaml: the document is not valid YAML (check for a key without a name, such as a line that starts with ':')");
            }
        }
    }

    /// <summary>
    /// go-yaml accepts a document whose first keys are indented and later ones are not, reading them all
    /// as one top-level mapping (as when a user deletes the <c>global:</c> line); YamlDotNet does not.
    /// </summary>
    private static string? DedentLeadingBlock(string text)
    {
        var lines = text.Split('\n');
        var first = Array.FindIndex(lines, l => KeyColumn(l) is not null);
        if (first < 0 || KeyColumn(lines[first]) is not { } indent || indent == 0 || lines[first].TrimStart().StartsWith('-'))
        {
            return null;
        }
        var i = first;
        for (; i < lines.Length && KeyColumn(lines[i]) is not 0; i++)
        {
            if (lines[i].Length >= indent && lines[i][..indent].Trim().Length == 0)
            {
                lines[i] = lines[i][indent..];
            }
        }
        // go-yaml ends the document where the indentation drops; what follows is never decoded.
        for (; i < lines.Length; i++)
        {
            lines[i] = "#" + lines[i];
        }
        return string.Join('\n', lines);
    }

    private string? RemoveDuplicate(string text, int line, int col)
    {
        var lines = text.Split('\n');
        if (line < 1 || line > lines.Length)
        {
            return null;
        }
        var current = lines[line - 1];
        var keyCol = Math.Clamp(col - 1, 0, current.Length);
        if (current[..keyCol].Contains('{', StringComparison.Ordinal))
        {
            return null; // inside a flow mapping: cannot comment out a single key
        }
        var key = current[keyCol..].Split(':')[0].Trim().Trim('"', '\'');
        var parent = string.Empty;
        (int Line, int Column) anchor = (line, col);
        for (var i = line - 2; i >= 0; i--)
        {
            if (KeyColumn(lines[i]) is not { } c)
            {
                continue;
            }
            if (anchor == (line, col) && c <= keyCol)
            {
                // The duplicate's text is commented out below; a sibling (or the parent) key stands in for it
                // when deciding which block had type errors.
                anchor = (i + 1, c + 1);
            }
            if (c < keyCol)
            {
                parent = lines[i].TrimStart(' ', '-').Split(':')[0].Trim();
                break;
            }
        }
        var detail = MapKeys.Contains(parent) ? $"key \"{key}\" already set in map" : $"field {key} already set in type {(parent == "sigv4" ? "sigv4.plain" : "config.plain")}";
        _ctx.TypeError(line, col, key, detail, anchor.Line, anchor.Column);
        _duplicates.Add((line, key));
        lines[line - 1] = "#" + current;
        var last = line;
        for (var i = line; i < lines.Length && (KeyColumn(lines[i]) is not { } c || c > keyCol); i++)
        {
            lines[i] = "#" + lines[i];
            last = i + 1;
        }
        // YamlDotNet reports duplicates inside the discarded value first; go-yaml never decodes that value.
        if (last > line)
        {
            _ctx.RemoveTypeErrors(line + 1, last);
            _duplicates.RemoveAll(d => d.Line > line && d.Line <= last);
        }
        return string.Join('\n', lines);
    }

    /// <summary>The column where a line's content (after indentation and list dashes) starts; null for blank/comment lines.</summary>
    private static int? KeyColumn(string line)
    {
        var i = 0;
        while (i < line.Length && (line[i] == ' ' || (line[i] == '-' && i + 1 < line.Length && line[i + 1] == ' ')))
        {
            i++;
        }
        return i >= line.Length || line[i] == '#' ? null : i;
    }

    /// <summary>A YAML syntax error in go-yaml's words ("yaml: line N: did not find expected key").</summary>
    private ConfigException SyntaxError(YamlException e)
    {
        var line = (int)e.Start.Line;
        var col = (int)e.Start.Column;
        var reason = e.Message;
        var parserError = reason.StartsWith("While parsing", StringComparison.Ordinal);
        var comma = reason.IndexOf(", ", StringComparison.Ordinal);
        if (reason.StartsWith("While ", StringComparison.Ordinal) && comma > 0)
        {
            reason = reason[(comma + 2)..];
        }
        reason = reason.TrimEnd('.');
        if (reason.Length > 0)
        {
            reason = char.ToLowerInvariant(reason[0]) + reason[1..];
        }
        if (reason.StartsWith("found invalid mapping", StringComparison.Ordinal) || reason.Contains("mapping values are not allowed", StringComparison.OrdinalIgnoreCase))
        {
            reason = "mapping values are not allowed in this context";
        }
        // go-yaml prints parser (not scanner) errors with a zero-based line number.
        var shown = parserError && line > 1 ? line - 1 : line;
        return new ConfigException(_ctx.File, line, col, string.Empty, $"yaml: line {shown}: {reason}");
    }

    private static readonly HashSet<string> MapKeys = new(StringComparer.Ordinal)
    {
        "match", "match_re", "source_match", "source_match_re", "target_match", "target_match_re",
        "headers", "details", "attributes", "custom_fields", "http_headers", "proxy_connect_header",
    };
}
