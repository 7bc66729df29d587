using System.Security.Cryptography;
using System.Text;
using Alerting.Core.Config;
using Alerting.Core.Relabel;

namespace Alerting.Core.Remote.Write;

/// <summary>
/// One <c>remote_write[]</c> entry of the scrape configuration, as Prometheus' <c>RemoteWriteConfig</c>:
/// where our samples are forwarded (remote write 1.0) and how. Read by <see cref="RemoteWriteConfigParser"/>.
/// </summary>
public sealed record RemoteWriteConfig
{
    /// <summary>The Entra scope of an Azure Monitor workspace's ingestion endpoint (Prometheus' azuread default audience).</summary>
    public const string AzureMonitorIngestionScope = "https://monitor.azure.com/.default";

    public required Uri Url { get; init; }

    /// <summary>Names the endpoint in logs and metrics and keys its durable cursor; defaults to a hash of the URL.</summary>
    public required string Name { get; init; }

    /// <summary>Per request, as Prometheus' <c>remote_timeout</c> (default 30s).</summary>
    public TimeSpan RemoteTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Extra request headers (<c>headers</c>); the protocol's own headers are reserved.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    public IReadOnlyList<RelabelConfig> WriteRelabelConfigs { get; init; } = [];

    public RemoteWriteQueueConfig Queue { get; init; } = new();

    public HttpClientConfig HttpConfig { get; init; } = HttpClientConfig.Default;

    /// <summary>Microsoft Entra tokens (an Azure Monitor workspace's ingestion endpoint), as Prometheus' <c>azuread</c>.</summary>
    public AzureAdConfig? AzureAd { get; init; }

    /// <summary>Prometheus' default name is a hash of the config; ours hashes only the URL so a rotated secret keeps the cursor.</summary>
    public static string DefaultName(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(url.AbsoluteUri)))[..6];
    }
}

/// <summary>
/// The <c>queue_config</c> settings that shape what we send. Prometheus' shard settings
/// (<c>capacity</c>, <c>min_shards</c>, <c>max_shards</c>, <c>batch_send_deadline</c>) tune its in-memory
/// queue, which the durable cursor over the sample log replaces; they are accepted and listed as warnings.
/// </summary>
public sealed record RemoteWriteQueueConfig
{
    /// <summary>Samples per request at most (Prometheus 2.42's default is 500).</summary>
    public int MaxSamplesPerSend { get; init; } = 500;

    /// <summary>First retry delay after a 5xx, 429 or connection failure; doubles up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan MinBackoff { get; init; } = TimeSpan.FromMilliseconds(30);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Retry a 429 (honouring <c>Retry-After</c>) rather than drop the batch.</summary>
    public bool RetryOnRateLimit { get; init; } = true;

    /// <summary>Samples older than this when they would be sent are dropped (counted); zero keeps all.</summary>
    public TimeSpan SampleAgeLimit { get; init; }
}

/// <summary>Reads <c>remote_write:</c> with Prometheus' keys, checks and messages; unknown keys are errors.</summary>
public static class RemoteWriteConfigParser
{
    /// <summary>Headers the protocol or the HTTP client own (Prometheus' <c>reservedHeaders</c>).</summary>
    private static readonly string[] ReservedHeaders =
    [
        "Authorization", "Host", "Content-Encoding", "Content-Length", "Content-Type", "User-Agent", "Connection", "Keep-Alive",
        "Proxy-Authenticate", "Proxy-Authorization", "Www-Authenticate", RemoteWriteHeaders.VersionHeader,
        "X-Prometheus-Remote-Read-Version", "X-Prometheus-Scrape-Timeout-Seconds",
    ];

    /// <summary>Queue settings of Prometheus' in-memory shards, which our durable cursor replaces.</summary>
    private static readonly string[] IgnoredQueueKeys = ["capacity", "min_shards", "max_shards", "batch_send_deadline"];

    /// <summary>Valid Prometheus keys with no effect here: we send samples only (no metadata, exemplars or native histograms yet).</summary>
    private static readonly string[] IgnoredKeys = ["metadata_config", "send_exemplars", "send_native_histograms", "round_robin_dns"];

    public static IReadOnlyList<RemoteWriteConfig> Parse(YamlMap root, List<string> warnings)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(warnings);
        var list = new List<RemoteWriteConfig>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (node, path) in root.Items("remote_write", "[]*config.RemoteWriteConfig"))
        {
            var m = YamlMap.Open(root.Ctx, node, path, "config.RemoteWriteConfig")
                ?? throw root.Ctx.Error(node, path, "empty or null remote write config section");
            if (ParseOne(m, node, path, warnings) is not { } cfg)
            {
                continue;
            }
            if (!names.Add(cfg.Name))
            {
                throw root.Ctx.Error(node, path + ".name", $"found multiple remote write configs with job name \"{cfg.Name}\"");
            }
            list.Add(cfg);
        }
        return list;
    }

    private static RemoteWriteConfig? ParseOne(YamlMap m, YamlNode node, string path, List<string> warnings)
    {
        var ctx = m.Ctx;
        var url = m.String("url");
        var name = m.String("name");
        var timeout = m.Duration("remote_timeout");
        var headers = m.StringMap("headers") ?? [];
        var relabel = Scrape.Config.ScrapeConfigLoader.ParseRelabelConfigs(m, "write_relabel_configs");
        var queue = ParseQueue(m, warnings);
        var azureAd = AzureAdConfig.Parse(m, RemoteWriteConfig.AzureMonitorIngestionScope);
        var message = m.String("protobuf_message");
        if (m.Has("sigv4"))
        {
            throw ctx.Error(m.At("sigv4"), m.KeyPath("sigv4"), "sigv4 is a Prometheus option this system does not support; use authorization, basic_auth, oauth2 or azuread");
        }
        var http = HttpClientConfigParser.ParseFields(m);
        foreach (var key in IgnoredKeys.Where(m.Has))
        {
            warnings.Add($"{ctx.File}:{m.KeyNode(key)!.Start.Line}: {m.KeyPath(key)}: accepted but not used by this system (samples only are forwarded)");
        }
        m.Accept(IgnoredKeys);
        m.Done();
        if (m.HadTypeErrors)
        {
            return null;
        }
        if (message is not (null or RemoteWriteHeaders.V1Proto))
        {
            throw ctx.Error(m.At("protobuf_message"), m.KeyPath("protobuf_message"), $"protobuf_message \"{message}\" is not supported; this system sends remote write 1.0 ({RemoteWriteHeaders.V1Proto})");
        }
        if (string.IsNullOrEmpty(url))
        {
            throw ctx.Error(node, path, "url for remote_write is empty");
        }
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Host.Length == 0)
        {
            throw ctx.Error(m.At("url"), m.KeyPath("url"), $"remote_write url \"{url}\" must be an absolute http or https URL");
        }
        foreach (var (header, _, keyNode) in headers)
        {
            if (ReservedHeaders.Contains(header, StringComparer.OrdinalIgnoreCase))
            {
                throw ctx.Error(keyNode, m.KeyPath("headers") + "." + header, $"{header} is a reserved header. It must not be changed");
            }
        }
        if (timeout is { } t && t <= TimeSpan.Zero)
        {
            throw ctx.Error(m.At("remote_timeout"), m.KeyPath("remote_timeout"), "remote_timeout must be greater than zero");
        }
        var httpConfig = HttpClientConfigParser.Validate(m, http);
        if (azureAd is not null && (httpConfig.Authorization is not null || httpConfig.BasicAuth is not null || httpConfig.OAuth2 is not null))
        {
            throw ctx.Error(m.At("azuread"), m.KeyPath("azuread"), "at most one of basic_auth, authorization, oauth2 & azuread must be configured");
        }
        return new RemoteWriteConfig
        {
            Url = uri,
            Name = string.IsNullOrEmpty(name) ? RemoteWriteConfig.DefaultName(uri) : name,
            RemoteTimeout = timeout ?? TimeSpan.FromSeconds(30),
            Headers = headers.ToDictionary(h => h.Key, h => h.Value, StringComparer.Ordinal),
            WriteRelabelConfigs = relabel,
            Queue = queue,
            HttpConfig = httpConfig,
            AzureAd = azureAd,
        };
    }

    private static RemoteWriteQueueConfig ParseQueue(YamlMap parent, List<string> warnings)
    {
        if (parent.Map("queue_config", "config.QueueConfig") is not { } q)
        {
            return new RemoteWriteQueueConfig();
        }
        var defaults = new RemoteWriteQueueConfig();
        var max = q.Int("max_samples_per_send");
        var minBackoff = q.Duration("min_backoff");
        var maxBackoff = q.Duration("max_backoff");
        var retry429 = q.Bool("retry_on_http_429");
        var ageLimit = q.Duration("sample_age_limit");
        foreach (var key in IgnoredQueueKeys.Where(q.Has))
        {
            warnings.Add($"{q.Ctx.File}:{q.KeyNode(key)!.Start.Line}: {q.KeyPath(key)}: accepted but not used: samples are sent in order from the durable log, one request at a time per endpoint");
        }
        q.Accept(IgnoredQueueKeys);
        q.Done();
        if (q.HadTypeErrors)
        {
            return defaults;
        }
        if (max is { } n && n <= 0)
        {
            throw q.Ctx.Error(q.At("max_samples_per_send"), q.KeyPath("max_samples_per_send"), "max_samples_per_send must be greater than 0");
        }
        var cfg = new RemoteWriteQueueConfig
        {
            MaxSamplesPerSend = (int)Math.Min(max ?? defaults.MaxSamplesPerSend, 100_000),
            MinBackoff = minBackoff ?? defaults.MinBackoff,
            MaxBackoff = maxBackoff ?? defaults.MaxBackoff,
            RetryOnRateLimit = retry429 ?? defaults.RetryOnRateLimit,
            SampleAgeLimit = ageLimit ?? TimeSpan.Zero,
        };
        if (cfg.MaxBackoff < cfg.MinBackoff)
        {
            throw q.Ctx.Error(q.At("max_backoff"), q.KeyPath("max_backoff"), "max_backoff must not be shorter than min_backoff");
        }
        return cfg;
    }
}
