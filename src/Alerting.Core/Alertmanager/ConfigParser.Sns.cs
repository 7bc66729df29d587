using Alerting.Core.Config;

namespace Alerting.Core.Alertmanager;

/// <summary><c>sns_configs</c> with Alertmanager 0.25's defaults and errors (config/notifiers.go SNSConfig, prometheus/common sigv4).</summary>
internal sealed partial class ConfigParser
{
    private void ParseSns(YamlNode node, string path, ReceiverDraft draft)
    {
        var m = OpenIntegration(node, path, "sns");
        if (m is null)
        {
            return;
        }
        var http = HttpClientConfigParser.Parse(m, "http_config");
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v, _) in m.StringMap("attributes") ?? [])
        {
            attributes[k] = v;
        }
        var d = new SnsConfig();
        var cfg = new SnsConfig
        {
            SendResolved = m.Bool("send_resolved") ?? true,
            HttpConfig = http ?? new HttpClientConfig(),
            // A plain string in Alertmanager (templated at send time), not a URL type: no URL check here.
            ApiUrl = m.String("api_url") ?? string.Empty,
            Sigv4 = ParseSigV4(m) ?? new SnsSigV4(),
            TopicArn = m.String("topic_arn") ?? string.Empty,
            PhoneNumber = m.String("phone_number") ?? string.Empty,
            TargetArn = m.String("target_arn") ?? string.Empty,
            Subject = m.String("subject") ?? d.Subject,
            Message = m.String("message") ?? d.Message,
            Attributes = attributes,
        };
        m.Done();
        if (m.HadTypeErrors)
        {
            return;
        }
        // Go's (target == "") != (topic == "") != (phone == ""), evaluated left to right as 0.25 does.
        bool a = cfg.TargetArn.Length == 0, b = cfg.TopicArn.Length == 0, c = cfg.PhoneNumber.Length == 0;
        if ((a != b) != c)
        {
            throw _ctx.Error(m.Node, path, "must provide either a Target ARN, Topic ARN, or Phone Number for SNS config");
        }
        draft.Snses.Add((cfg, http is not null));
    }

    private SnsSigV4? ParseSigV4(YamlMap parent)
    {
        var m = YamlMap.Open(_ctx, parent.Get("sigv4"), parent.KeyPath("sigv4"), "sigv4.plain");
        if (m is null)
        {
            return null;
        }
        var sigv4 = new SnsSigV4
        {
            AccessKey = m.String("access_key") ?? string.Empty,
            SecretKey = m.String("secret_key", "config.plain") ?? string.Empty,
            Region = m.String("region") ?? string.Empty,
            Profile = m.String("profile") ?? string.Empty,
            RoleArn = m.String("role_arn") ?? string.Empty,
        };
        m.Accept("use_fips_sts_endpoint", "external_id");
        m.Done();
        if (!m.HadTypeErrors && (sigv4.AccessKey.Length == 0) != (sigv4.SecretKey.Length == 0))
        {
            throw _ctx.Error(m.Node, m.Path, "must provide a AWS SigV4 Access key and Secret Key if credentials are specified in the SigV4 config");
        }
        return sigv4;
    }
}
