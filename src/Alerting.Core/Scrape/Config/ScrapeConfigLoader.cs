using Alerting.Core.Config;
using Alerting.Core.Model;
using Alerting.Core.Relabel;

namespace Alerting.Core.Scrape.Config;

/// <summary>
/// Loads the Prometheus-compatible part of <c>prometheus.yml</c> we collect with, decoded as Prometheus
/// 2.42 decodes it (yaml.v2 strict: unknown fields and type errors listed together; a bad duration or a
/// failed check aborts), so <c>alerting check scrape</c> gives <c>promtool check config</c>'s verdict.
/// Valid Prometheus settings we cannot honour are errors naming the key; settings that only tune
/// Prometheus' own storage are accepted and listed in <see cref="CollectionConfig.Warnings"/>.
/// </summary>
public static class ScrapeConfigLoader
{
    /// <summary>Sections of prometheus.yml that are valid but belong to parts we replace; accepted with a warning.</summary>
    private static readonly string[] IgnoredTopLevel = ["alerting", "remote_read", "storage", "tracing", "otlp", "runtime"];

    /// <summary>Valid Prometheus globals with no effect here.</summary>
    private static readonly string[] IgnoredGlobal =
    [
        "query_log_file", "scrape_failure_log_file", "body_size_limit", "sample_limit", "label_limit", "label_name_length_limit",
        "label_value_length_limit", "target_limit", "keep_dropped_targets", "metric_name_validation_scheme", "scrape_protocols", "rule_query_offset",
    ];

    /// <summary>Valid Prometheus scrape_config keys that only tune Prometheus' own storage or protocol negotiation.</summary>
    private static readonly string[] IgnoredScrapeKeys =
    [
        "label_limit", "label_name_length_limit", "label_value_length_limit", "target_limit", "keep_dropped_targets",
        "track_timestamps_staleness", "enable_compression",
        "native_histogram_bucket_limit", "native_histogram_min_bucket_factor",
        "scrape_failure_log_file", "metric_name_validation_scheme",
        "metric_name_escaping_scheme", "fallback_scrape_protocol",
    ];

    /// <summary>Valid Prometheus keys that change how a target is reached; silently ignoring them would scrape wrongly.</summary>
    private static readonly string[] UnsupportedScrapeKeys = ["http_headers"];

    public static CollectionConfig Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Parse(File.ReadAllText(path), path);
    }

    public static CollectionConfig Parse(string yaml, string fileName = "<config>")
    {
        ArgumentNullException.ThrowIfNull(yaml);
        var (ctx, rootNode) = YamlContext.Load(yaml, fileName, YamlDialect.GoYamlV2);
        var root = YamlMap.Open(ctx, rootNode, string.Empty);
        if (root is null)
        {
            ctx.ThrowIfTypeErrors();
            return new CollectionConfig { SourcePath = fileName };
        }
        var warnings = new List<string>();
        // The global section decides defaults for every job, so it is read first, as Go fills it in before validating jobs.
        var global = ParseGlobal(root);
        var ruleFiles = root.StringList("rule_files") ?? [];
        var remoteWrite = Remote.Write.RemoteWriteConfigParser.Parse(root, warnings);
        foreach (var key in IgnoredTopLevel.Where(root.Has))
        {
            warnings.Add($"{fileName}:{root.KeyNode(key)!.Start.Line}: {key}: accepted but not used by this system");
        }
        root.Accept(IgnoredTopLevel);
        if (root.Has("scrape_config_files"))
        {
            // Ignoring it would silently lose every job those files define.
            throw ctx.Error(root.At("scrape_config_files"), "scrape_config_files", "scrape_config_files is not supported; put the jobs under scrape_configs");
        }
        var drafts = new List<(YamlNode Node, string Path, ScrapeConfig? Job)>();
        foreach (var (item, path) in root.Items("scrape_configs", "[]*config.ScrapeConfig"))
        {
            drafts.Add((item, path, YamlScalars.IsNull(item) ? null : ParseScrapeConfig(ctx, item, path, warnings)));
        }
        root.Done();
        ctx.ThrowIfTypeErrors();

        foreach (var rf in ruleFiles)
        {
            if (!FileSdPatterns.IsValidRulePath(rf))
            {
                throw ctx.Error(root.At("rule_files"), "rule_files", $"invalid rule file path \"{rf}\"");
            }
        }
        var jobs = new List<ScrapeConfig>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (node, path, draft) in drafts)
        {
            if (draft is null)
            {
                throw ctx.Error(node, path, "empty or null scrape config section");
            }
            var job = ApplyGlobal(ctx, node, path, draft, global);
            if (!names.Add(job.JobName))
            {
                throw ctx.Error(node, path + ".job_name", $"found multiple scrape configs with job name \"{job.JobName}\"");
            }
            jobs.Add(job);
        }
        return new CollectionConfig { Global = global, ScrapeConfigs = jobs, RuleFiles = ruleFiles, RemoteWrite = remoteWrite, Warnings = warnings, SourcePath = fileName };
    }

    /// <summary>
    /// promtool's extra check of a loaded config: every static target, relabelled, must make a valid
    /// target (<c>instance 0 in group 0: "http://x/metrics" is not a valid hostname</c>). Prometheus
    /// itself only drops such a target, so the app loads the file and logs it per scrape.
    /// </summary>
    public static IReadOnlyList<string> StaticTargetProblems(CollectionConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var problems = new List<string>();
        foreach (var job in config.ScrapeConfigs)
        {
            for (var g = 0; g < job.StaticConfigs.Count; g++)
            {
                var i = 0;
                foreach (var labels in job.StaticConfigs[g].TargetLabelSets())
                {
                    if (Discovery.TargetBuilder.Build(labels, job).Error is { } error)
                    {
                        problems.Add($"instance {i} in group {g}: {error}");
                    }
                    i++;
                }
            }
        }
        return problems;
    }

    private static GlobalConfig ParseGlobal(YamlMap root)
    {
        var m = root.Map("global");
        if (m is null)
        {
            return new GlobalConfig();
        }
        var interval = m.Duration("scrape_interval");
        var timeout = m.Duration("scrape_timeout");
        var evaluation = m.Duration("evaluation_interval");
        var external = LabelSet(m, "external_labels");
        m.Accept(IgnoredGlobal);
        m.Done();
        if (m.HadTypeErrors)
        {
            return new GlobalConfig();
        }
        if (external.Has(Labels.MetricName))
        {
            throw m.Ctx.Error(m.At("external_labels"), m.KeyPath("external_labels"), "\"__name__\" is not a valid label name");
        }
        var effectiveInterval = interval is { } i && i != TimeSpan.Zero ? i : GlobalConfig.DefaultScrapeInterval;
        if (timeout is { } t && t > effectiveInterval)
        {
            throw m.Ctx.Error(m.At("scrape_timeout"), m.KeyPath("scrape_timeout"), "global scrape timeout greater than scrape interval");
        }
        var effectiveTimeout = timeout is { } t2 && t2 != TimeSpan.Zero ? t2
            : GlobalConfig.DefaultScrapeTimeout > effectiveInterval ? effectiveInterval : GlobalConfig.DefaultScrapeTimeout;
        return new GlobalConfig
        {
            ScrapeInterval = effectiveInterval,
            ScrapeTimeout = effectiveTimeout,
            EvaluationInterval = evaluation is { } e && e != TimeSpan.Zero ? e : GlobalConfig.DefaultEvaluationInterval,
            ExternalLabels = external,
        };
    }

    /// <summary><c>scrape_protocols</c> as Prometheus validates it: known names, not empty, no repeats.</summary>
    private static IReadOnlyList<string>? ParseScrapeProtocols(YamlMap m)
    {
        if (m.StringList("scrape_protocols") is not { } protocols)
        {
            return null;
        }
        if (protocols.Count == 0)
        {
            throw m.Ctx.Error(m.At("scrape_protocols"), m.KeyPath("scrape_protocols"), "scrape_protocols cannot be empty");
        }
        foreach (var protocol in protocols)
        {
            if (Exposition.ScrapeProtocols.Validate(protocol) is { } error)
            {
                throw m.Ctx.Error(m.At("scrape_protocols"), m.KeyPath("scrape_protocols"), error);
            }
        }
        if (protocols.Distinct(StringComparer.Ordinal).Count() != protocols.Count)
        {
            throw m.Ctx.Error(m.At("scrape_protocols"), m.KeyPath("scrape_protocols"), "duplicated protocol in scrape_protocols");
        }
        return protocols;
    }

    /// <summary>A label set as Prometheus validates it: legal names.</summary>
    private static Labels LabelSet(YamlMap m, string key)
    {
        var list = new List<Label>();
        foreach (var (name, value, keyNode) in m.StringMap(key, "model.LabelSet") ?? [])
        {
            if (!PromNames.IsValidLabelName(name))
            {
                throw m.Ctx.Error(keyNode, m.KeyPath(key) + "." + name, $"\"{name}\" is not a valid label name");
            }
            list.Add(new Label(name, value));
        }
        return Labels.From(list);
    }

    private static ScrapeConfig? ParseScrapeConfig(YamlContext ctx, YamlNode node, string path, List<string> warnings)
    {
        var m = YamlMap.Open(ctx, node, path, "config.ScrapeConfig");
        if (m is null)
        {
            return null;
        }
        var jobName = m.String("job_name") ?? string.Empty;
        var scheme = m.String("scheme");
        var parameters = m.Map("params", "url.Values");
        var paramValues = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        if (parameters is not null)
        {
            foreach (var name in parameters.Keys.ToList())
            {
                paramValues[name] = parameters.StringList(name) ?? [];
            }
            parameters.Done();
        }
        var cfg = new ScrapeConfig
        {
            JobName = jobName,
            ScrapeInterval = m.Duration("scrape_interval") ?? TimeSpan.Zero,
            ScrapeTimeout = m.Duration("scrape_timeout") ?? TimeSpan.Zero,
            MetricsPath = m.String("metrics_path") ?? "/metrics",
            Scheme = scheme ?? "http",
            Params = paramValues,
            HonorLabels = m.Bool("honor_labels") ?? false,
            HonorTimestamps = m.Bool("honor_timestamps") ?? true,
            SampleLimit = m.Int("sample_limit", "uint") ?? 0,
            BodySizeLimitBytes = ByteSize(m, "body_size_limit"),
            StaticConfigs = m.Items("static_configs", "[]*targetgroup.Group").Select(x => ParseStaticConfig(ctx, x.Node, x.KeyPath)).OfType<TargetGroup>().ToArray(),
            FileSdConfigs = m.Items("file_sd_configs", "[]*file.SDConfig").Select(x => ParseFileSd(ctx, x.Node, x.KeyPath)).OfType<FileSdConfig>().ToArray(),
            HttpSdConfigs = m.Items("http_sd_configs", "[]*http.SDConfig").Select(x => ParseHttpSd(ctx, x.Node, x.KeyPath)).OfType<HttpSdConfig>().ToArray(),
            DnsSdConfigs = m.Items("dns_sd_configs", "[]*dns.SDConfig").Select(x => ParseDnsSd(ctx, x.Node, x.KeyPath)).OfType<DnsSdConfig>().ToArray(),
            FlySdConfigs = m.Items("fly_sd_configs", "[]*fly.SDConfig").Select(x => Discovery.Fly.FlySdConfigParser.Parse(ctx, x.Node, x.KeyPath)).OfType<Discovery.Fly.FlySdConfig>().ToArray(),
            RelabelConfigs = ParseRelabelConfigs(m, "relabel_configs"),
            MetricRelabelConfigs = ParseRelabelConfigs(m, "metric_relabel_configs"),
            JsonExporter = m.Map("json_exporter", "json_exporter") is { } json ? ExtensionParsers.ParseJsonMapping(json) : null,
            HttpProbe = m.Map("http_probe", "http_probe") is { } probe ? ExtensionParsers.ParseHttpProbe(probe) : null,
        };
        cfg = cfg with
        {
            ScrapeProtocols = ParseScrapeProtocols(m),
            ScrapeNativeHistograms = m.Bool("scrape_native_histograms") ?? false,
            AlwaysScrapeClassicHistograms = m.Bool("always_scrape_classic_histograms") ?? m.Bool("scrape_classic_histograms") ?? false,
            ConvertClassicHistogramsToNhcb = m.Bool("convert_classic_histograms_to_nhcb") ?? false,
        };
        var http = HttpClientConfigParser.ParseFields(m);
        foreach (var key in IgnoredScrapeKeys.Where(m.Has))
        {
            warnings.Add($"{ctx.File}:{m.KeyNode(key)!.Start.Line}: {m.KeyPath(key)}: accepted but not used by this system");
        }
        m.Accept(IgnoredScrapeKeys);
        foreach (var key in m.Keys)
        {
            if (Array.IndexOf(UnsupportedScrapeKeys, key) >= 0)
            {
                throw ctx.Error(m.At(key), m.KeyPath(key), $"{key} is a Prometheus option this system does not support");
            }
            if (key.EndsWith("_sd_configs", StringComparison.Ordinal) && key is not ("file_sd_configs" or "http_sd_configs" or "dns_sd_configs" or "fly_sd_configs"))
            {
                throw ctx.Error(m.At(key), m.KeyPath(key), $"{key} is not supported; use static_configs, file_sd_configs, http_sd_configs, dns_sd_configs or fly_sd_configs");
            }
        }
        m.Done();
        if (m.HadTypeErrors)
        {
            return cfg;
        }
        if (jobName.Length == 0)
        {
            throw ctx.Error(node, path + ".job_name", "job_name is empty");
        }
        if (scheme is not (null or "http" or "https"))
        {
            throw ctx.Error(m.At("scheme"), m.KeyPath("scheme"), $"unknown scrape config scheme \"{scheme}\" (only http and https)");
        }
        cfg = cfg with { HttpConfig = HttpClientConfigParser.Validate(m, http) };
        if (cfg.RelabelConfigs.Count == 0)
        {
            // Users putting URLs in target groups; with relabelling the address may still be rewritten.
            foreach (var (item, itemPath) in m.Items("static_configs", "[]*targetgroup.Group"))
            {
                foreach (var (t, tp) in ctx.Items((item as YamlMapping)?.Get("targets"), itemPath + ".targets", "[]string"))
                {
                    if (t is YamlScalar s && TargetAddress.Check(s.Value) is { } problem)
                    {
                        throw ctx.Error(t, tp, problem);
                    }
                }
            }
        }
        if (cfg.JsonExporter is not null && cfg.HttpProbe is not null)
        {
            throw ctx.Error(node, path, "json_exporter and http_probe cannot both be set on one job");
        }
        return cfg;
    }

    /// <summary>Prometheus' defaults from the global section and its interval/timeout check.</summary>
    private static ScrapeConfig ApplyGlobal(YamlContext ctx, YamlNode node, string path, ScrapeConfig cfg, GlobalConfig global)
    {
        var interval = cfg.ScrapeInterval != TimeSpan.Zero ? cfg.ScrapeInterval : global.ScrapeInterval;
        if (cfg.ScrapeTimeout > interval)
        {
            var at = (node as YamlMapping)?.Get("scrape_timeout") ?? node;
            throw ctx.Error(at, path + ".scrape_timeout", $"scrape timeout greater than scrape interval for scrape config with job name \"{cfg.JobName}\"");
        }
        var timeout = cfg.ScrapeTimeout != TimeSpan.Zero ? cfg.ScrapeTimeout : global.ScrapeTimeout > interval ? interval : global.ScrapeTimeout;
        return cfg with { ScrapeInterval = interval, ScrapeTimeout = timeout };
    }

    /// <summary>Prometheus' byte sizes: a number with an optional KB/MB/GB... unit (powers of 1024).</summary>
    private static long ByteSize(YamlMap m, string key)
    {
        var s = m.String(key)?.Trim();
        if (s is null)
        {
            return 0;
        }
        var units = new (string Unit, long Mult)[] { ("KB", 1L << 10), ("MB", 1L << 20), ("GB", 1L << 30), ("TB", 1L << 40), ("PB", 1L << 50), ("B", 1) };
        foreach (var (unit, mult) in units)
        {
            if (s.EndsWith(unit, StringComparison.OrdinalIgnoreCase) &&
                long.TryParse(s[..^unit.Length], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n))
            {
                return n * mult;
            }
        }
        return long.TryParse(s, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var plain)
            ? plain
            : throw m.Ctx.Error(m.At(key), m.KeyPath(key), $"invalid byte size \"{s}\"");
    }

    private static TargetGroup? ParseStaticConfig(YamlContext ctx, YamlNode node, string path)
    {
        var m = YamlMap.Open(ctx, node, path, TargetGroupParser.GoType);
        if (m is null)
        {
            return null;
        }
        var targets = m.StringList("targets") ?? [];
        var labels = LabelSet(m, "labels");
        m.Done();
        return new TargetGroup(targets, labels, path);
    }

    /// <summary>A list of relabel configs (also used for our extensions' relabelling).</summary>
    internal static IReadOnlyList<RelabelConfig> ParseRelabelConfigs(YamlMap parent, string key)
    {
        var list = new List<RelabelConfig>();
        foreach (var (item, path) in parent.Items(key, "[]*relabel.Config"))
        {
            var m = YamlMap.Open(parent.Ctx, item, path, "relabel.plain");
            if (m is null)
            {
                throw parent.Ctx.Error(item, path, key == "metric_relabel_configs"
                    ? "empty or null metric relabeling rule in scrape config"
                    : "empty or null target relabeling rule in scrape config");
            }
            var sourceLabels = m.StringList("source_labels", "model.LabelNames");
            var separator = m.String("separator");
            var regex = m.String("regex");
            var modulus = m.Int("modulus", "uint64");
            var target = m.String("target_label");
            var replacement = m.String("replacement");
            var action = m.String("action");
            m.Done();
            if (m.HadTypeErrors)
            {
                continue;
            }
            foreach (var n in sourceLabels ?? [])
            {
                if (!PromNames.IsValidLabelName(n))
                {
                    throw m.Ctx.Error(m.At("source_labels"), m.KeyPath("source_labels"), $"\"{n}\" is not a valid label name");
                }
            }
            var cfg = new RelabelConfig();
            try
            {
                cfg = cfg with
                {
                    SourceLabels = sourceLabels?.ToArray() ?? cfg.SourceLabels,
                    Separator = separator ?? cfg.Separator,
                    Regex = regex is null ? cfg.Regex : new RelabelRegex(regex),
                    Modulus = (ulong)(modulus ?? 0),
                    TargetLabel = target ?? cfg.TargetLabel,
                    Replacement = replacement ?? cfg.Replacement,
                    Action = action is null ? cfg.Action : RelabelConfig.ParseAction(action),
                };
            }
            catch (FormatException ex)
            {
                var bad = ex.Message.StartsWith("unknown relabel action", StringComparison.Ordinal) ? "action" : "regex";
                throw m.Ctx.Error(m.At(bad), m.KeyPath(bad), ex.Message);
            }
            catch (ArgumentException ex)
            {
                throw m.Ctx.Error(m.At("regex"), m.KeyPath("regex"), ex.Message);
            }
            try
            {
                cfg.Validate();
            }
            catch (FormatException ex)
            {
                throw m.Ctx.Error(item, path, ex.Message);
            }
            list.Add(cfg);
        }
        return list;
    }

    private static FileSdConfig? ParseFileSd(YamlContext ctx, YamlNode node, string path)
    {
        var m = YamlMap.Open(ctx, node, path, "file.plain");
        if (m is null)
        {
            return null;
        }
        var cfg = new FileSdConfig { Files = m.StringList("files") ?? [] };
        cfg = cfg with { RefreshInterval = m.Duration("refresh_interval") ?? cfg.RefreshInterval };
        m.Done();
        if (m.HadTypeErrors)
        {
            return cfg;
        }
        if (cfg.Files.Count == 0)
        {
            throw ctx.Error(node, path, "file service discovery config must contain at least one path name");
        }
        foreach (var f in cfg.Files)
        {
            if (!FileSdPatterns.IsValid(f))
            {
                throw ctx.Error(m.At("files"), m.KeyPath("files"), $"path name \"{f}\" is not valid for file discovery");
            }
        }
        return cfg;
    }

    private static HttpSdConfig? ParseHttpSd(YamlContext ctx, YamlNode node, string path)
    {
        var m = YamlMap.Open(ctx, node, path, "http.plain");
        if (m is null)
        {
            return null;
        }
        var url = m.String("url");
        var refresh = m.Duration("refresh_interval") ?? TimeSpan.FromMinutes(1);
        var http = HttpClientConfigParser.ParseFields(m);
        m.Done();
        if (m.HadTypeErrors)
        {
            return null;
        }
        if (string.IsNullOrEmpty(url))
        {
            throw ctx.Error(node, path, "URL is missing");
        }
        if (GoUrl.ParseError(url) is { } parseError)
        {
            throw ctx.Error(m.At("url"), m.KeyPath("url"), parseError);
        }
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw ctx.Error(m.At("url"), m.KeyPath("url"), "URL scheme must be 'http' or 'https'");
        }
        if (uri.Host.Length == 0)
        {
            throw ctx.Error(m.At("url"), m.KeyPath("url"), "host is missing in URL");
        }
        return new HttpSdConfig { Url = uri, RefreshInterval = refresh, HttpConfig = HttpClientConfigParser.Validate(m, http) };
    }

    private static DnsSdConfig? ParseDnsSd(YamlContext ctx, YamlNode node, string path)
    {
        var m = YamlMap.Open(ctx, node, path, "dns.plain");
        if (m is null)
        {
            return null;
        }
        var names = m.StringList("names") ?? [];
        var type = (m.String("type") ?? "SRV").ToUpperInvariant();
        var port = m.Int("port") ?? 0;
        var refresh = m.Duration("refresh_interval");
        m.Done();
        if (m.HadTypeErrors)
        {
            return null;
        }
        if (names.Count == 0)
        {
            throw ctx.Error(node, path, "DNS-SD config must contain at least one SRV record name");
        }
        var recordType = type switch
        {
            "SRV" => DnsRecordType.SRV,
            "A" => DnsRecordType.A,
            "AAAA" => DnsRecordType.AAAA,
            _ => throw ctx.Error(m.At("type"), m.KeyPath("type"), $"invalid DNS-SD records type {type}"),
        };
        if (recordType != DnsRecordType.SRV && port == 0)
        {
            throw ctx.Error(node, path, "a port is required in DNS-SD configs for all record types except SRV");
        }
        var cfg = new DnsSdConfig { Names = names, Type = recordType, Port = (int)port };
        return refresh is { } r ? cfg with { RefreshInterval = r } : cfg;
    }
}
