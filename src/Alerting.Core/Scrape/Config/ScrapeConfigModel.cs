using Alerting.Core.Scrape.Json;
using Alerting.Core.Scrape.Probe;
using Alerting.Core.Relabel;
using Alerting.Core.Model;
using Alerting.Core.Config;

namespace Alerting.Core.Scrape.Config;

/// <summary>A loaded <c>prometheus.yml</c>-compatible collection config.</summary>
public sealed record CollectionConfig
{
    public GlobalConfig Global { get; init; } = new();

    public IReadOnlyList<ScrapeConfig> ScrapeConfigs { get; init; } = [];

    /// <summary>Rule file globs as written (resolved by the evaluator relative to <see cref="SourcePath"/>).</summary>
    public IReadOnlyList<string> RuleFiles { get; init; } = [];

    /// <summary><c>remote_write</c>: endpoints every stored sample is forwarded to (remote write 1.0).</summary>
    public IReadOnlyList<Remote.Write.RemoteWriteConfig> RemoteWrite { get; init; } = [];

    /// <summary>Prometheus sections we accept but do not act on (e.g. <c>alerting</c>), with where they were.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    public string? SourcePath { get; init; }
}

public sealed record GlobalConfig
{
    public static readonly TimeSpan DefaultScrapeInterval = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan DefaultScrapeTimeout = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan DefaultEvaluationInterval = TimeSpan.FromMinutes(1);

    public TimeSpan ScrapeInterval { get; init; } = DefaultScrapeInterval;

    public TimeSpan ScrapeTimeout { get; init; } = DefaultScrapeTimeout;

    public TimeSpan EvaluationInterval { get; init; } = DefaultEvaluationInterval;

    /// <summary>Attached to alerts and pushed series leaving the system, as Prometheus does.</summary>
    public Labels ExternalLabels { get; init; } = Labels.Empty;
}

/// <summary>One <c>scrape_configs[]</c> job, with Prometheus' defaults already applied from the global section.</summary>
public sealed record ScrapeConfig
{
    public required string JobName { get; init; }

    public TimeSpan ScrapeInterval { get; init; } = GlobalConfig.DefaultScrapeInterval;

    public TimeSpan ScrapeTimeout { get; init; } = GlobalConfig.DefaultScrapeTimeout;

    public string MetricsPath { get; init; } = "/metrics";

    public string Scheme { get; init; } = "http";

    /// <summary>URL query parameters; the first value of each also becomes a <c>__param_&lt;name&gt;</c> label.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Params { get; init; } = new Dictionary<string, IReadOnlyList<string>>();

    public bool HonorLabels { get; init; }

    public bool HonorTimestamps { get; init; } = true;

    /// <summary>0 means no limit; above it the whole scrape fails as in Prometheus.</summary>
    public long SampleLimit { get; init; }

    public IReadOnlyList<TargetGroup> StaticConfigs { get; init; } = [];

    public IReadOnlyList<FileSdConfig> FileSdConfigs { get; init; } = [];

    public IReadOnlyList<HttpSdConfig> HttpSdConfigs { get; init; } = [];

    public IReadOnlyList<DnsSdConfig> DnsSdConfigs { get; init; } = [];

    /// <summary>Our extension: Fly.io apps and machines from the Fly Machines API.</summary>
    public IReadOnlyList<Discovery.Fly.FlySdConfig> FlySdConfigs { get; init; } = [];

    public IReadOnlyList<RelabelConfig> RelabelConfigs { get; init; } = [];

    public IReadOnlyList<RelabelConfig> MetricRelabelConfigs { get; init; } = [];

    /// <summary>Authentication, TLS, proxy and redirects, as Prometheus' inline HTTP client fields.</summary>
    public HttpClientConfig HttpConfig { get; init; } = HttpClientConfig.Default;

    /// <summary>0 means no limit; a larger body fails the scrape.</summary>
    public long BodySizeLimitBytes { get; init; }

    /// <summary><c>scrape_protocols</c>; null means Prometheus' default for <see cref="ScrapeNativeHistograms"/>.</summary>
    public IReadOnlyList<string>? ScrapeProtocols { get; init; }

    /// <summary><c>scrape_native_histograms</c>: propose protobuf first and keep native histograms.</summary>
    public bool ScrapeNativeHistograms { get; init; }

    /// <summary><c>always_scrape_classic_histograms</c> (formerly <c>scrape_classic_histograms</c>).</summary>
    public bool AlwaysScrapeClassicHistograms { get; init; }

    /// <summary><c>convert_classic_histograms_to_nhcb</c>.</summary>
    public bool ConvertClassicHistogramsToNhcb { get; init; }

    /// <summary>The protocols actually proposed, in order.</summary>
    public IReadOnlyList<string> EffectiveScrapeProtocols =>
        ScrapeProtocols ?? (ScrapeNativeHistograms ? Exposition.ScrapeProtocols.ProtoFirst : Exposition.ScrapeProtocols.Default);

    /// <summary>Our extension: the target serves a JSON document, mapped to series by this mapping.</summary>
    public JsonMapping? JsonExporter { get; init; }

    /// <summary>Our extension: the target is an HTTP health check, turned into blackbox-style probe series.</summary>
    public HttpProbeConfig? HttpProbe { get; init; }
}

/// <summary>A static or discovered group of targets sharing labels (<c>{"targets": [...], "labels": {...}}</c>).</summary>
public sealed record TargetGroup(IReadOnlyList<string> Targets, Labels Labels, string Source)
{
    /// <summary>The label set of each target before relabelling: group labels plus <c>__address__</c>.</summary>
    public IEnumerable<Labels> TargetLabelSets() =>
        Targets.Select(t => Labels.From(Labels.Append(new Label(PromNames.Address, t))));
}

public sealed record FileSdConfig
{
    public IReadOnlyList<string> Files { get; init; } = [];

    public TimeSpan RefreshInterval { get; init; } = TimeSpan.FromMinutes(5);
}

public sealed record HttpSdConfig
{
    public required Uri Url { get; init; }

    public TimeSpan RefreshInterval { get; init; } = TimeSpan.FromMinutes(1);

    public HttpClientConfig HttpConfig { get; init; } = HttpClientConfig.Default;
}

public enum DnsRecordType
{
    SRV,
    A,
    AAAA,
}

public sealed record DnsSdConfig
{
    public IReadOnlyList<string> Names { get; init; } = [];

    public DnsRecordType Type { get; init; } = DnsRecordType.SRV;

    /// <summary>Required for A/AAAA (SRV records carry their own port).</summary>
    public int Port { get; init; }

    public TimeSpan RefreshInterval { get; init; } = TimeSpan.FromSeconds(30);
}
