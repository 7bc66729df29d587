namespace Alerting.Functions.Options;

/// <summary>The <c>Alerting</c> configuration section (app settings <c>Alerting__*</c> on Azure).</summary>
public sealed class AlertingOptions
{
    public const string Section = "Alerting";

    /// <summary>Prometheus scrape configuration (targets, intervals, relabelling).</summary>
    public string ScrapeConfigPath { get; set; } = "rules/scrape.yml";

    /// <summary>Rule files: paths or globs, separated by ';'.</summary>
    public string RuleFiles { get; set; } = "rules/*.rules.yml";

    public string AlertmanagerConfigPath { get; set; } = "rules/alertmanager.yml";

    /// <summary>Alertmanager's default templates (default.tmpl, email.tmpl), loaded before the config's own.</summary>
    public string DefaultTemplatesPath { get; set; } = "rules/templates";

    /// <summary>Base URL of this deployment, used in links (Alertmanager's --web.external-url).</summary>
    public string ExternalUrl { get; set; } = "http://127.0.0.1:7071";

    /// <summary>
    /// How much sample history the store keeps. Unset: what the loaded rules read (their longest range,
    /// lookback, offsets, <c>for</c> restore). Set longer to keep more (for queries); set shorter than a
    /// rule needs, that rule's file is refused with an error naming the rule and its range.
    /// </summary>
    public TimeSpan? SampleRetention { get; set; }

    public int ScrapeConcurrency { get; set; } = 64;

    /// <summary>Prometheus' --rules.alert.resend-delay.</summary>
    public TimeSpan ResendDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Real seconds of queue invisibility per application second of delay. 1 in production; a
    /// sped-up demo clock uses 1/scale, and tests that drive time themselves use 0 (every delayed
    /// message is checked against the application clock when it arrives).
    /// </summary>
    public double QueueDelayFactor { get; set; } = 1;

    /// <summary>Largest HTTP body accepted by the ingest endpoints.</summary>
    public long MaxRequestBytes { get; set; } = 1024 * 1024;

    /// <summary>Escalation policies (escalation.yml); empty turns escalation off.</summary>
    public string EscalationPolicyPath { get; set; } = string.Empty;

    /// <summary>On-call schedules (oncall.yml) for <c>oncall:role</c> targets; empty means none.</summary>
    public string OnCallPath { get; set; } = string.Empty;

    /// <summary>How often the configuration files' stamps are compared to reload a changed file (templates included).</summary>
    public TimeSpan ConfigCheckInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// HMAC key (at least 32 bytes of text) that signs one-click links in emails. Without it emails carry
    /// no Acknowledge link and the link endpoint answers 503.
    /// </summary>
    public string LinkSigningKey { get; set; } = string.Empty;

    /// <summary>How long an emailed Acknowledge link works.</summary>
    public TimeSpan LinkValidity { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Slack bot token (xoxb-...) for chat.postMessage/chat.update; without it escalation posts Block Kit to the receiver's webhook.</summary>
    public string SlackBotToken { get; set; } = string.Empty;

    /// <summary>Base of Slack's Web API (ends with "/api/").</summary>
    public string SlackApiUrl { get; set; } = "https://slack.com/api/";

    /// <summary>The Slack app's signing secret, which verifies button clicks (interactivity requests).</summary>
    public string SlackSigningSecret { get; set; } = string.Empty;

    /// <summary>Events API endpoint for pages to on-call people (their own routing keys).</summary>
    public string PagerDutyEventsUrl { get; set; } = "https://events.pagerduty.com/v2/enqueue";

    /// <summary>Secret of the PagerDuty v3 webhook subscription (several separated by ';' while rotating).</summary>
    public string PagerDutyWebhookSecret { get; set; } = string.Empty;

    /// <summary>
    /// Name servers for dns_sd_configs as "ip[:port]", several separated by ';' (e.g. "127.0.0.1:5353").
    /// Empty: the system's resolvers, with A/AAAA through the OS resolver so /etc/hosts still applies.
    /// </summary>
    public string? DnsServer { get; set; }

    /// <summary>
    /// Fly Machines API token for fly_sd_configs without token/token_file (a Key Vault reference on Azure);
    /// empty falls back to the FLY_API_TOKEN environment variable, as flyctl does.
    /// </summary>
    public string FlyApiToken { get; set; } = string.Empty;

    /// <summary>Fly Machines API base URL for fly_sd_configs without url.</summary>
    public string FlyApiUrl { get; set; } = Core.Discovery.Fly.FlySdConfig.DefaultApiUrl;
}
