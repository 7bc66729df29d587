using System.Globalization;
using Alerting.Core.Config;

namespace Alerting.Core.Alertmanager;

/// <summary>
/// Integrations Alertmanager supports but we do not deliver (SNS, ...): validated
/// with Alertmanager's rules so a file is accepted or rejected as upstream would, then listed as unsupported.
/// </summary>
internal sealed partial class ConfigParser
{
    /// <summary>
    /// Integrations we validate but do not deliver, with the keys Alertmanager knows for each (current
    /// releases; every one also accepts <c>send_resolved</c> and <c>http_config</c>).
    /// </summary>
    private static readonly Dictionary<string, string[]> UnsupportedKinds = new(StringComparer.Ordinal)
    {
        ["sns_configs"] = ["api_url", "sigv4", "topic_arn", "phone_number", "target_arn", "subject", "message", "attributes"],
        ["jira_configs"] = ["api_url", "api_type", "project", "issue_type", "summary", "description", "labels", "priority", "custom_fields", "reopen_transition", "resolve_transition", "wont_fix_resolution", "reopen_duration", "fields"],
        ["incidentio_configs"] = ["url", "url_file", "alert_source_token", "alert_source_token_file", "max_alerts", "timeout"],
    };

    private static readonly Dictionary<string, string> GoTypeNames = new(StringComparer.Ordinal)
    {
        ["sns_configs"] = "SNSConfig",
        ["jira_configs"] = "JiraConfig",
        ["incidentio_configs"] = "IncidentioConfig",
    };

    /// <summary>Keys holding lists or maps; everything else in an unsupported integration is a scalar.</summary>
    private static readonly HashSet<string> StructuredKeys = new(StringComparer.Ordinal)
    {
        "sigv4", "attributes", "custom_fields", "fields", "labels",
    };

    /// <summary>Keys of Go's <c>Secret</c> type, whose type errors name <c>config.plain</c>.</summary>
    private static readonly HashSet<string> SecretKeys = new(StringComparer.Ordinal)
    {
        "api_key", "token", "user_key", "api_secret", "bot_token", "token_id", "alert_source_token",
    };

    private static readonly HashSet<string> BoolKeys = new(StringComparer.Ordinal)
    {
        "update_alerts", "html", "monospace",
    };

    private static readonly HashSet<string> DurationKeys = new(StringComparer.Ordinal) { "retry", "expire", "ttl", "reopen_duration", "timeout" };

    private void ParseOther(string kind, string[] keys, YamlNode node, string path, ReceiverDraft draft)
    {
        var what = kind[..kind.IndexOf("_configs", StringComparison.Ordinal)];
        var m = OpenIntegration(node, path, what);
        if (m is null)
        {
            return;
        }
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        m.Accept("send_resolved");
        _ = HttpClientConfigParser.Parse(m, "http_config");
        foreach (var key in keys)
        {
            if (key == "sigv4")
            {
                ParseSigV4(m);
                continue;
            }
            if (key == "attributes")
            {
                _ctx.StringMap(m.Get(key), m.KeyPath(key), "map[string]string");
                continue;
            }
            if (StructuredKeys.Contains(key))
            {
                m.Get(key);
                continue;
            }
            if (BoolKeys.Contains(key))
            {
                m.Bool(key);
                continue;
            }
            if (DurationKeys.Contains(key))
            {
                m.Duration(key);
                continue;
            }
            if (m.String(key, SecretKeys.Contains(key) ? "config.plain" : "string") is { } v)
            {
                values[key] = v;
                // sns' api_url is a plain string in Alertmanager; the others are URL types.
                if (key is "api_url" or "webhook_url" or "url" && kind != "sns_configs" && v.Length > 0 && !(key == "webhook_url" && v == ConfigSecrets.Token))
                {
                    CheckUrl(m, key, v);
                }
            }
        }
        m.Done();
        if (m.HadTypeErrors)
        {
            return;
        }
        string? V(string k) => values.TryGetValue(k, out var x) && x.Length > 0 ? x : null;
        void Fail(string detail) => throw _ctx.Error(m.Node, path, detail);
        void AtMostOne(string a, string b)
        {
            if (V(a) is not null && V(b) is not null)
            {
                Fail($"at most one of {a} & {b} must be configured");
            }
        }
        switch (kind)
        {
            case "sns_configs":
                {
                    bool a = V("target_arn") is null, b = V("topic_arn") is null, c = V("phone_number") is null;
                    if (((a != b) != c) || (a && b && c))
                    {
                        Fail("must provide either a Target ARN, Topic ARN, or Phone Number for SNS config");
                    }
                    break;
                }
            case "incidentio_configs":
                if (V("url") is null && V("url_file") is null)
                {
                    Fail("one of url or url_file must be configured");
                }
                AtMostOne("url", "url_file");
                break;
        }
        draft.Others.Add((kind, values, node, path));
    }

    private void ParseSigV4(YamlMap parent)
    {
        var m = YamlMap.Open(_ctx, parent.Get("sigv4"), parent.KeyPath("sigv4"), "sigv4.plain");
        if (m is null)
        {
            return;
        }
        var access = m.String("access_key");
        var secret = m.String("secret_key", "config.plain");
        m.String("region");
        m.String("profile");
        m.String("role_arn");
        m.Accept("use_fips_sts_endpoint", "external_id");
        m.Done();
        if (!m.HadTypeErrors && string.IsNullOrEmpty(access) != string.IsNullOrEmpty(secret))
        {
            throw _ctx.Error(m.Node, m.Path, "must provide a AWS SigV4 Access key and Secret Key if credentials are specified in the SigV4 config");
        }
    }

    private void ValidateOtherAgainstGlobal(string kind, Dictionary<string, string> values, YamlNode node, string path, GlobalConfig g)
    {
        bool Has(string k) => values.TryGetValue(k, out var v) && v.Length > 0;
        bool HasGlobal(string k) => g.GetOther(k) is not null;
        void Require(bool ok, string detail)
        {
            if (!ok)
            {
                throw _ctx.Error(node, path, detail);
            }
        }
        switch (kind)
        {
            case "jira_configs":
                Require(Has("api_url") || HasGlobal("jira_api_url"), "no global Jira Cloud API URL set");
                break;
        }
    }
}
