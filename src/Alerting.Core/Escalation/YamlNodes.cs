using System.Globalization;
using System.Text;
using Alerting.Core.Model;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Alerting.Core.Escalation;

/// <summary>
/// A YAML node with its path, so every accessor can throw a <see cref="ConfigException"/> naming file,
/// line and key. Unknown keys are errors: a typo like <c>notfy</c> must not silently drop a page.
/// </summary>
internal readonly record struct YamlNodes(string File, YamlNode Node, string Key)
{
    public static YamlNodes Load(string yaml, string file)
    {
        var stream = new YamlStream();
        if (Yaml.YamlDepth.FindTooDeep(yaml) is { } deep)
        {
            throw new ConfigException(file, deep.Line, deep.Column, "(document)", $"invalid YAML: exceeded max depth of {Yaml.YamlDepth.Max}");
        }
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            throw new ConfigException(file, (int)e.Start.Line, (int)e.Start.Column, "(document)", "invalid YAML: " + e.Message);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            // YamlDotNet throws these on a few malformed documents instead of a YamlException.
            throw new ConfigException(file, 0, 0, "(document)", "invalid YAML (check for a key without a name, such as a line that starts with ':')");
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
        {
            throw new ConfigException(file, 1, 1, "(document)", "the file is empty");
        }
        return new YamlNodes(file, stream.Documents[0].RootNode, string.Empty);
    }

    public ConfigException Error(string problem) =>
        new(File, (int)Node.Start.Line, (int)Node.Start.Column, Key.Length == 0 ? "(document)" : Key, problem);

    public YamlMappingNode Mapping(params string[] allowed)
    {
        if (Node is not YamlMappingNode map)
        {
            throw Error("expected a mapping");
        }
        foreach (var (k, _) in map.Children)
        {
            var name = (k as YamlScalarNode)?.Value ?? string.Empty;
            if (Array.IndexOf(allowed, name) < 0)
            {
                throw new YamlNodes(File, k, Child(name)).Error(
                    $"unknown key '{name}' (expected one of: {string.Join(", ", allowed)})");
            }
        }
        return map;
    }

    public YamlNodes? Get(string name)
    {
        var map = Node as YamlMappingNode ?? throw Error("expected a mapping");
        return map.Children.TryGetValue(new YamlScalarNode(name), out var v) && !IsNull(v)
            ? new YamlNodes(File, v, Child(name))
            : null;
    }

    public YamlNodes Require(string name) => Get(name) ?? throw Error($"missing required key '{name}'");

    public IReadOnlyList<YamlNodes> Items()
    {
        if (Node is not YamlSequenceNode seq)
        {
            throw Error("expected a list");
        }
        var key = Key;
        var file = File;
        return seq.Children.Select((n, i) => new YamlNodes(file, n, $"{key}[{i}]")).ToArray();
    }

    public string String()
    {
        if (Node is not YamlScalarNode { Value: { } v })
        {
            throw Error("expected a string");
        }
        return v;
    }

    public string NonEmptyString()
    {
        var s = String();
        return s.Trim().Length == 0 ? throw Error("must not be empty") : s;
    }

    public int Int(int min)
    {
        if (!int.TryParse(String(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) || n < min)
        {
            throw Error($"expected a whole number >= {min}");
        }
        return n;
    }

    public TimeSpan Duration()
    {
        var text = String();
        return TryParseDuration(text, out var d) ? d : throw Error($"not a duration: \"{text}\" (use e.g. 30s, 5m, 1h30m, 1d)");
    }

    public LabelMatcher Matcher()
    {
        var text = String();
        return TryParseMatcher(text, out var m, out var why) ? m! : throw Error($"bad matcher \"{text}\": {why}");
    }

    /// <summary>Prometheus-style durations: a sequence of number+unit (ms, s, m, h, d, w), or a bare 0.</summary>
    public static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        var s = text.Trim();
        if (s == "0")
        {
            return true;
        }
        var i = 0;
        var any = false;
        while (i < s.Length)
        {
            var start = i;
            while (i < s.Length && char.IsAsciiDigit(s[i]))
            {
                i++;
            }
            if (i == start || !long.TryParse(s.AsSpan(start, i - start), NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            {
                return false;
            }
            var unitStart = i;
            while (i < s.Length && char.IsAsciiLetterLower(s[i]))
            {
                i++;
            }
            TimeSpan unit;
            switch (s[unitStart..i])
            {
                case "ms": unit = TimeSpan.FromMilliseconds(1); break;
                case "s": unit = TimeSpan.FromSeconds(1); break;
                case "m": unit = TimeSpan.FromMinutes(1); break;
                case "h": unit = TimeSpan.FromHours(1); break;
                case "d": unit = TimeSpan.FromDays(1); break;
                case "w": unit = TimeSpan.FromDays(7); break;
                default: return false;
            }
            duration += unit * n;
            any = true;
        }
        return any;
    }

    /// <summary>
    /// One Alertmanager-style matcher: <c>name op value</c> with op one of <c>= != =~ !~</c> and the
    /// value double-quoted (with \" \\ \n escapes) or bare.
    /// </summary>
    public static bool TryParseMatcher(string text, out LabelMatcher? matcher, out string? why)
    {
        matcher = null;
        var s = text.Trim();
        if (s.StartsWith('{') && s.EndsWith('}'))
        {
            s = s[1..^1].Trim();
        }
        var i = 0;
        while (i < s.Length && (char.IsAsciiLetterOrDigit(s[i]) || s[i] == '_'))
        {
            i++;
        }
        var name = s[..i];
        if (name.Length == 0 || char.IsAsciiDigit(name[0]))
        {
            why = "expected a label name first";
            return false;
        }
        var rest = s[i..].TrimStart();
        MatcherType type;
        if (rest.StartsWith("=~", StringComparison.Ordinal)) { type = MatcherType.Regex; rest = rest[2..]; }
        else if (rest.StartsWith("!~", StringComparison.Ordinal)) { type = MatcherType.NotRegex; rest = rest[2..]; }
        else if (rest.StartsWith("!=", StringComparison.Ordinal)) { type = MatcherType.NotEqual; rest = rest[2..]; }
        else if (rest.StartsWith('=')) { type = MatcherType.Equal; rest = rest[1..]; }
        else
        {
            why = "expected one of = != =~ !~ after the label name";
            return false;
        }
        rest = rest.Trim();
        string value;
        if (rest.StartsWith('"'))
        {
            var sb = new StringBuilder();
            var j = 1;
            var closed = false;
            for (; j < rest.Length; j++)
            {
                var c = rest[j];
                if (c == '\\' && j + 1 < rest.Length)
                {
                    j++;
                    sb.Append(rest[j] switch { 'n' => '\n', 't' => '\t', var other => other });
                }
                else if (c == '"')
                {
                    closed = true;
                    break;
                }
                else
                {
                    sb.Append(c);
                }
            }
            if (!closed || j != rest.Length - 1)
            {
                why = closed ? "unexpected text after the closing quote" : "unterminated quoted value";
                return false;
            }
            value = sb.ToString();
        }
        else
        {
            if (rest.Contains('"', StringComparison.Ordinal) || rest.Contains(',', StringComparison.Ordinal))
            {
                why = "bare values cannot contain quotes or commas; quote the value";
                return false;
            }
            value = rest;
        }
        try
        {
            matcher = new LabelMatcher(type, name, value);
        }
        catch (ArgumentException e)
        {
            why = "invalid regular expression: " + e.Message;
            return false;
        }
        why = null;
        return true;
    }

    private string Child(string name) => Key.Length == 0 ? name : Key + "." + name;

    private static bool IsNull(YamlNode n) =>
        n is YamlScalarNode { Style: ScalarStyle.Plain, Value: null or "" or "~" or "null" };
}
