using System.Text;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Alerting.Core.Alertmanager;

/// <summary>
/// Hides the secrets of an <c>alertmanager.yml</c> before it is shown (<c>GET /api/v2/status</c>), as
/// Alertmanager does: every value its config types declare as <c>Secret</c> or <c>SecretURL</c> reads
/// <c>&lt;secret&gt;</c>. Alertmanager's own config loader accepts that token back, so
/// <c>amtool config routes test --alertmanager.url</c> still loads the result.
/// </summary>
/// <remarks>
/// Alertmanager re-marshals its parsed config, which also spells out every default. We mask the
/// user's own text instead: the same keys, values and comments they wrote, minus the secrets, without
/// a second serializer for every receiver kind. The secret fields are those of Alertmanager 0.25.
/// </remarks>
public static class ConfigSecrets
{
    public const string Token = "<secret>";

    // Secret wherever they appear (global, receivers, http_config, sigv4).
    private static readonly HashSet<string> AlwaysSecret = new(StringComparer.Ordinal)
    {
        "smtp_auth_password", "smtp_auth_secret", "slack_api_url", "opsgenie_api_key", "wechat_api_secret",
        "victorops_api_key", "mattermost_webhook_url", "rocketchat_token", "rocketchat_token_id", "token_id", "auth_password", "auth_secret", "user_key",
        "bot_token", "api_key", "api_secret", "credentials", "bearer_token", "client_secret", "secret_key",
    };

    // Secret only inside the named block: the same key elsewhere is a plain URL or string.
    private static readonly (string Block, string Key)[] SecretIn =
    [
        ("basic_auth", "password"),
        ("pagerduty_configs", "routing_key"),
        ("pagerduty_configs", "service_key"),
        ("slack_configs", "api_url"),
        ("pushover_configs", "token"),
        ("discord_configs", "webhook_url"),
        ("msteamsv2_configs", "webhook_url"),
        ("mattermost_configs", "webhook_url"),
        ("rocketchat_configs", "token"),
    ];

    /// <summary>
    /// <paramref name="yaml"/> with every secret value replaced by <see cref="Token"/>; everything else
    /// is kept byte for byte. Text that is not valid YAML is returned with nothing shown at all.
    /// </summary>
    public static string Mask(string yaml)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        List<(int Start, int End)> spans;
        try
        {
            spans = SecretSpans(yaml);
        }
        catch (YamlException)
        {
            return Token;
        }
        if (spans.Count == 0)
        {
            return yaml;
        }
        var sb = new StringBuilder(yaml.Length);
        var at = 0;
        foreach (var (start, end) in spans.Distinct().OrderBy(s => s.Start))
        {
            if (start < at)
            {
                continue;
            }
            sb.Append(yaml, at, start - at).Append(Token);
            // A block scalar (| or >) owns its final line break; keep it so the next key stays on its line.
            if (end > start && yaml[end - 1] == '\n')
            {
                sb.Append('\n');
            }
            at = end;
        }
        return sb.Append(yaml, at, yaml.Length - at).ToString();
    }

    private static List<(int Start, int End)> SecretSpans(string yaml)
    {
        var spans = new List<(int, int)>();
        var anchors = new Dictionary<string, (int, int)>(StringComparer.Ordinal);
        var stack = new List<Frame>();
        var parser = new Parser(new StringReader(yaml));
        while (parser.MoveNext())
        {
            var e = parser.Current!;
            var parent = stack.Count > 0 ? stack[^1] : null;
            var isKey = parent is { IsMapping: true, ExpectKey: true };
            var secret = !isKey && parent is { IsMapping: true } && IsSecret(stack);
            switch (e)
            {
                case Scalar s:
                    if (isKey)
                    {
                        parent!.Key = s.Value;
                    }
                    else
                    {
                        if (!s.Anchor.IsEmpty)
                        {
                            anchors[s.Anchor.Value] = ((int)s.Start.Index, (int)s.End.Index);
                        }
                        if (secret && s.Value.Length > 0)
                        {
                            spans.Add(((int)s.Start.Index, (int)s.End.Index));
                        }
                    }
                    Advance(parent);
                    break;
                case AnchorAlias alias:
                    if (secret && anchors.TryGetValue(alias.Value.Value, out var anchored))
                    {
                        spans.Add(anchored);
                    }
                    Advance(parent);
                    break;
                case MappingStart:
                    stack.Add(new Frame(IsMapping: true, Name: parent?.IsMapping == true ? parent.Key : parent?.Name));
                    break;
                case SequenceStart:
                    stack.Add(new Frame(IsMapping: false, Name: parent?.IsMapping == true ? parent.Key : parent?.Name));
                    break;
                case MappingEnd or SequenceEnd:
                    stack.RemoveAt(stack.Count - 1);
                    Advance(stack.Count > 0 ? stack[^1] : null);
                    break;
            }
        }
        return spans;

        static void Advance(Frame? frame)
        {
            if (frame is { IsMapping: true })
            {
                frame.ExpectKey = !frame.ExpectKey;
            }
        }
    }

    private static bool IsSecret(List<Frame> stack)
    {
        var map = stack[^1];
        if (map.Key is not { } key)
        {
            return false;
        }
        if (AlwaysSecret.Contains(key))
        {
            return true;
        }
        foreach (var (block, secretKey) in SecretIn)
        {
            if (key == secretKey && map.Name == block)
            {
                return true;
            }
        }
        return false;
    }

    private sealed record Frame(bool IsMapping, string? Name)
    {
        public bool ExpectKey { get; set; } = true;

        public string? Key { get; set; }
    }
}
