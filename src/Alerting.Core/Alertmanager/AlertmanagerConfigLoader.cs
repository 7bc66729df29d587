using Alerting.Core.Config;

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
        var config = Parse(File.ReadAllText(path), path);
        return config.WithHttpPathsRelativeTo(Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".");
    }

    public static AlertmanagerConfig Parse(string yaml, string fileName)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        ArgumentNullException.ThrowIfNull(fileName);
        return new ConfigParser(fileName).Parse(yaml).WithOriginal(yaml);
    }
}

internal sealed partial class ConfigParser(string fileName)
{
    private readonly YamlContext _ctx = new(fileName, YamlDialect.GoYamlV2);

    private GlobalConfig? _global;
    private YamlMap? _globalMap;
    private RouteSpec? _route;
    private YamlNode? _routeNode;
    private readonly List<(Receiver Receiver, ReceiverDraft Draft)> _receivers = [];
    private readonly List<InhibitRule> _inhibitRules = [];
    private readonly List<(TimeInterval Interval, YamlNode Node, bool Mute)> _intervals = [];
    private List<string> _templates = [];

    public AlertmanagerConfig Parse(string yaml)
    {
        var rootNode = YamlLoader.Load(yaml, _ctx.File, YamlDialect.GoYamlV2);
        var root = YamlMap.Open(_ctx, rootNode, string.Empty);
        if (root is not null && root.Node is YamlMapping rootMapping)
        {
            // Go decodes keys in document order, so the first failing block in the file is the one reported.
            foreach (var (keyNode, _) in rootMapping.Children)
            {
                var key = (keyNode as YamlScalar)?.Value;
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
        _ctx.ThrowIfTypeErrors();
        return Validate(root);
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
