using System.Text.RegularExpressions;
using Alerting.Core.Config;

namespace Alerting.Core.Alertmanager;

/// <summary><c>opsgenie_configs</c> with Alertmanager 0.25's defaults and errors (config/notifiers.go).</summary>
internal sealed partial class ConfigParser
{
    private void ParseOpsGenie(YamlNode node, string path, ReceiverDraft draft)
    {
        var m = OpenIntegration(node, path, "opsgenie");
        if (m is null)
        {
            return;
        }
        var http = HttpClientConfigParser.Parse(m, "http_config");
        var apiUrl = Url(m, "api_url");
        var details = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v, _) in m.StringMap("details") ?? [])
        {
            details[k] = v;
        }
        var responders = new List<OpsGenieResponder>();
        foreach (var (rn, rp) in m.Items("responders", "[]config.OpsGenieConfigResponder"))
        {
            var r = YamlMap.Open(_ctx, rn, rp, "config.OpsGenieConfigResponder");
            if (r is null)
            {
                continue;
            }
            var responder = new OpsGenieResponder(r.String("id") ?? string.Empty, r.String("name") ?? string.Empty, r.String("username") ?? string.Empty, r.String("type") ?? string.Empty);
            r.Done();
            if (r.HadTypeErrors)
            {
                continue;
            }
            // Go prints the struct with %v: its fields in order, space-separated, in braces.
            var shown = $"{{{responder.Id} {responder.Name} {responder.Username} {responder.Type}}}";
            if (responder.Id.Length == 0 && responder.Username.Length == 0 && responder.Name.Length == 0)
            {
                throw _ctx.Error(rn, rp, $"opsGenieConfig responder {shown} has to have at least one of id, username or name specified");
            }
            if (!responder.Type.Contains("{{", StringComparison.Ordinal) && !OpsGenieResponderType().IsMatch(responder.Type.ToLowerInvariant()))
            {
                throw _ctx.Error(rn, rp + ".type", $"opsGenieConfig responder {shown} type does not match valid options ^(team|teams|user|escalation|schedule)$");
            }
            responders.Add(responder);
        }
        var d = new OpsGenieConfig();
        var cfg = new OpsGenieConfig
        {
            SendResolved = m.Bool("send_resolved") ?? true,
            HttpConfig = http ?? new HttpClientConfig(),
            ApiKey = Empty(m.String("api_key", "config.plain")),
            ApiKeyFile = Empty(m.String("api_key_file")),
            ApiUrl = apiUrl ?? string.Empty,
            Message = m.String("message") ?? d.Message,
            Description = m.String("description") ?? d.Description,
            Source = m.String("source") ?? d.Source,
            Details = details,
            Entity = m.String("entity"),
            Responders = responders,
            Actions = m.String("actions"),
            Tags = m.String("tags"),
            Note = m.String("note"),
            Priority = m.String("priority"),
            UpdateAlerts = m.Bool("update_alerts") ?? false,
        };
        m.Done();
        if (m.HadTypeErrors)
        {
            return;
        }
        InlineOrFile(m, path, "api_key", cfg.ApiKey, cfg.ApiKeyFile);
        draft.OpsGenies.Add((cfg, http is not null, node, path));
    }

    /// <summary>Fills the api key, API URL and http_config from <c>global</c> as Alertmanager does.</summary>
    private List<OpsGenieConfig> ApplyOpsGenieGlobals(ReceiverDraft draft, GlobalConfig g)
    {
        var result = new List<OpsGenieConfig>();
        foreach (var (cfg, ownHttp, node, path) in draft.OpsGenies)
        {
            var c = ownHttp ? cfg : cfg with { HttpConfig = g.HttpConfig };
            if (c.ApiKey is null && c.ApiKeyFile is null)
            {
                if (g.GetOther("opsgenie_api_key") is null && g.GetOther("opsgenie_api_key_file") is null)
                {
                    throw _ctx.Error(node, path, "no global OpsGenie API Key set either inline or in a file");
                }
                c = c with { ApiKey = g.GetOther("opsgenie_api_key"), ApiKeyFile = g.GetOther("opsgenie_api_key_file") };
            }
            if (c.ApiUrl.Length == 0)
            {
                c = c with { ApiUrl = g.GetOther("opsgenie_api_url") ?? new OpsGenieConfig().ApiUrl };
            }
            if (!c.ApiUrl.EndsWith('/'))
            {
                // Alertmanager appends "/" to the API URL's path so "v2/alerts" is added below it.
                c = c with { ApiUrl = c.ApiUrl + "/" };
            }
            result.Add(c);
        }
        return result;
    }

    [GeneratedRegex("^(team|teams|user|escalation|schedule)$")]
    private static partial Regex OpsGenieResponderType();
}
