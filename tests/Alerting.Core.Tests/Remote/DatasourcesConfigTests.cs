using Alerting.Core.Config;
using Alerting.Core.PromQL;
using Alerting.Core.Remote;
using Alerting.Core.Rules;

namespace Alerting.Core.Tests.Remote;

public sealed class DatasourcesConfigTests
{
    private static readonly RuleFile Rules = RuleFileLoader.Parse("""
        groups:
          - {name: fly-app, rules: [{alert: A, expr: up == 0}]}
          - {name: local, rules: [{alert: B, expr: up == 0}]}
        """, "/etc/rules/fleet.rules.yml");

    [Fact]
    public void A_datasource_covers_the_groups_its_globs_name_and_the_first_match_wins()
    {
        var config = DatasourcesConfigLoader.Parse("""
            datasources:
              - name: fly
                url: https://api.fly.io/prometheus/personal
                rule_groups: ['fly-*']
                timeout: 10s
                retries: 1
                http_config:
                  authorization: {credentials: secret-token}
              - name: all
                url: http://prometheus:9090
                rule_files: ['fleet.rules.yml']
            """, "datasources.yml");

        Assert.Equal("fly", config.For(Rules.Groups[0])!.Name);
        Assert.Equal("all", config.For(Rules.Groups[1])!.Name);
        var fly = config.Datasources[0];
        Assert.Equal(TimeSpan.FromSeconds(10), fly.Timeout);
        Assert.Equal(1, fly.Retries);
        Assert.Equal("Bearer", fly.HttpConfig.Authorization!.Type);
        Assert.Equal("secret-token", fly.HttpConfig.Authorization.Credentials);
        Assert.Null(DatasourcesConfig.None.For(Rules.Groups[0]));
    }

    [Fact]
    public void Azuread_defaults_to_the_azure_monitor_query_scope_and_public_cloud()
    {
        var ds = DatasourcesConfigLoader.Parse("""
            datasources:
              - name: amw
                url: https://amw-1234.eastus.prometheus.monitor.azure.com
                rule_groups: ['*']
                azuread:
                  managed_identity: {client_id: 00000000-0000-0000-0000-000000000001}
            """, "datasources.yml").Datasources.Single();

        Assert.Equal(new AzureAdConfig("AzurePublic", "00000000-0000-0000-0000-000000000001", "https://prometheus.monitor.azure.com/.default"), ds.AzureAd);
    }

    [Theory]
    [InlineData("datasources:\n  - {name: a, url: 'ftp://x', rule_groups: ['*']}", "datasources.yml:2:", "url must be an absolute http or https URL")]
    [InlineData("datasources:\n  - {url: 'http://x', rule_groups: ['*']}", "datasources.yml:2:", "missing required key 'name'")]
    [InlineData("datasources:\n  - {name: a, url: 'http://x'}", "datasources.yml:2:", "names no rule_groups or rule_files")]
    [InlineData("datasources:\n  - {name: a, url: 'http://x', rule_groups: ['*'], tiemout: 1s}", "datasources.yml:2:", "tiemout")]
    [InlineData("datasources:\n  - {name: a, url: 'http://x', rule_groups: ['*'], timeout: soon}", "datasources.yml:2:", "soon")]
    [InlineData("datasources:\n  - {name: a, url: 'http://x', rule_groups: ['*'], retries: -1}", "datasources.yml:2:", "retries must be between 0 and 10")]
    [InlineData("datasources:\n  - {name: a, url: 'http://x', rule_groups: ['*']}\n  - {name: a, url: 'http://y', rule_groups: ['*']}", "datasources.yml:3:", "datasource \"a\" is defined twice")]
    [InlineData("datasources:\n  - {name: a, url: 'http://x', rule_groups: ['*'], azuread: {cloud: Mars}}", "datasources.yml:2:", "unknown cloud \"Mars\"")]
    [InlineData("datasources:\n  - {name: a, url: 'http://x', rule_groups: ['*'], azuread: {}, http_config: {basic_auth: {username: u, password: p}}}", "datasources.yml:2:", "at most one of azuread")]
    public void A_bad_datasources_file_is_refused_with_its_position_and_reason(string yaml, string where, string why)
    {
        var e = Assert.Throws<ConfigException>(() => DatasourcesConfigLoader.Parse(yaml, "datasources.yml"));
        Assert.Contains(where, e.Message, StringComparison.Ordinal);
        Assert.Contains(why, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_instant_vector_answer_becomes_the_samples_a_rule_sees()
    {
        var value = QueryApiResponse.Parse("""
            {"status":"success","data":{"resultType":"vector","result":[
              {"metric":{"__name__":"up","job":"a"},"value":[1700000000.123,"1"]},
              {"metric":{"job":"b"},"value":[1700000000.123,"NaN"]},
              {"metric":{"job":"c"},"value":[1700000000.123,"-Inf"]},
              {"metric":{"job":"d"},"value":[1700000000.123,"1e+06"]}]},"warnings":["w"]}
            """u8, 200, "datasource \"x\"");

        var samples = Assert.IsType<VectorValue>(value).Samples;
        Assert.Equal(4, samples.Count);
        Assert.Equal("up", samples[0].Labels.Get("__name__"));
        Assert.Equal(1700000000123, samples[0].TimestampMs);
        Assert.True(double.IsNaN(samples[1].Value));
        Assert.Equal(double.NegativeInfinity, samples[2].Value);
        Assert.Equal(1e6, samples[3].Value);
        Assert.Equal(42, Assert.IsType<ScalarValue>(QueryApiResponse.Parse("""{"status":"success","data":{"resultType":"scalar","result":[1,"42"]}}"""u8, 200, "d")).Value);
    }

    [Theory]
    [InlineData("", 200, "answer is not the Prometheus API's JSON", "(empty body)")]
    [InlineData("{\"status\":\"success\",\"data\":{\"resultType\":\"streams\",\"result\":[]}}", 200, "malformed query answer", "result type \"streams\" is not an instant vector, range vector or scalar")]
    [InlineData("{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{},\"value\":[1,\"abc\"]}]}}", 200, "malformed query answer", "sample value \"abc\" is not a number")]
    [InlineData("{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{},\"histogram\":[1,{}]}]}}", 200, "malformed query answer", "native histogram")]
    [InlineData("{\"status\":\"error\",\"errorType\":\"timeout\",\"error\":\"query timed out in expression evaluation\"}", 503, "status 503: timeout: query timed out", "")]
    [InlineData("[1,2]", 200, "malformed query answer", "no \"status\" field")]
    [InlineData("{\"status\":\"success\"}", 200, "malformed query answer", "data")]
    public void A_malformed_or_failed_answer_is_a_rule_error_naming_the_datasource(string body, int status, string what, string detail)
    {
        var e = Assert.Throws<RuleEvaluationException>(() => QueryApiResponse.Parse(System.Text.Encoding.UTF8.GetBytes(body), status, "datasource \"x\" (http://h)"));
        Assert.StartsWith("datasource \"x\" (http://h): status " + status, e.Message, StringComparison.Ordinal);
        Assert.Contains(what, e.Message, StringComparison.Ordinal);
        Assert.Contains(detail, e.Message, StringComparison.Ordinal);
    }
}
