using Alerting.Core.Relabel;
using Alerting.Core.Model;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Alerting.Core.Scrape.Config;

/// <summary>
/// Loads the Prometheus-compatible subset of <c>prometheus.yml</c> we collect with. Unknown keys are
/// errors (Prometheus is strict too); every error names file, line, column and key path.
/// </summary>
public static class ScrapeConfigLoader
{
    /// <summary>Sections of prometheus.yml that are valid but belong to parts we replace; accepted with a warning.</summary>
    private static readonly HashSet<string> IgnoredTopLevel = new(StringComparer.Ordinal)
    {
        "alerting", "remote_write", "remote_read", "storage", "tracing", "otlp", "runtime",
    };

    public static CollectionConfig Load(string path)
    {
        var text = File.ReadAllText(path);
        return Parse(text, path);
    }

    public static CollectionConfig Parse(string yaml, string fileName = "<config>")
    {
        ArgumentNullException.ThrowIfNull(yaml);
        var r = new YamlReader(fileName);
        var stream = new YamlStream();
        if (Yaml.YamlDepth.FindTooDeep(yaml) is { } deep)
        {
            throw new ScrapeConfigException(fileName, deep.Line, deep.Column, string.Empty, $"yaml: exceeded max depth of {Yaml.YamlDepth.Max}");
        }
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException ex)
        {
            throw new ScrapeConfigException(fileName, (int)ex.Start.Line, (int)ex.Start.Column, string.Empty, ex.Message);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
        {
            // YamlDotNet throws these on a few malformed documents instead of a YamlException.
            throw new ScrapeConfigException(fileName, 0, 0, string.Empty, "the file is not valid YAML (check for a key without a name, such as a line that starts with ':')");
        }
        if (stream.Documents.Count == 0)
        {
            return new CollectionConfig { SourcePath = fileName };
        }
        var root = stream.Documents[0].RootNode;

        // The global section decides defaults for every job, so read it before the jobs.
        var global = new GlobalConfig();
        var warnings = new List<string>();
        var ruleFiles = new List<string>();
        YamlNode? scrapeNode = null;
        foreach (var (key, value, path) in r.Entries(root, string.Empty))
        {
            switch (key)
            {
                case "global":
                    global = ParseGlobal(r, value, path);
                    break;
                case "scrape_configs":
                    scrapeNode = value;
                    break;
                case "rule_files":
                    ruleFiles.AddRange(r.StringList(value, path));
                    break;
                default:
                    if (key == "scrape_config_files")
                    {
                        // Ignoring it would silently lose every job those files define.
                        throw r.Error(value, path, "scrape_config_files is not supported; put the jobs under scrape_configs");
                    }
                    if (IgnoredTopLevel.Contains(key))
                    {
                        warnings.Add($"{fileName}:{value.Start.Line}: {key}: accepted but not used by this system");
                        break;
                    }
                    throw r.Error(value, path, $"field {key} not found in type config.plain");
            }
        }

        var jobs = new List<ScrapeConfig>();
        if (scrapeNode is not null)
        {
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (item, path) in r.Items(scrapeNode, "scrape_configs"))
            {
                if (YamlReader.IsNull(item))
                {
                    throw r.Error(item, path, "empty or null scrape config section");
                }
                var job = ParseScrapeConfig(r, item, path, global, warnings);
                if (!names.Add(job.JobName))
                {
                    throw r.Error(item, path + ".job_name", $"found multiple scrape configs with job name \"{job.JobName}\"");
                }
                jobs.Add(job);
            }
        }
        return new CollectionConfig
        {
            Global = global,
            ScrapeConfigs = jobs,
            RuleFiles = ruleFiles,
            Warnings = warnings,
            SourcePath = fileName,
        };
    }

    private static GlobalConfig ParseGlobal(YamlReader r, YamlNode node, string path)
    {
        TimeSpan? interval = null;
        TimeSpan? timeout = null;
        var g = new GlobalConfig();
        foreach (var (key, value, p) in r.Entries(node, path))
        {
            switch (key)
            {
                case "scrape_interval":
                    interval = r.Duration(value, p);
                    break;
                case "scrape_timeout":
                    timeout = r.Duration(value, p);
                    break;
                case "evaluation_interval":
                    g = g with { EvaluationInterval = r.Duration(value, p) };
                    break;
                case "external_labels":
                    g = g with { ExternalLabels = r.LabelSet(value, p) };
                    if (g.ExternalLabels.Has(Labels.MetricName))
                    {
                        throw r.Error(value, p, "\"__name__\" is not a valid label name");
                    }
                    break;
                case "query_log_file":
                case "scrape_failure_log_file":
                case "body_size_limit":
                case "sample_limit":
                case "label_limit":
                case "label_name_length_limit":
                case "label_value_length_limit":
                case "target_limit":
                case "keep_dropped_targets":
                case "metric_name_validation_scheme":
                case "scrape_protocols":
                case "rule_query_offset":
                    break; // valid Prometheus globals with no effect here
                default:
                    throw r.Error(value, p, $"field {key} not found in type config.GlobalConfig");
            }
        }
        var effectiveInterval = interval ?? GlobalConfig.DefaultScrapeInterval;
        if (interval is { } i && i == TimeSpan.Zero)
        {
            effectiveInterval = GlobalConfig.DefaultScrapeInterval;
        }
        TimeSpan effectiveTimeout;
        if (timeout is { } t && t != TimeSpan.Zero)
        {
            if (t > effectiveInterval)
            {
                throw r.Error(node, path + ".scrape_timeout", "global scrape timeout greater than scrape interval");
            }
            effectiveTimeout = t;
        }
        else
        {
            effectiveTimeout = GlobalConfig.DefaultScrapeTimeout > effectiveInterval ? effectiveInterval : GlobalConfig.DefaultScrapeTimeout;
        }
        return g with { ScrapeInterval = effectiveInterval, ScrapeTimeout = effectiveTimeout };
    }

    /// <summary>Valid Prometheus scrape_config keys that only tune Prometheus' own storage or protocol negotiation.</summary>
    private static readonly HashSet<string> IgnoredScrapeKeys = new(StringComparer.Ordinal)
    {
        "label_limit", "label_name_length_limit", "label_value_length_limit", "target_limit", "keep_dropped_targets",
        "scrape_protocols", "track_timestamps_staleness", "enable_compression", "scrape_classic_histograms",
        "native_histogram_bucket_limit", "native_histogram_min_bucket_factor", "always_scrape_classic_histograms",
        "convert_classic_histograms_to_nhcb", "scrape_failure_log_file", "metric_name_validation_scheme",
        "metric_name_escaping_scheme", "fallback_scrape_protocol",
    };

    /// <summary>Valid Prometheus keys that change how a target is reached; silently ignoring them would scrape wrongly.</summary>
    private static readonly HashSet<string> UnsupportedScrapeKeys = new(StringComparer.Ordinal)
    {
        "oauth2", "proxy_url", "no_proxy", "proxy_from_environment", "proxy_connect_header", "http_headers",
    };

    private static BasicAuth ParseBasicAuth(YamlReader r, YamlNode node, string path)
    {
        string? user = null;
        string? password = null;
        string? passwordFile = null;
        foreach (var (key, value, p) in r.Entries(node, path))
        {
            switch (key)
            {
                case "username":
                    user = r.String(value, p);
                    break;
                case "password":
                    password = r.String(value, p);
                    break;
                case "password_file":
                    passwordFile = r.String(value, p);
                    break;
                default:
                    throw r.Error(value, p, $"field {key} not found in type config.BasicAuth");
            }
        }
        if (password is not null && passwordFile is not null)
        {
            throw r.Error(node, path, "at most one of basic_auth password & password_file must be configured");
        }
        return new BasicAuth(user ?? string.Empty, password, passwordFile);
    }

    private static Authorization ParseAuthorization(YamlReader r, YamlNode node, string path)
    {
        var type = "Bearer";
        string? credentials = null;
        string? file = null;
        foreach (var (key, value, p) in r.Entries(node, path))
        {
            switch (key)
            {
                case "type":
                    type = r.String(value, p);
                    if (type.Equals("basic", StringComparison.OrdinalIgnoreCase))
                    {
                        throw r.Error(value, p, "authorization type cannot be set to \"basic\", use \"basic_auth\" instead");
                    }
                    break;
                case "credentials":
                    credentials = r.String(value, p);
                    break;
                case "credentials_file":
                    file = r.String(value, p);
                    break;
                default:
                    throw r.Error(value, p, $"field {key} not found in type config.Authorization");
            }
        }
        if (credentials is not null && file is not null)
        {
            throw r.Error(node, path, "at most one of authorization credentials & credentials_file must be configured");
        }
        return new Authorization(type.Length == 0 ? "Bearer" : type, credentials, file);
    }

    private static TlsConfig ParseTls(YamlReader r, YamlNode node, string path)
    {
        var tls = new TlsConfig();
        foreach (var (key, value, p) in r.Entries(node, path))
        {
            tls = key switch
            {
                "ca_file" => tls with { CaFile = r.String(value, p) },
                "cert_file" => tls with { CertFile = r.String(value, p) },
                "key_file" => tls with { KeyFile = r.String(value, p) },
                "server_name" => tls with { ServerName = r.String(value, p) },
                "insecure_skip_verify" => tls with { InsecureSkipVerify = r.Bool(value, p) },
                "min_version" or "max_version" or "ca" or "cert" or "key" or "key_ref" or "ca_ref" or "cert_ref" =>
                    throw r.Error(value, p, $"tls_config.{key} is not supported; use ca_file, cert_file, key_file"),
                _ => throw r.Error(value, p, $"field {key} not found in type config.TLSConfig"),
            };
        }
        if ((tls.CertFile is null) != (tls.KeyFile is null))
        {
            throw r.Error(node, path, "exactly one of cert_file and key_file is configured; both or neither are required");
        }
        return tls;
    }

    /// <summary>Prometheus' byte sizes: a number with an optional KB/MB/GB... unit (powers of 1024).</summary>
    private static long ByteSize(YamlReader r, YamlNode node, string path)
    {
        var s = r.String(node, path).Trim();
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
            : throw r.Error(node, path, $"invalid byte size \"{s}\"");
    }

    private static ScrapeConfig ParseScrapeConfig(YamlReader r, YamlNode node, string path, GlobalConfig global, List<string> warnings)
    {
        string? jobName = null;
        TimeSpan? interval = null;
        TimeSpan? timeout = null;
        YamlNode? timeoutNode = null;
        var cfg = new ScrapeConfig { JobName = string.Empty };
        foreach (var (key, value, p) in r.Entries(node, path))
        {
            switch (key)
            {
                case "job_name":
                    jobName = r.String(value, p);
                    break;
                case "scrape_interval":
                    interval = r.Duration(value, p);
                    break;
                case "scrape_timeout":
                    timeout = r.Duration(value, p);
                    timeoutNode = value;
                    break;
                case "metrics_path":
                    cfg = cfg with { MetricsPath = r.String(value, p) };
                    break;
                case "scheme":
                    var scheme = r.String(value, p);
                    if (scheme is not ("http" or "https"))
                    {
                        throw r.Error(value, p, $"unknown scrape config scheme \"{scheme}\" (only http and https)");
                    }
                    cfg = cfg with { Scheme = scheme };
                    break;
                case "params":
                    cfg = cfg with
                    {
                        Params = r.Entries(value, p).ToDictionary(e => e.Key, e => r.StringList(e.Value, e.Path), StringComparer.Ordinal),
                    };
                    break;
                case "honor_labels":
                    cfg = cfg with { HonorLabels = r.Bool(value, p) };
                    break;
                case "honor_timestamps":
                    cfg = cfg with { HonorTimestamps = r.Bool(value, p) };
                    break;
                case "sample_limit":
                    cfg = cfg with { SampleLimit = r.Int(value, p, 0) };
                    break;
                case "static_configs":
                    cfg = cfg with { StaticConfigs = ParseStaticConfigs(r, value, p) };
                    break;
                case "file_sd_configs":
                    cfg = cfg with { FileSdConfigs = r.Items(value, p).Select(x => ParseFileSd(r, x.Item, x.Path)).ToArray() };
                    break;
                case "http_sd_configs":
                    cfg = cfg with { HttpSdConfigs = r.Items(value, p).Select(x => ParseHttpSd(r, x.Item, x.Path)).ToArray() };
                    break;
                case "dns_sd_configs":
                    cfg = cfg with { DnsSdConfigs = r.Items(value, p).Select(x => ParseDnsSd(r, x.Item, x.Path)).ToArray() };
                    break;
                case "relabel_configs":
                    cfg = cfg with { RelabelConfigs = ParseRelabelConfigs(r, value, p) };
                    break;
                case "metric_relabel_configs":
                    cfg = cfg with { MetricRelabelConfigs = ParseRelabelConfigs(r, value, p) };
                    break;
                case "json_exporter":
                    cfg = cfg with { JsonExporter = ExtensionParsers.ParseJsonMapping(r, value, p) };
                    break;
                case "http_probe":
                    cfg = cfg with { HttpProbe = ExtensionParsers.ParseHttpProbe(r, value, p) };
                    break;
                case "basic_auth":
                    cfg = cfg with { BasicAuth = ParseBasicAuth(r, value, p) };
                    break;
                case "authorization":
                    cfg = cfg with { Authorization = ParseAuthorization(r, value, p) };
                    break;
                case "bearer_token":
                    cfg = cfg with { Authorization = new Authorization("Bearer", r.String(value, p), null) };
                    break;
                case "bearer_token_file":
                    cfg = cfg with { Authorization = new Authorization("Bearer", null, r.String(value, p)) };
                    break;
                case "tls_config":
                    cfg = cfg with { Tls = ParseTls(r, value, p) };
                    break;
                case "follow_redirects":
                    cfg = cfg with { FollowRedirects = r.Bool(value, p) };
                    break;
                case "enable_http2":
                    cfg = cfg with { EnableHttp2 = r.Bool(value, p) };
                    break;
                case "body_size_limit":
                    cfg = cfg with { BodySizeLimitBytes = ByteSize(r, value, p) };
                    break;
                default:
                    if (IgnoredScrapeKeys.Contains(key))
                    {
                        warnings.Add($"{r.File}:{value.Start.Line}: {p}: accepted but not used by this system");
                        break;
                    }
                    if (UnsupportedScrapeKeys.Contains(key))
                    {
                        throw r.Error(value, p, $"{key} is a Prometheus option this system does not support");
                    }
                    if (key.EndsWith("_sd_configs", StringComparison.Ordinal))
                    {
                        var hint = key == "fly_sd_configs"
                            ? "; for Fly.io use dns_sd_configs with type AAAA and <app>.internal names, or http_sd_configs"
                            : "; use static_configs, file_sd_configs, http_sd_configs or dns_sd_configs";
                        throw r.Error(value, p, $"{key} is not supported{hint}");
                    }
                    throw r.Error(value, p, $"field {key} not found in type config.ScrapeConfig");
            }
        }
        if (string.IsNullOrEmpty(jobName))
        {
            throw r.Error(node, path + ".job_name", "job_name is empty");
        }
        var effectiveInterval = interval is { } iv && iv != TimeSpan.Zero ? iv : global.ScrapeInterval;
        TimeSpan effectiveTimeout;
        if (timeout is { } t && t != TimeSpan.Zero)
        {
            if (t > effectiveInterval)
            {
                throw r.Error(timeoutNode!, path + ".scrape_timeout", $"scrape timeout greater than scrape interval for scrape config with job name \"{jobName}\"");
            }
            effectiveTimeout = t;
        }
        else
        {
            effectiveTimeout = global.ScrapeTimeout > effectiveInterval ? effectiveInterval : global.ScrapeTimeout;
        }
        if (cfg.JsonExporter is not null && cfg.HttpProbe is not null)
        {
            throw r.Error(node, path, "json_exporter and http_probe cannot both be set on one job");
        }
        return cfg with { JobName = jobName, ScrapeInterval = effectiveInterval, ScrapeTimeout = effectiveTimeout };
    }

    private static List<TargetGroup> ParseStaticConfigs(YamlReader r, YamlNode node, string path)
    {
        var groups = new List<TargetGroup>();
        foreach (var (item, p) in r.Items(node, path))
        {
            IReadOnlyList<string> targets = [];
            var labels = Labels.Empty;
            foreach (var (key, value, kp) in r.Entries(item, p))
            {
                switch (key)
                {
                    case "targets":
                        targets = r.StringList(value, kp);
                        var i = 0;
                        foreach (var (t, tp) in r.Items(value, kp))
                        {
                            var address = targets[i++];
                            if (TargetAddress.Check(address) is { } problem)
                            {
                                throw r.Error(t, tp, problem);
                            }
                        }
                        break;
                    case "labels":
                        labels = r.LabelSet(value, kp);
                        break;
                    default:
                        throw r.Error(value, kp, $"field {key} not found in type targetgroup.plain");
                }
            }
            groups.Add(new TargetGroup(targets, labels, $"{groups.Count}"));
        }
        return groups;
    }

    internal static IReadOnlyList<RelabelConfig> ParseRelabelConfigs(YamlReader r, YamlNode node, string path)
    {
        var list = new List<RelabelConfig>();
        foreach (var (item, p) in r.Items(node, path))
        {
            var cfg = new RelabelConfig();
            foreach (var (key, value, kp) in r.Entries(item, p))
            {
                try
                {
                    cfg = key switch
                    {
                        "source_labels" => cfg with { SourceLabels = ValidLabelNames(r, value, kp) },
                        "separator" => cfg with { Separator = r.String(value, kp) },
                        "regex" => cfg with { Regex = new RelabelRegex(r.String(value, kp)) },
                        "modulus" => cfg with { Modulus = (ulong)r.Int(value, kp, 0) },
                        "target_label" => cfg with { TargetLabel = r.String(value, kp) },
                        "replacement" => cfg with { Replacement = r.String(value, kp) },
                        "action" => cfg with { Action = RelabelConfig.ParseAction(r.String(value, kp)) },
                        _ => throw r.Error(value, kp, $"field {key} not found in type relabel.plain"),
                    };
                }
                catch (FormatException ex) when (ex is not ScrapeConfigException)
                {
                    throw r.Error(value, kp, ex.Message);
                }
            }
            try
            {
                cfg.Validate();
            }
            catch (FormatException ex)
            {
                throw r.Error(item, p, ex.Message);
            }
            list.Add(cfg);
        }
        return list;
    }

    private static string[] ValidLabelNames(YamlReader r, YamlNode node, string path)
    {
        var names = r.StringList(node, path).ToArray();
        foreach (var n in names)
        {
            if (!PromNames.IsValidLabelName(n))
            {
                throw r.Error(node, path, $"\"{n}\" is not a valid label name");
            }
        }
        return names;
    }

    private static FileSdConfig ParseFileSd(YamlReader r, YamlNode node, string path)
    {
        var cfg = new FileSdConfig();
        foreach (var (key, value, p) in r.Entries(node, path))
        {
            switch (key)
            {
                case "files":
                    var files = r.StringList(value, p);
                    foreach (var f in files)
                    {
                        if (!FileSdPatterns.IsValid(f))
                        {
                            throw r.Error(value, p, $"path name \"{f}\" is not valid for file discovery");
                        }
                    }
                    cfg = cfg with { Files = files };
                    break;
                case "refresh_interval":
                    cfg = cfg with { RefreshInterval = r.Duration(value, p) };
                    break;
                default:
                    throw r.Error(value, p, $"field {key} not found in type file.plain");
            }
        }
        if (cfg.Files.Count == 0)
        {
            throw r.Error(node, path, "file service discovery config must contain at least one path name");
        }
        return cfg;
    }

    private static HttpSdConfig ParseHttpSd(YamlReader r, YamlNode node, string path)
    {
        Uri? url = null;
        var refresh = TimeSpan.FromMinutes(1);
        foreach (var (key, value, p) in r.Entries(node, path))
        {
            switch (key)
            {
                case "url":
                    var s = r.String(value, p);
                    if (!Uri.TryCreate(s, UriKind.Absolute, out url) || url.Scheme is not ("http" or "https"))
                    {
                        throw r.Error(value, p, "URL scheme must be 'http' or 'https'");
                    }
                    break;
                case "refresh_interval":
                    refresh = r.Duration(value, p);
                    break;
                default:
                    throw r.Error(value, p, $"field {key} not found in type http.plain");
            }
        }
        if (url is null)
        {
            throw r.Error(node, path, "URL is missing");
        }
        return new HttpSdConfig { Url = url, RefreshInterval = refresh };
    }

    private static DnsSdConfig ParseDnsSd(YamlReader r, YamlNode node, string path)
    {
        var cfg = new DnsSdConfig();
        foreach (var (key, value, p) in r.Entries(node, path))
        {
            switch (key)
            {
                case "names":
                    cfg = cfg with { Names = r.StringList(value, p) };
                    break;
                case "type":
                    var t = r.String(value, p).ToUpperInvariant();
                    cfg = cfg with
                    {
                        Type = t switch
                        {
                            "SRV" => DnsRecordType.SRV,
                            "A" => DnsRecordType.A,
                            "AAAA" => DnsRecordType.AAAA,
                            _ => throw r.Error(value, p, $"invalid DNS-SD records type {t}"),
                        },
                    };
                    break;
                case "port":
                    cfg = cfg with { Port = (int)r.Int(value, p, 0) };
                    break;
                case "refresh_interval":
                    cfg = cfg with { RefreshInterval = r.Duration(value, p) };
                    break;
                default:
                    throw r.Error(value, p, $"field {key} not found in type dns.plain");
            }
        }
        if (cfg.Names.Count == 0)
        {
            throw r.Error(node, path, "DNS-SD config must contain at least one SRV record name");
        }
        if (cfg.Type != DnsRecordType.SRV && cfg.Port == 0)
        {
            throw r.Error(node, path, "a port is required in DNS-SD configs for all record types except SRV");
        }
        return cfg;
    }
}
