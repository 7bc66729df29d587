using Alerting.Functions.Notify;
using Alerting.Functions.Notify.Http;
using Alerting.Functions.Options;
using Alerting.Functions.Pipeline;
using Alerting.Functions.Scrape;
using Alerting.Functions.Storage;
using Alerting.Functions.Tsdb;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Alerting.Functions;

/// <summary>
/// Every registration the function app needs, shared by the Azure Functions worker (Program.cs) and the
/// local host, so both run exactly the same code.
/// </summary>
public static class AlertingServices
{
    public static IServiceCollection AddAlerting(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AlertingOptions>().Bind(configuration.GetSection(AlertingOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AlertingOptions>, AlertingOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);

        // A connection string (Azurite) or an identity-based connection (Azure, keyless); validated here, at start.
        var storage = StorageAccount.FromConfiguration(configuration, StorageNames.Connection);
        services.AddSingleton(storage);
        // TryAdd: a host may bring its own client (tests count the requests it sends).
        services.TryAddSingleton(_ => storage.CreateTableServiceClient());
        services.AddSingleton(storage.CreateBlobServiceClient());
        // The Functions queue trigger decodes base64 by default (host.json messageEncoding), so send base64.
        services.AddSingleton(storage.CreateQueueServiceClient(QueueMessageEncoding.Base64));
        services.AddConfigContainerMirror(configuration);

        services.AddSingleton<StorageInitializer>();
        // Conflict backoff runs on the system clock: it spaces out real writers, whatever the application clock does.
        services.TryAddSingleton(_ => new ETagUpdater(TimeProvider.System));
        services.AddSingleton<TableBatcher>();
        services.AddSingleton<InhibitSourceStore>();
        services.AddOptions<RetentionOptions>()
            .Bind(configuration.GetSection(RetentionOptions.Section))
            .Validate(o => o.ToPolicy().Validate() is null, $"{RetentionOptions.Section}: every retention must be positive (ResolvedAlerts may be zero)")
            .ValidateOnStart();
        services.AddSingleton<Retention.RetentionRunner>();
        services.AddSingleton<QueueSender>();
        services.AddSingleton<QueueWakeups>();
        services.AddSingleton<AlertStore>();
        services.AddSingleton<GroupStore>();
        services.AddSingleton<NotificationLogStore>();
        services.AddSingleton<RuleStateStore>();
        // The embedded sample store: tick log, blocks, manifest, this instance's view, compaction.
        services.AddOptions<TsdbOptions>().Bind(configuration.GetSection(TsdbOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<TsdbOptions>, TsdbOptionsValidator>();
        services.AddOptions<Query.QueryApiOptions>().Bind(configuration.GetSection(Query.QueryApiOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<Query.QueryApiOptions>, Query.QueryApiOptionsValidator>();
        services.AddSingleton<ScrapeTickStore>();
        services.AddSingleton<BlockStore>();
        services.AddSingleton<ManifestStore>();
        services.AddSingleton<SampleStore>();
        services.AddSingleton<SampleRetention>();
        services.AddSingleton<Compactor>();
        services.AddSingleton<CompactionRunner>();
        services.AddSingleton<SilenceStore>();

        services.AddSingleton<ConfigProvider>();
        services.AddSingleton<TargetScraper>();
        services.AddSingleton<FlyDiscovery>();
        services.AddSingleton<TargetDiscovery>();
        services.AddSingleton<ScrapeClients>();
        services.AddSingleton<PushGroupStore>();
        services.AddOptions<ScrapeOptions>().Bind(configuration.GetSection(ScrapeOptions.Section))
            .Validate(o => o.ShardSize >= 1, $"{ScrapeOptions.Section}:ShardSize must be at least 1 target")
            .ValidateOnStart();
        services.AddSingleton<ScrapeRunner>();
        services.AddSingleton<RuleRunner>();
        services.AddOptions<Remote.RemoteOptions>().Bind(configuration.GetSection(Remote.RemoteOptions.Section))
            .Validate(o => o.ForOutageTolerance > TimeSpan.Zero && o.ForGracePeriod >= TimeSpan.Zero, "Alerting:Remote:ForOutageTolerance must be positive and Alerting:Remote:ForGracePeriod not negative")
            .ValidateOnStart();
        services.AddSingleton<Remote.RemoteDatasources>();
        services.AddSingleton<Remote.Write.RemoteWriteReceiver>();
        services.AddSingleton<Remote.Write.RemoteWriteCursorStore>();
        services.AddSingleton<Remote.Write.RemoteWriteForwarder>();
        services.AddSingleton<AlertEnqueuer>();
        services.AddSingleton<AlertRouter>();
        services.AddSingleton<GroupFlusher>();

        // Self-monitoring: the app's own metrics (GET /api/metrics/self) and the dead man's switch.
        services.AddSingleton<Telemetry.SelfMetrics>();
        services.AddHostedService<Telemetry.SelfMetricsStart>();
        services.AddOptions<Heartbeats.HeartbeatOptions>().Bind(configuration.GetSection(Heartbeats.HeartbeatOptions.Section));
        services.AddSingleton<Heartbeats.HeartbeatStore>();
        services.AddSingleton<Heartbeats.DeadMansSwitch>();

        // The shared scrape client serves http_configs at their defaults, enable_http2 included.
        services.AddHttpClient("scrape", c => c.Timeout = Timeout.InfiniteTimeSpan)
            .AddHttpMessageHandler(() => HttpClientConfigs.HttpVersion(Core.Config.HttpClientConfig.Default));
        // Receivers: one HTTP client factory (http_config, one resilience pipeline), one notifier per kind,
        // one delivery path for group flushes and escalation steps.
        services.AddOptions<DeliveryOptions>().Bind(configuration.GetSection(DeliveryOptions.Section));
        services.AddSingleton<NotifyHttpClients>();
        services.AddNotifiers();
        services.AddSingleton<Deliverer>();

        // Escalation, acknowledgement and the operator channels (API, email links, Slack, PagerDuty webhooks).
        services.AddSingleton<IncidentStore>();
        services.AddSingleton<AuditStore>();
        services.AddSingleton<LinkNonceStore>();
        services.AddSingleton<LinkSigning>();
        services.AddSingleton<IncidentMessenger>();
        services.AddSingleton<IncidentService>();
        return services;
    }
}
