using System.Text.RegularExpressions;
using Alerting.Core.Model;
using Alerting.Core.Config;

namespace Alerting.Core.Alertmanager;

/// <summary>URLs, host:port pairs, label names and matchers with Alertmanager's own error texts.</summary>
internal sealed partial class ConfigParser
{
    // ---------------------------------------------------------------- scalar helpers

    /// <summary>An http(s) URL as Alertmanager's URL type accepts it; anything else aborts.</summary>
    private string? Url(YamlMap m, string key)
    {
        var v = m.String(key);
        if (v is null)
        {
            return null;
        }
        CheckUrl(m, key, v);
        return v;
    }

    /// <summary>
    /// A URL of Alertmanager's <c>SecretURL</c> type, which also accepts the <c>&lt;secret&gt;</c> its
    /// status API shows instead of the value, so a config read back from the API loads.
    /// </summary>
    private string? SecretUrl(YamlMap m, string key) => m.String(key) == ConfigSecrets.Token ? ConfigSecrets.Token : Url(m, key);

    private void CheckUrl(YamlMap m, string key, string v)
    {
        if (GoUrl.HttpUrlError(v) is { } err)
        {
            throw _ctx.Error(m.At(key), m.KeyPath(key), err);
        }
    }

    /// <summary>Go's <c>net.SplitHostPort</c> rules for <c>smarthost</c>.</summary>
    private string? HostPort(YamlMap m, string key)
    {
        var v = m.String(key);
        if (string.IsNullOrEmpty(v))
        {
            return null;
        }
        string? err = null;
        string port;
        if (v.StartsWith('['))
        {
            var close = v.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                err = "missing ']' in address";
                port = string.Empty;
            }
            else if (close + 1 == v.Length)
            {
                err = "missing port in address";
                port = string.Empty;
            }
            else if (v[close + 1] != ':')
            {
                err = "missing port in address";
                port = string.Empty;
            }
            else
            {
                port = v[(close + 2)..];
            }
        }
        else
        {
            var colons = v.Count(c => c == ':');
            port = colons == 1 ? v[(v.IndexOf(':', StringComparison.Ordinal) + 1)..] : string.Empty;
            err = colons switch
            {
                0 => "missing port in address",
                1 => null,
                _ => "too many colons in address",
            };
        }
        if (err is not null)
        {
            throw _ctx.Error(m.At(key), m.KeyPath(key), $"address {v}: {err}");
        }
        if (port.Length == 0)
        {
            throw _ctx.Error(m.At(key), m.KeyPath(key), $"address \"{v}\": port cannot be empty");
        }
        return v;
    }

    private static string? Empty(string? s) => HttpClientConfigParser.Empty(s);

    /// <summary>
    /// Alertmanager's rule for a value given inline or read from <c>{key}_file</c>: never both, and one of
    /// them when <paramref name="required"/>; the errors are its own words.
    /// </summary>
    private void InlineOrFile(YamlMap m, string path, string key, string? inline, string? file, bool required = false)
    {
        if (required && inline is null && file is null)
        {
            throw _ctx.Error(m.Node, path, $"one of {key} or {key}_file must be configured");
        }
        if (inline is not null && file is not null)
        {
            throw _ctx.Error(m.Node, path, $"at most one of {key} & {key}_file must be configured");
        }
    }

    internal static bool IsValidLabelName(string name) => LabelNamePattern().IsMatch(name);

    [GeneratedRegex("^[a-zA-Z_][a-zA-Z0-9_]*$", RegexOptions.CultureInvariant)]
    private static partial Regex LabelNamePattern();


    // ---------------------------------------------------------------- matchers

    /// <summary><c>match:</c> (equality) or <c>match_re:</c> (regex) maps of label name to value.</summary>
    private List<LabelMatcher> ParseMatchMap(YamlMap m, string key, bool regex)
    {
        var node = m.Get(key);
        var list = new List<LabelMatcher>();
        var entries = _ctx.StringMap(node, m.KeyPath(key), regex ? "config.MatchRegexps" : "map[string]string");
        if (entries is null)
        {
            return list;
        }
        var mapping = (YamlMapping)node!;
        foreach (var (name, value, keyNode) in entries)
        {
            if (!IsValidLabelName(name))
            {
                throw _ctx.Error(keyNode, m.KeyPath(key) + "." + name, $"invalid label name \"{name}\"");
            }
            if (regex)
            {
                var valueNode = mapping.Children.First(kv => ReferenceEquals(kv.Key, keyNode)).Value;
                if (YamlScalars.IsNull(valueNode))
                {
                    throw _ctx.Error(keyNode, m.KeyPath(key) + "." + name, $"invalid regexp value for \"{name}\"");
                }
            }
            var matcher = NewMatcher(regex ? MatcherType.Regex : MatcherType.Equal, name, value, keyNode, m.KeyPath(key) + "." + name);
            // Alertmanager 0.25 keeps match_re values anchored ("^(?:re)$"); that text shows up in route
            // keys, group keys and amtool's tree, so we keep it too (matching is unchanged).
            list.Add(regex ? new LabelMatcher(MatcherType.Regex, name, "^(?:" + value + ")$") : matcher);
        }
        return list;
    }

    private LabelMatcher NewMatcher(MatcherType type, string name, string value, YamlNode at, string path)
    {
        try
        {
            return MatcherParser.Create(type, name, value);
        }
        catch (MatcherParseException e)
        {
            throw _ctx.Error(at, path, e.Message);
        }
    }

    /// <summary>A <c>matchers:</c> list of matcher strings, each possibly holding several matchers.</summary>
    private List<LabelMatcher> ParseMatchers(YamlMap m, string key)
    {
        var node = m.Get(key);
        var lines = m.StringList(key);
        var list = new List<LabelMatcher>();
        if (lines is null)
        {
            return list;
        }
        foreach (var line in lines)
        {
            try
            {
                list.AddRange(MatcherParser.ParseList(line));
            }
            catch (MatcherParseException e)
            {
                throw _ctx.Error(node, m.KeyPath(key), e.Message);
            }
        }
        list.Sort(MatcherParser.Compare);
        return list;
    }
}
