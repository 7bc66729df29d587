using System.Globalization;
using System.Text.RegularExpressions;
using Alerting.Core.Model;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Alerting.Core.Alertmanager;

/// <summary>
/// Loads <c>alertmanager.yml</c> and validates it the way Alertmanager 0.25 does (plus the newer
/// integration fields of current Alertmanager releases), so a file is accepted or rejected exactly as
/// <c>amtool check-config</c> would. Errors are <see cref="ConfigException"/>s carrying file, line and key.
/// </summary>
public static class AlertmanagerConfigLoader
{
    public static AlertmanagerConfig Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Parse(File.ReadAllText(path), path);
    }

    public static AlertmanagerConfig Parse(string yaml, string fileName)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        ArgumentNullException.ThrowIfNull(fileName);
        return new ConfigParser(fileName).Parse(yaml);
    }
}

internal sealed partial class ConfigParser(string fileName)
{
    private readonly YamlContext _ctx = new(fileName);

    private GlobalConfig? _global;
    private YamlMap? _globalMap;
    private RouteSpec? _route;
    private YamlNode? _routeNode;
    private readonly List<(Receiver Receiver, ReceiverDraft Draft)> _receivers = [];
    private readonly List<InhibitRule> _inhibitRules = [];
    private readonly List<(TimeInterval Interval, YamlNode Node, bool Mute)> _intervals = [];
    private List<string> _templates = [];
    private readonly List<(int Line, string Key)> _duplicates = [];

    public AlertmanagerConfig Parse(string yaml)
    {
        var rootNode = LoadYaml(yaml);
        var root = YamlMap.Open(_ctx, rootNode, string.Empty);
        if (root is not null && root.Node is YamlMappingNode rootMapping)
        {
            // Go decodes keys in document order, so the first failing block in the file is the one reported.
            foreach (var (keyNode, _) in rootMapping.Children)
            {
                var key = (keyNode as YamlScalarNode)?.Value;
                switch (key)
                {
                    case "global":
                        (_global, _globalMap) = ParseGlobal(root);
                        break;
                    case "route":
                        _routeNode = root.Get("route");
                        var routeMap = YamlMap.Open(_ctx, _routeNode, "route");
                        _route = routeMap is null ? null : ParseRoute(routeMap);
                        break;
                    case "receivers":
                        foreach (var (node, path) in root.Items("receivers", "[]*config.Receiver"))
                        {
                            _receivers.Add(ParseReceiver(node, path));
                        }
                        break;
                    case "inhibit_rules":
                        foreach (var (node, path) in root.Items("inhibit_rules", "[]*config.InhibitRule"))
                        {
                            if (ParseInhibitRule(node, path) is { } rule)
                            {
                                _inhibitRules.Add(rule);
                            }
                        }
                        break;
                    case "templates":
                        _templates = root.StringList("templates") ?? [];
                        break;
                    case "time_intervals" or "mute_time_intervals":
                        foreach (var (node, path) in root.Items(key, "[]config.TimeInterval"))
                        {
                            if (ParseTimeInterval(node, path, key == "mute_time_intervals") is { } ti)
                            {
                                _intervals.Add((ti, node, key == "mute_time_intervals"));
                            }
                        }
                        break;
                }
            }
            root.Done();
        }
        _ctx.ReclassifyDuplicates(_duplicates);
        _ctx.ThrowIfTypeErrors();
        return Validate(root);
    }

    /// <summary>
    /// Loads the document. YamlDotNet refuses duplicate keys outright, whereas go-yaml reports each one
    /// among its other unmarshal errors and keeps the first value; so each duplicate is recorded as a type
    /// error, commented out (keeping line numbers) and the text loaded again.
    /// </summary>
    private YamlNode? LoadYaml(string yaml)
    {
        var text = yaml;
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

    // ---------------------------------------------------------------- global

    private (GlobalConfig, YamlMap?) ParseGlobal(YamlMap root)
    {
        var m = YamlMap.Open(_ctx, root.Get("global"), "global");
        if (m is null)
        {
            return (new GlobalConfig(), null);
        }
        var other = new Dictionary<string, string>(GlobalConfig.OtherDefaults, StringComparer.Ordinal);
        foreach (var key in GlobalConfig.OtherKeys)
        {
            var secret = key is "opsgenie_api_key" or "victorops_api_key" or "wechat_api_secret" or "telegram_bot_token" or "rocketchat_token" or "rocketchat_token_id";
            var v = m.String(key, secret ? "config.plain" : "string");
            if (v is null)
            {
                continue;
            }
            if (GlobalConfig.OtherUrlKeys.Contains(key))
            {
                CheckUrl(m, key, v);
            }
            other[key] = v;
        }
        var g = new GlobalConfig
        {
            ResolveTimeout = m.Duration("resolve_timeout") ?? TimeSpan.FromMinutes(5),
            HttpConfig = ParseHttpConfig(m, "http_config") ?? new HttpClientConfig(),
            SmtpFrom = m.String("smtp_from"),
            SmtpHello = m.String("smtp_hello") ?? "localhost",
            SmtpSmarthost = HostPort(m, "smtp_smarthost"),
            SmtpAuthUsername = m.String("smtp_auth_username"),
            SmtpAuthPassword = m.String("smtp_auth_password", "config.plain"),
            SmtpAuthPasswordFile = m.String("smtp_auth_password_file"),
            SmtpAuthSecret = m.String("smtp_auth_secret", "config.plain"),
            SmtpAuthSecretFile = m.String("smtp_auth_secret_file"),
            SmtpAuthIdentity = m.String("smtp_auth_identity"),
            SmtpRequireTls = m.Bool("smtp_require_tls") ?? true,
            SmtpTlsConfig = ParseTls(m, "smtp_tls_config"),
            SlackApiUrl = Url(m, "slack_api_url"),
            SlackApiUrlFile = m.String("slack_api_url_file"),
            SlackAppToken = m.String("slack_app_token"),
            SlackAppTokenFile = m.String("slack_app_token_file"),
            SlackAppUrl = Url(m, "slack_app_url") ?? SlackConfig.ChatPostMessageUrl,
            PagerDutyUrl = Url(m, "pagerduty_url") ?? "https://events.pagerduty.com/v2/enqueue",
            Other = other,
        };
        m.Done();
        return (g, m);
    }

    /// <summary>
    /// Prometheus' <c>http_config</c> with its validation. Fields newer than Alertmanager 0.25 (no_proxy,
    /// http_headers, ...) are accepted as current Alertmanager accepts them.
    /// </summary>
    private HttpClientConfig? ParseHttpConfig(YamlMap parent, string key)
    {
        var m = YamlMap.Open(_ctx, parent.Get(key), parent.KeyPath(key));
        if (m is null)
        {
            return null;
        }
        var basic = YamlMap.Open(_ctx, m.Get("basic_auth"), m.KeyPath("basic_auth"));
        var auth = YamlMap.Open(_ctx, m.Get("authorization"), m.KeyPath("authorization"));
        var oauth = YamlMap.Open(_ctx, m.Get("oauth2"), m.KeyPath("oauth2"));
        var proxy = m.String("proxy_url");
        if (proxy is not null && GoUrlParseError(proxy) is { } proxyError)
        {
            throw _ctx.Error(m.At("proxy_url"), m.KeyPath("proxy_url"), proxyError);
        }
        var cfg = new HttpClientConfig
        {
            FollowRedirects = m.Bool("follow_redirects") ?? true,
            EnableHttp2 = m.Bool("enable_http2") ?? true,
            ProxyUrl = proxy,
            BearerToken = Empty(m.String("bearer_token", "config.plain")),
            BearerTokenFile = Empty(m.String("bearer_token_file")),
            BasicAuthUsername = basic?.String("username"),
            BasicAuthPassword = Empty(basic?.String("password", "config.plain")),
            BasicAuthPasswordFile = Empty(basic?.String("password_file")),
            AuthorizationType = auth is null ? null : (auth.String("type") ?? string.Empty).Trim() is { Length: > 0 } t ? t : "Bearer",
            AuthorizationCredentials = Empty(auth?.String("credentials", "config.plain")),
            AuthorizationCredentialsFile = Empty(auth?.String("credentials_file")),
            TlsConfig = ParseTls(m, "tls_config"),
            HasOAuth2 = oauth is not null,
        };
        var clientId = oauth?.String("client_id");
        var clientSecret = Empty(oauth?.String("client_secret", "config.plain"));
        var clientSecretFile = Empty(oauth?.String("client_secret_file"));
        var tokenUrl = oauth?.String("token_url");
        oauth?.Accept("scopes", "endpoint_params", "tls_config", "proxy_url", "no_proxy", "proxy_from_environment", "proxy_connect_header", "client_secret_ref", "client_certificate_key", "client_certificate_key_file", "client_certificate_key_id", "client_certificate_key_ref", "signature_algorithm", "iss", "audience", "claims");
        oauth?.Done();
        basic?.Accept("username_file", "username_ref", "password_ref");
        basic?.Done();
        auth?.Accept("credentials_ref");
        auth?.Done();
        var hasProxyConnectHeader = m.Has("proxy_connect_header");
        m.Accept("proxy_connect_header", "no_proxy", "proxy_from_environment", "http_headers");
        m.Done();
        if (m.HadTypeErrors)
        {
            return cfg;
        }
        void Fail(string detail) => throw _ctx.Error(m.Node, m.Path, detail);
        var hasBearer = cfg.BearerToken is not null || cfg.BearerTokenFile is not null;
        if (cfg.BearerToken is not null && cfg.BearerTokenFile is not null)
        {
            Fail("at most one of bearer_token & bearer_token_file must be configured");
        }
        if ((basic is not null || oauth is not null) && hasBearer)
        {
            Fail("at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured");
        }
        if (cfg.BasicAuthPassword is not null && cfg.BasicAuthPasswordFile is not null)
        {
            Fail("at most one of basic_auth password & password_file must be configured");
        }
        if (auth is not null)
        {
            if (hasBearer)
            {
                Fail("authorization is not compatible with bearer_token & bearer_token_file");
            }
            if (cfg.AuthorizationCredentials is not null && cfg.AuthorizationCredentialsFile is not null)
            {
                Fail("at most one of authorization credentials & credentials_file must be configured");
            }
            if (string.Equals(cfg.AuthorizationType, "basic", StringComparison.OrdinalIgnoreCase))
            {
                Fail("authorization type cannot be set to \"basic\", use \"basic_auth\" instead");
            }
            if (basic is not null || oauth is not null)
            {
                Fail("at most one of basic_auth, oauth2 & authorization must be configured");
            }
        }
        else if (hasBearer)
        {
            // Prometheus turns the legacy bearer token into an Authorization header.
            cfg = cfg with { AuthorizationType = "Bearer", AuthorizationCredentials = cfg.BearerToken, AuthorizationCredentialsFile = cfg.BearerTokenFile };
        }
        if (oauth is not null)
        {
            if (basic is not null)
            {
                Fail("at most one of basic_auth, oauth2 & authorization must be configured");
            }
            if (string.IsNullOrEmpty(clientId))
            {
                Fail("oauth2 client_id must be configured");
            }
            if (clientSecret is null && clientSecretFile is null)
            {
                Fail("either oauth2 client_secret or client_secret_file must be configured");
            }
            if (string.IsNullOrEmpty(tokenUrl))
            {
                Fail("oauth2 token_url must be configured");
            }
            if (clientSecret is not null && clientSecretFile is not null)
            {
                Fail("at most one of oauth2 client_secret & client_secret_file must be configured");
            }
        }
        if (hasProxyConnectHeader && string.IsNullOrEmpty(proxy))
        {
            Fail("if proxy_connect_header is configured proxy_url must also be configured");
        }
        return cfg;
    }

    private static string? Empty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    private TlsConfig? ParseTls(YamlMap parent, string key)
    {
        var m = YamlMap.Open(_ctx, parent.Get(key), parent.KeyPath(key));
        if (m is null)
        {
            return null;
        }
        var tls = new TlsConfig
        {
            CaFile = m.String("ca_file"),
            CertFile = m.String("cert_file"),
            KeyFile = m.String("key_file"),
            ServerName = m.String("server_name"),
            InsecureSkipVerify = m.Bool("insecure_skip_verify") ?? false,
            MinVersion = m.String("min_version"),
        };
        m.Accept("max_version", "ca", "cert", "key", "key_ref");
        m.Done();
        return tls;
    }

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

    private void CheckUrl(YamlMap m, string key, string v)
    {
        if (UrlError(v) is { } err)
        {
            throw _ctx.Error(m.At(key), m.KeyPath(key), err);
        }
    }

    /// <summary>The failures of Go's <c>url.Parse</c> that realistic config values hit.</summary>
    internal static string? GoUrlParseError(string v)
    {
        if (v.Any(c => c < 0x20 || c == 0x7f))
        {
            return $"parse \"{v}\": net/url: invalid control character in URL";
        }
        for (var i = 0; i < v.Length; i++)
        {
            var c = v[i];
            if (char.IsAsciiLetter(c) || (i > 0 && (char.IsAsciiDigit(c) || c is '+' or '-' or '.')))
            {
                continue;
            }
            if (c == ':')
            {
                return i == 0 ? $"parse \"{v}\": missing protocol scheme" : null;
            }
            break;
        }
        var firstSegment = v.Split('/', '?', '#')[0];
        return firstSegment.Contains(':', StringComparison.Ordinal) ? $"parse \"{v}\": first path segment in URL cannot contain colon" : null;
    }

    internal static string? UrlError(string v)
    {
        if (GoUrlParseError(v) is { } parseError)
        {
            return parseError;
        }
        var scheme = string.Empty;
        var colon = v.IndexOf(':', StringComparison.Ordinal);
        if (colon == 0)
        {
            return $"parse \"{v}\": missing protocol scheme";
        }
        if (colon > 0 && SchemePattern().IsMatch(v[..colon]))
        {
            scheme = v[..colon].ToLowerInvariant();
        }
        if (scheme is not ("http" or "https"))
        {
            return $"unsupported scheme \"{scheme}\" for URL";
        }
        var rest = v[(colon + 1)..];
        if (!rest.StartsWith("//", StringComparison.Ordinal))
        {
            return "missing host for URL";
        }
        var authority = rest[2..];
        var end = authority.IndexOfAny(['/', '?', '#']);
        if (end >= 0)
        {
            authority = authority[..end];
        }
        var at = authority.LastIndexOf('@');
        var host = at >= 0 ? authority[(at + 1)..] : authority;
        return host.Length == 0 ? "missing host for URL" : null;
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

    internal static bool IsValidLabelName(string name) => LabelNamePattern().IsMatch(name);

    [GeneratedRegex("^[a-zA-Z][a-zA-Z0-9+.-]*$", RegexOptions.CultureInvariant)]
    private static partial Regex SchemePattern();

    [GeneratedRegex("^[a-zA-Z_][a-zA-Z0-9_]*$", RegexOptions.CultureInvariant)]
    private static partial Regex LabelNamePattern();

    private static string Fmt(long v) => v.ToString(CultureInfo.InvariantCulture);

    // ---------------------------------------------------------------- matchers

    /// <summary><c>match:</c> (equality) or <c>match_re:</c> (regex) maps of label name to value.</summary>
    private List<LabelMatcher> ParseMatchMap(YamlMap m, string key, bool regex)
    {
        var node = m.Get(key);
        var list = new List<LabelMatcher>();
        var entries = YamlMap.ReadStringMap(_ctx, node, m.KeyPath(key), regex ? "config.MatchRegexps" : "map[string]string");
        if (entries is null)
        {
            return list;
        }
        var mapping = (YamlMappingNode)node!;
        foreach (var (name, value, keyNode) in entries)
        {
            if (!IsValidLabelName(name))
            {
                throw _ctx.Error(keyNode, m.KeyPath(key) + "." + name, $"invalid label name \"{name}\"");
            }
            if (regex)
            {
                var valueNode = mapping.Children[keyNode];
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

    // ---------------------------------------------------------------- route

    private RouteSpec ParseRoute(YamlMap m)
    {
        var receiver = m.String("receiver");
        var groupBy = m.StringList("group_by");
        var match = ParseMatchMap(m, "match", regex: false);
        var matchRe = ParseMatchMap(m, "match_re", regex: true);
        var matchers = ParseMatchers(m, "matchers");
        var mute = m.StringList("mute_time_intervals") ?? [];
        var active = m.StringList("active_time_intervals") ?? [];
        var cont = m.Bool("continue") ?? false;
        var groupWait = m.Duration("group_wait");
        var groupInterval = m.Duration("group_interval");
        var repeatInterval = m.Duration("repeat_interval");
        var children = new List<RouteSpec>();
        foreach (var (node, path) in m.Items("routes", "[]*config.Route"))
        {
            var child = YamlMap.Open(_ctx, node, path);
            if (child is not null)
            {
                children.Add(ParseRoute(child));
            }
            else if (YamlScalars.IsNull(node))
            {
                children.Add(new RouteSpec { Line = (int)node.Start.Line });
            }
        }
        m.Done();
        if (!m.HadTypeErrors)
        {
            if (groupBy is not null)
            {
                foreach (var l in groupBy.Where(l => l != "..."))
                {
                    if (!IsValidLabelName(l))
                    {
                        throw _ctx.Error(m.At("group_by"), m.KeyPath("group_by"), $"invalid label name \"{l}\" in group_by list");
                    }
                }
                if (groupBy.Contains("...") && groupBy.Any(l => l != "..."))
                {
                    throw _ctx.Error(m.At("group_by"), m.KeyPath("group_by"), "cannot have wildcard group_by (`...`) and other other labels at the same time");
                }
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (var l in groupBy.Where(l => l != "..."))
                {
                    if (!seen.Add(l))
                    {
                        throw _ctx.Error(m.At("group_by"), m.KeyPath("group_by"), $"duplicated label \"{l}\" in group_by");
                    }
                }
            }
            if (groupInterval == TimeSpan.Zero)
            {
                throw _ctx.Error(m.At("group_interval"), m.KeyPath("group_interval"), "group_interval cannot be zero");
            }
            if (repeatInterval == TimeSpan.Zero)
            {
                throw _ctx.Error(m.At("repeat_interval"), m.KeyPath("repeat_interval"), "repeat_interval cannot be zero");
            }
        }
        return new RouteSpec
        {
            Line = (int)m.Node.Start.Line,
            Receiver = string.IsNullOrEmpty(receiver) ? null : receiver,
            GroupBy = groupBy,
            GroupWait = groupWait,
            GroupInterval = groupInterval,
            RepeatInterval = repeatInterval,
            Continue = cont,
            Match = match,
            MatchRe = matchRe,
            Matchers = matchers,
            MuteTimeIntervals = mute,
            ActiveTimeIntervals = active,
            Routes = children,
        };
    }

    // ---------------------------------------------------------------- inhibit rules

    private InhibitRule? ParseInhibitRule(YamlNode node, string path)
    {
        var m = YamlMap.Open(_ctx, node, path);
        if (m is null)
        {
            return null;
        }
        var source = ParseMatchMap(m, "source_match", regex: false);
        source.AddRange(ParseMatchMap(m, "source_match_re", regex: true));
        source.AddRange(ParseMatchers(m, "source_matchers"));
        var target = ParseMatchMap(m, "target_match", regex: false);
        target.AddRange(ParseMatchMap(m, "target_match_re", regex: true));
        target.AddRange(ParseMatchers(m, "target_matchers"));
        var equal = m.StringList("equal", "model.LabelNames") ?? [];
        foreach (var l in equal)
        {
            if (!IsValidLabelName(l))
            {
                throw _ctx.Error(m.At("equal"), m.KeyPath("equal"), $"\"{l}\" is not a valid label name");
            }
        }
        m.Done();
        return new InhibitRule(source, target, equal) { Line = (int)node.Start.Line };
    }

    // ---------------------------------------------------------------- config-level validation

    private AlertmanagerConfig Validate(YamlMap? root)
    {
        if (root is null)
        {
            // An empty document never reaches Alertmanager's config validation; its loader says this.
            throw _ctx.Error(null, string.Empty, "no route provided in config");
        }
        var global = _global ?? new GlobalConfig();
        var g = _globalMap;
        YamlNode gAt(string k) => (YamlNode?)g?.KeyNode(k) ?? root.Node;
        void Exclusive(string a, string b, bool both)
        {
            if (both)
            {
                throw _ctx.Error(gAt(b), "global." + b, $"at most one of {a} & {b} must be configured");
            }
        }
        Exclusive("slack_api_url", "slack_api_url_file", global.SlackApiUrl is not null && !string.IsNullOrEmpty(global.SlackApiUrlFile));
        Exclusive("slack_app_token", "slack_app_token_file", !string.IsNullOrEmpty(global.SlackAppToken) && !string.IsNullOrEmpty(global.SlackAppTokenFile));
        // Pointing slack_api_url at chat.postMessage was the pre-app-token way to use a bot token, so
        // current Alertmanager still accepts it next to slack_app_token.
        if ((!string.IsNullOrEmpty(global.SlackAppToken) || !string.IsNullOrEmpty(global.SlackAppTokenFile))
            && ((global.SlackApiUrl is not null && global.SlackApiUrl != global.SlackAppUrl) || !string.IsNullOrEmpty(global.SlackApiUrlFile)))
        {
            throw _ctx.Error(gAt("slack_app_token"), "global.slack_app_token", "at most one of slack_app_token/slack_app_token_file & slack_api_url/slack_api_url_file must be configured");
        }
        Exclusive("opsgenie_api_key", "opsgenie_api_key_file", global.GetOther("opsgenie_api_key") is not null && global.GetOther("opsgenie_api_key_file") is not null);
        Exclusive("victorops_api_key", "victorops_api_key_file", global.GetOther("victorops_api_key") is not null && global.GetOther("victorops_api_key_file") is not null);
        Exclusive("smtp_auth_password", "smtp_auth_password_file", !string.IsNullOrEmpty(global.SmtpAuthPassword) && !string.IsNullOrEmpty(global.SmtpAuthPasswordFile));
        Exclusive("smtp_auth_secret", "smtp_auth_secret_file", !string.IsNullOrEmpty(global.SmtpAuthSecret) && !string.IsNullOrEmpty(global.SmtpAuthSecretFile));
        Exclusive("telegram_bot_token", "telegram_bot_token_file", global.GetOther("telegram_bot_token") is not null && global.GetOther("telegram_bot_token_file") is not null);
        Exclusive("wechat_api_secret", "wechat_api_secret_file", global.GetOther("wechat_api_secret") is not null && global.GetOther("wechat_api_secret_file") is not null);
        Exclusive("rocketchat_token", "rocketchat_token_file", global.GetOther("rocketchat_token") is not null && global.GetOther("rocketchat_token_file") is not null);
        Exclusive("rocketchat_token_id", "rocketchat_token_id_file", global.GetOther("rocketchat_token_id") is not null && global.GetOther("rocketchat_token_id_file") is not null);
        Exclusive("mattermost_webhook_url", "mattermost_webhook_url_file", global.GetOther("mattermost_webhook_url") is not null && global.GetOther("mattermost_webhook_url_file") is not null);

        var names = new HashSet<string>(StringComparer.Ordinal);
        var receivers = new List<Receiver>();
        foreach (var (receiver, draft) in _receivers)
        {
            if (!names.Add(receiver.Name))
            {
                throw _ctx.Error(draft.Node, draft.Path + ".name", $"notification config name \"{receiver.Name}\" is not unique");
            }
            receivers.Add(ApplyGlobals(receiver, draft, global));
        }

        if (_route is null)
        {
            throw _ctx.Error(_routeNode ?? root.Node, "route", "no routes provided");
        }
        if (_route.Receiver is null)
        {
            throw _ctx.Error(_routeNode, "route.receiver", "root route must specify a default receiver");
        }
        if (_route.HasMatchers)
        {
            throw _ctx.Error(_routeNode, "route", "root route must not have any matchers");
        }
        if (_route.MuteTimeIntervals.Count > 0)
        {
            throw _ctx.Error(_routeNode, "route.mute_time_intervals", "root route must not have any mute time intervals");
        }
        if (_route.ActiveTimeIntervals.Count > 0)
        {
            throw _ctx.Error(_routeNode, "route.active_time_intervals", "root route must not have any active time intervals");
        }
        if (_route.Continue)
        {
            throw _ctx.Error(_routeNode, "route.continue", "cannot have continue in root route");
        }
        CheckReceivers(_route, "route", names);

        var intervals = new Dictionary<string, TimeInterval>(StringComparer.Ordinal);
        foreach (var (ti, node, mute) in _intervals.OrderBy(i => i.Mute ? 0 : 1))
        {
            if (!intervals.TryAdd(ti.Name, ti))
            {
                throw _ctx.Error(node, mute ? "mute_time_intervals" : "time_intervals", $"{(mute ? "mute time interval" : "time interval")} \"{ti.Name}\" is not unique");
            }
        }
        CheckTimeIntervals(_route, "route", intervals);

        return new AlertmanagerConfig(_ctx.File, global, new Route(null, _route), receivers, _inhibitRules, intervals, _templates);
    }

    // Alertmanager checks children before their parent, so the deepest bad reference is reported.
    private void CheckReceivers(RouteSpec r, string path, HashSet<string> names)
    {
        for (var i = 0; i < r.Routes.Count; i++)
        {
            CheckReceivers(r.Routes[i], $"{path}.routes[{i}]", names);
        }
        if (r.Receiver is not null && !names.Contains(r.Receiver))
        {
            throw new ConfigException(_ctx.File, r.Line, 0, path + ".receiver", $"undefined receiver \"{r.Receiver}\" used in route");
        }
    }

    private void CheckTimeIntervals(RouteSpec r, string path, Dictionary<string, TimeInterval> intervals)
    {
        for (var i = 0; i < r.Routes.Count; i++)
        {
            CheckTimeIntervals(r.Routes[i], $"{path}.routes[{i}]", intervals);
        }
        foreach (var name in r.ActiveTimeIntervals.Concat(r.MuteTimeIntervals))
        {
            if (!intervals.ContainsKey(name))
            {
                throw new ConfigException(_ctx.File, r.Line, 0, path, $"undefined time interval \"{name}\" used in route");
            }
        }
    }
}
