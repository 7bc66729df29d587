namespace Alerting.Core.Alertmanager;

/// <summary>A validated <c>alertmanager.yml</c>, with Alertmanager's defaults and global inheritance applied.</summary>
public sealed class AlertmanagerConfig
{
    internal AlertmanagerConfig(
        string fileName,
        GlobalConfig global,
        Route root,
        IReadOnlyList<Receiver> receivers,
        IReadOnlyList<InhibitRule> inhibitRules,
        IReadOnlyDictionary<string, TimeInterval> timeIntervals,
        IReadOnlyList<string> templates)
    {
        FileName = fileName;
        Global = global;
        Root = root;
        Receivers = receivers;
        InhibitRules = inhibitRules;
        TimeIntervals = timeIntervals;
        Templates = templates;
        Unsupported = receivers.SelectMany(r => r.Unsupported.Select(u => $"{r.Name}: {u}")).ToArray();
    }

    public string FileName { get; }

    /// <summary>
    /// The YAML text this config was loaded from, as written (secrets included): what
    /// <c>GET /api/v2/status</c> reports as <c>config.original</c> once <see cref="ConfigSecrets"/> masked it.
    /// </summary>
    public string Original { get; private set; } = string.Empty;

    internal AlertmanagerConfig WithOriginal(string yaml)
    {
        Original = yaml;
        return this;
    }

    public GlobalConfig Global { get; }

    public Route Root { get; }

    public IReadOnlyList<Receiver> Receivers { get; }

    public IReadOnlyList<InhibitRule> InhibitRules { get; }

    /// <summary>Both <c>time_intervals</c> and the deprecated <c>mute_time_intervals</c>, by name.</summary>
    public IReadOnlyDictionary<string, TimeInterval> TimeIntervals { get; }

    /// <summary>Template globs as written (relative ones are relative to the config file's folder).</summary>
    public IReadOnlyList<string> Templates { get; }

    /// <summary>
    /// Receiver integrations we accept (Alertmanager would) but do not deliver, as
    /// <c>receiver: opsgenie_configs</c>. Alerts routed only to these reach no one.
    /// </summary>
    public IReadOnlyList<string> Unsupported { get; }

    /// <summary>The same, with file, line and key, for user-facing warnings or errors.</summary>
    public IReadOnlyList<UnsupportedIntegration> UnsupportedIntegrations => Receivers.SelectMany(r => r.UnsupportedIntegrations).ToArray();

    /// <summary>
    /// The same config with every <c>http_config</c> file path (bearer token, passwords, TLS files) made
    /// absolute against <paramref name="baseDir"/>; template globs are resolved by
    /// amtool's template-file resolution (<c>AmtoolCompat.ResolveTemplateFiles</c> in Alerting.Tooling). Other <c>*_file</c> settings stay as written, as in Alertmanager.
    /// </summary>
    internal AlertmanagerConfig WithHttpPathsRelativeTo(string baseDir) => new(
        FileName,
        Global with { HttpConfig = Global.HttpConfig.ResolvePaths(baseDir) },
        Root,
        Receivers.Select(r => r with
        {
            SlackConfigs = r.SlackConfigs.Select(c => c with { HttpConfig = c.HttpConfig.ResolvePaths(baseDir) }).ToArray(),
            PagerDutyConfigs = r.PagerDutyConfigs.Select(c => c with { HttpConfig = c.HttpConfig.ResolvePaths(baseDir) }).ToArray(),
            WebhookConfigs = r.WebhookConfigs.Select(c => c with { HttpConfig = c.HttpConfig.ResolvePaths(baseDir) }).ToArray(),
            OpsGenieConfigs = r.OpsGenieConfigs.Select(c => c with { HttpConfig = c.HttpConfig.ResolvePaths(baseDir) }).ToArray(),
            MsTeamsConfigs = r.MsTeamsConfigs.Select(c => c with { HttpConfig = c.HttpConfig.ResolvePaths(baseDir) }).ToArray(),
            TelegramConfigs = r.TelegramConfigs.Select(c => c with { HttpConfig = c.HttpConfig.ResolvePaths(baseDir) }).ToArray(),
            DiscordConfigs = r.DiscordConfigs.Select(c => c with { HttpConfig = c.HttpConfig.ResolvePaths(baseDir) }).ToArray(),
            WeChatConfigs = r.WeChatConfigs.Select(c => c with { HttpConfig = c.HttpConfig.ResolvePaths(baseDir) }).ToArray(),
            MsTeamsV2Configs = r.MsTeamsV2Configs.Select(c => c with { HttpConfig = c.HttpConfig.ResolvePaths(baseDir) }).ToArray(),
            VictorOpsConfigs = r.VictorOpsConfigs.Select(c => c with { HttpConfig = c.HttpConfig.ResolvePaths(baseDir) }).ToArray(),
            WebexConfigs = r.WebexConfigs.Select(c => c with { HttpConfig = c.HttpConfig.ResolvePaths(baseDir) }).ToArray(),
            PushoverConfigs = r.PushoverConfigs.Select(c => c with { HttpConfig = c.HttpConfig.ResolvePaths(baseDir) }).ToArray(),
            MattermostConfigs = r.MattermostConfigs.Select(c => c with { HttpConfig = c.HttpConfig.ResolvePaths(baseDir) }).ToArray(),
            RocketchatConfigs = r.RocketchatConfigs.Select(c => c with { HttpConfig = c.HttpConfig.ResolvePaths(baseDir) }).ToArray(),
        }).ToArray(),
        InhibitRules,
        TimeIntervals,
        Templates)
    {
        Original = Original,
    };

    public Receiver? GetReceiver(string name) => Receivers.FirstOrDefault(r => r.Name == name);

    public Inhibitor CreateInhibitor() => new(InhibitRules);

    /// <summary>
    /// Whether notifications of <paramref name="match"/> are suppressed at <paramref name="now"/>: a mute
    /// interval is active, or active intervals are configured and none is active.
    /// </summary>
    public bool IsMuted(RouteMatch match, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(match);
        if (match.MuteTimeIntervals.Any(n => TimeIntervals.TryGetValue(n, out var ti) && ti.IsActive(now)))
        {
            return true;
        }
        return match.ActiveTimeIntervals.Count > 0
            && !match.ActiveTimeIntervals.Any(n => TimeIntervals.TryGetValue(n, out var ti) && ti.IsActive(now));
    }
}
