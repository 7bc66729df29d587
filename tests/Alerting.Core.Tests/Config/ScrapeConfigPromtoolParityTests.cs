using Alerting.Core.Config;
using Alerting.Core.Scrape.Config;
using Alerting.Core.Tests.Rules;

namespace Alerting.Core.Tests.Config;

/// <summary>
/// <c>alerting check scrape</c> gives <c>promtool check config</c>'s verdict on the scrape section of a
/// prometheus.yml, and the same message where promtool's is a decoding error.
/// </summary>
public sealed class ScrapeConfigPromtoolParityTests
{
    private const string Job = "scrape_configs:\n- job_name: a\n  static_configs:\n  - targets: ['h:9100']\n";

    public static TheoryData<string, string> Cases() => new()
    {
        { "plain job", Job },
        { "global intervals", "global:\n  scrape_interval: 30s\n  scrape_timeout: 10s\n  evaluation_interval: 1m\n  external_labels: {dc: eu}\n" + Job },
        { "relabelling", Job + "  relabel_configs:\n  - source_labels: [__address__]\n    regex: '(.*):.*'\n    target_label: host\n  - action: labeldrop\n    regex: tmp\n" },
        { "basic auth and tls", Job + "  basic_auth: {username: u, password: p}\n  tls_config: {insecure_skip_verify: true, server_name: x, min_version: TLS12}\n" },
        { "bearer token", Job + "  bearer_token: abc\n" },
        { "authorization", Job + "  authorization: {type: Token, credentials: abc}\n" },
        { "oauth2", Job + "  oauth2: {client_id: a, client_secret: b, token_url: 'http://t/token', scopes: [x], endpoint_params: {k: v}}\n" },
        { "proxy", Job + "  proxy_url: 'http://proxy:3128'\n  follow_redirects: false\n  enable_http2: false\n" },
        { "discovery", "scrape_configs:\n- job_name: a\n  file_sd_configs:\n  - files: [targets/*.json]\n    refresh_interval: 1m\n  http_sd_configs:\n  - url: 'http://sd/targets'\n  dns_sd_configs:\n  - names: [_x._tcp.example]\n  - names: [a.internal]\n    type: AAAA\n    port: 9100\n" },
        { "scheme path params", Job + "  scheme: https\n  metrics_path: /m\n  params: {module: [http_2xx]}\n  honor_labels: true\n  honor_timestamps: false\n  sample_limit: 100\n  body_size_limit: 10MB\n" },
        { "unknown field", Job + "  scrape_intervl: 5s\n" },
        { "unknown fields everywhere", "global:\n  foo: 1\n" + Job + "  bar: 2\n  relabel_configs:\n  - baz: 1\nzzz: 1\n" },
        { "bad duration", Job + "  scrape_interval: 5x\n" },
        { "timeout above interval", Job + "  scrape_interval: 5s\n  scrape_timeout: 10s\n" },
        { "global timeout above interval", "global:\n  scrape_interval: 5s\n  scrape_timeout: 6s\n" },
        { "duplicate job", Job + Job[16..] },
        { "no job name", "scrape_configs:\n- static_configs:\n  - targets: ['h:1']\n" },
        { "repeated key", "scrape_configs:\n- job_name: a\n  job_name: b\n" },
        { "string for bool", Job + "  honor_labels: 'true'\n" },
        { "password twice", Job + "  basic_auth: {username: u, password: p, password_file: f}\n" },
        { "basic authorization", Job + "  authorization: {type: Basic, credentials: x}\n" },
        { "bearer and authorization", Job + "  bearer_token: a\n  authorization: {credentials: b}\n" },
        { "oauth2 without secret", Job + "  oauth2: {client_id: a, token_url: 'http://t'}\n" },
        { "bad tls version", Job + "  tls_config: {min_version: TLS9}\n" },
        { "bad proxy url", Job + "  proxy_url: '::x'\n" },
        { "dns A without port", "scrape_configs:\n- job_name: a\n  dns_sd_configs:\n  - names: [a.internal]\n    type: A\n" },
        { "file sd without files", "scrape_configs:\n- job_name: a\n  file_sd_configs:\n  - refresh_interval: 1m\n" },
        { "http sd without url", "scrape_configs:\n- job_name: a\n  http_sd_configs:\n  - refresh_interval: 1m\n" },
        { "url as target", "scrape_configs:\n- job_name: a\n  static_configs:\n  - targets: ['http://h:1/metrics']\n" },
        { "url as target with relabelling", "scrape_configs:\n- job_name: a\n  static_configs:\n  - targets: ['http://h:1/metrics']\n  relabel_configs:\n  - target_label: x\n    replacement: y\n" },
        { "unknown relabel action", Job + "  relabel_configs:\n  - action: explode\n" },
        { "bad label name", Job.Replace("['h:9100']", "['h:9100']\n    labels: {'bad-name': x}", StringComparison.Ordinal) },
        { "null scrape config", "scrape_configs:\n- \n" },
        { "list for a string", Job + "  metrics_path: [a]\n" },
    };

    [PromtoolTheory]
    [MemberData(nameof(Cases))]
    public void Verdict_and_decoding_errors_match_promtool_check_config(string name, string yaml)
    {
        using var dir = new TempDir();
        var path = dir.Write("prometheus.yml", yaml);
        var reference = Promtool.Run(dir.Path, "check", "config", "prometheus.yml");
        string? ours = null;
        try
        {
            var config = ScrapeConfigLoader.Parse(yaml, "prometheus.yml");
            ours = ScrapeConfigLoader.StaticTargetProblems(config).FirstOrDefault();
        }
        catch (ConfigException e)
        {
            ours = e.Detail;
        }
        Assert.True((reference.Exit == 0) == (ours is null), $"{name}: promtool exit {reference.Exit} ({reference.Stderr.Trim()}), ours: {ours ?? "valid"}");
        const string prefix = "  FAILED: parsing YAML file prometheus.yml: ";
        if (reference.Stderr.StartsWith(prefix, StringComparison.Ordinal) && reference.Stderr.Contains("yaml: ", StringComparison.Ordinal))
        {
            Assert.Equal(reference.Stderr[prefix.Length..].TrimEnd('\n'), ours);
        }
        _ = path;
    }
}
