using System.Globalization;
using Alerting.Core.Config;

namespace Alerting.Core.Alertmanager;

/// <summary>
/// Integrations Alertmanager supports but we do not deliver (Jira, ...): validated
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
    };

    private static readonly Dictionary<string, string> GoTypeNames = new(StringComparer.Ordinal)
    {
    };

    /// <summary>Keys holding lists or maps; everything else in an unsupported integration is a scalar.</summary>
    private static readonly HashSet<string> StructuredKeys = new(StringComparer.Ordinal)
    {
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

    private static readonly HashSet<string> DurationKeys = new(StringComparer.Ordinal) { "retry", "expire", "ttl", "timeout" };

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
                if (key is "api_url" or "webhook_url" or "url" && v.Length > 0 && !(key == "webhook_url" && v == ConfigSecrets.Token))
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
        draft.Others.Add((kind, values, node, path));
    }
}
