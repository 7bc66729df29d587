using Alerting.Core.Config;

namespace Alerting.Core.Alertmanager;

/// <summary>
/// A named receiver. Integrations we deliver are modelled fully; every other Alertmanager integration
/// is validated and listed in <see cref="Unsupported"/> (e.g. <c>opsgenie_configs</c>).
/// </summary>
public sealed record Receiver(string Name)
{
    public IReadOnlyList<SlackConfig> SlackConfigs { get; init; } = [];

    public IReadOnlyList<EmailConfig> EmailConfigs { get; init; } = [];

    public IReadOnlyList<PagerDutyConfig> PagerDutyConfigs { get; init; } = [];

    public IReadOnlyList<WebhookConfig> WebhookConfigs { get; init; } = [];

    /// <summary>Integration keys present on this receiver that we accept but do not deliver.</summary>
    public IReadOnlyList<string> Unsupported { get; init; } = [];

    /// <summary>Where each unsupported integration is written, for messages naming file, line and key.</summary>
    public IReadOnlyList<UnsupportedIntegration> UnsupportedIntegrations { get; init; } = [];

    public int IntegrationCount => SlackConfigs.Count + EmailConfigs.Count + PagerDutyConfigs.Count + WebhookConfigs.Count;
}

/// <summary>An integration block (e.g. <c>opsgenie_configs</c>) that Alertmanager accepts but we do not deliver.</summary>
public sealed record UnsupportedIntegration(string Receiver, string Kind, string File, int Line, string Key)
{
    public override string ToString() => $"{File}:{Line}: {Key}: receiver \"{Receiver}\" uses {Kind}, which Alerting.Functions does not deliver";
}

public sealed record SlackField(string Title, string Value, bool? Short);

public sealed record SlackConfirm(string Text, string? Title, string? OkText, string? DismissText);

public sealed record SlackAction(string Type, string Text, string? Url, string? Style, string? Name, string? Value, SlackConfirm? Confirm);

public sealed record SlackConfig
{
    /// <summary>The Web API endpoint Slack apps post to; Alertmanager's default <c>slack_app_url</c>.</summary>
    public const string ChatPostMessageUrl = "https://slack.com/api/chat.postMessage";

    public bool SendResolved { get; init; }

    public HttpClientConfig HttpConfig { get; init; } = new();

    /// <summary>Incoming-webhook URL (or chat.postMessage when an app token is used).</summary>
    public string? ApiUrl { get; init; }

    public string? ApiUrlFile { get; init; }

    public string? AppToken { get; init; }

    public string? AppTokenFile { get; init; }

    public string? AppUrl { get; init; }

    public string? Channel { get; init; }

    public string Username { get; init; } = "{{ template \"slack.default.username\" . }}";

    public string Color { get; init; } = "{{ if eq .Status \"firing\" }}danger{{ else }}good{{ end }}";

    public string Title { get; init; } = "{{ template \"slack.default.title\" . }}";

    public string TitleLink { get; init; } = "{{ template \"slack.default.titlelink\" . }}";

    public string Pretext { get; init; } = "{{ template \"slack.default.pretext\" . }}";

    public string Text { get; init; } = "{{ template \"slack.default.text\" . }}";

    public IReadOnlyList<SlackField> Fields { get; init; } = [];

    public bool ShortFields { get; init; }

    public string Footer { get; init; } = "{{ template \"slack.default.footer\" . }}";

    public string Fallback { get; init; } = "{{ template \"slack.default.fallback\" . }}";

    public string CallbackId { get; init; } = "{{ template \"slack.default.callbackid\" . }}";

    public string IconEmoji { get; init; } = "{{ template \"slack.default.iconemoji\" . }}";

    public string IconUrl { get; init; } = "{{ template \"slack.default.iconurl\" . }}";

    public string? ImageUrl { get; init; }

    public string? ThumbUrl { get; init; }

    public bool LinkNames { get; init; }

    public IReadOnlyList<string> MrkdwnIn { get; init; } = ["fallback", "pretext", "text"];

    public IReadOnlyList<SlackAction> Actions { get; init; } = [];

    /// <summary>Update the original message on resolve (needs an app token / chat.postMessage).</summary>
    public bool UpdateMessage { get; init; }
}

public sealed record EmailConfig
{
    public const string DefaultSubject = "{{ template \"email.default.subject\" . }}";

    public bool SendResolved { get; init; }

    public string To { get; init; } = string.Empty;

    public string From { get; init; } = string.Empty;

    /// <summary>The SMTP HELO name; empty (when a file sets <c>smtp_hello: ''</c>) means Go's default, <c>localhost</c>.</summary>
    public string Hello { get; init; } = "localhost";

    /// <summary><c>host:port</c> of the SMTP server.</summary>
    public string Smarthost { get; init; } = string.Empty;

    public string? AuthUsername { get; init; }

    public string? AuthPassword { get; init; }

    public string? AuthPasswordFile { get; init; }

    public string? AuthSecret { get; init; }

    public string? AuthSecretFile { get; init; }

    public string? AuthIdentity { get; init; }

    /// <summary>Header names title-cased as Alertmanager does; <c>Subject</c> always present.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal) { ["Subject"] = DefaultSubject };

    public string Html { get; init; } = "{{ template \"email.default.html\" . }}";

    public string Text { get; init; } = string.Empty;

    public bool RequireTls { get; init; } = true;

    public TlsConfig? TlsConfig { get; init; }

    public string SmarthostHost => Smarthost[..Smarthost.LastIndexOf(':')].Trim('[', ']');

    public int SmarthostPort => int.TryParse(Smarthost[(Smarthost.LastIndexOf(':') + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var p) ? p : 25;
}

public sealed record PagerDutyLink(string Href, string Text);

public sealed record PagerDutyImage(string Src, string Alt, string Href);

public sealed record PagerDutyConfig
{
    public static readonly IReadOnlyDictionary<string, string> DefaultDetails = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["firing"] = "{{ template \"pagerduty.default.instances\" .Alerts.Firing }}",
        ["resolved"] = "{{ template \"pagerduty.default.instances\" .Alerts.Resolved }}",
        ["num_firing"] = "{{ .Alerts.Firing | len }}",
        ["num_resolved"] = "{{ .Alerts.Resolved | len }}",
    };

    public bool SendResolved { get; init; } = true;

    public HttpClientConfig HttpConfig { get; init; } = new();

    /// <summary>Events API v1 integration key (legacy).</summary>
    public string? ServiceKey { get; init; }

    public string? ServiceKeyFile { get; init; }

    /// <summary>Events API v2 integration key.</summary>
    public string? RoutingKey { get; init; }

    public string? RoutingKeyFile { get; init; }

    public string Url { get; init; } = "https://events.pagerduty.com/v2/enqueue";

    public string Client { get; init; } = "{{ template \"pagerduty.default.client\" . }}";

    public string ClientUrl { get; init; } = "{{ template \"pagerduty.default.clientURL\" . }}";

    public string Description { get; init; } = "{{ template \"pagerduty.default.description\" .}}";

    /// <summary>User details merged over <see cref="DefaultDetails"/> (user keys win).</summary>
    public IReadOnlyDictionary<string, string> Details { get; init; } = DefaultDetails;

    public IReadOnlyList<PagerDutyImage> Images { get; init; } = [];

    public IReadOnlyList<PagerDutyLink> Links { get; init; } = [];

    public string? Source { get; init; }

    public string Severity { get; init; } = "error";

    public string? Class { get; init; }

    public string? Component { get; init; }

    public string? Group { get; init; }

    /// <summary>True for Events API v2 (routing key), false for the v1 service key API.</summary>
    public bool UsesEventsV2 => ServiceKey is null && ServiceKeyFile is null;
}

public sealed record WebhookConfig
{
    public bool SendResolved { get; init; } = true;

    public HttpClientConfig HttpConfig { get; init; } = new();

    public string? Url { get; init; }

    public string? UrlFile { get; init; }

    /// <summary>0 means all alerts are sent.</summary>
    public long MaxAlerts { get; init; }

    public TimeSpan? Timeout { get; init; }
}
