using System.Net;
using Alerting.Core.PromQL;
using Alerting.Core.Remote;
using Alerting.Core.Rules;
using Alerting.Functions.Remote;
using Azure.Core;
using Azure.Identity;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Alerting.Functions.Tests.Remote;

/// <summary>
/// The wiring of Entra-authenticated datasources (Azure Monitor workspaces), which cannot be reached
/// here: which Azure.Identity credential is built, and that its token for the configured scope is sent
/// as the bearer token and reused until shortly before it expires.
/// </summary>
public sealed class RemoteQuerierTests
{
    private static DatasourceConfig Amw(AzureAdConfig? ad) => new()
    {
        Name = "amw",
        Url = new Uri("https://amw.eastus.prometheus.monitor.azure.com"),
        RuleGroups = ["*"],
        AzureAd = ad,
    };

    [Fact]
    public void A_client_id_selects_that_user_assigned_managed_identity_and_none_selects_the_default_chain()
    {
        var mi = EntraTokenSource.For(new AzureAdConfig("AzurePublic", "00000000-0000-0000-0000-000000000001", DatasourceConfig.AzureMonitorScope));
        var chain = EntraTokenSource.For(new AzureAdConfig("AzureChina", null, DatasourceConfig.AzureMonitorScope));

        Assert.IsType<ManagedIdentityCredential>(mi.Credential);
        Assert.IsType<DefaultAzureCredential>(chain.Credential);
        Assert.Equal(DatasourceConfig.AzureMonitorScope, mi.Scope);
        Assert.Equal(AzureAuthorityHosts.AzureChina, EntraTokenSource.AuthorityHost("AzureChina"));
    }

    [Fact]
    public async Task The_entra_token_for_the_workspace_scope_is_sent_as_bearer_and_reused_until_near_expiry()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var credential = new CountingCredential(clock);
        var handler = new RecordingHandler();
        using var client = new HttpClient(handler);
        var querier = new RemoteQuerier(Amw(null), client, new EntraTokenSource(credential, DatasourceConfig.AzureMonitorScope), clock);

        await querier.InstantAsync("up", 1_700_000_000_000, CancellationToken.None);
        clock.Advance(TimeSpan.FromMinutes(50));
        await querier.InstantAsync("up", 1_700_000_000_000, CancellationToken.None);
        clock.Advance(TimeSpan.FromMinutes(6)); // within 5 minutes of the hour's expiry
        var value = await querier.InstantAsync("up", 1_700_000_000_000, CancellationToken.None);

        Assert.Equal(["Bearer token-1", "Bearer token-1", "Bearer token-2"], handler.Authorizations);
        Assert.Equal([DatasourceConfig.AzureMonitorScope], credential.Scopes.Distinct());
        Assert.Equal("https://amw.eastus.prometheus.monitor.azure.com/api/v1/query", handler.Uris[0]);
        Assert.Contains("query=up", handler.Bodies[0], StringComparison.Ordinal);
        Assert.Contains("time=1700000000", handler.Bodies[0], StringComparison.Ordinal);
        Assert.Single(Assert.IsType<VectorValue>(value).Samples);
    }

    [Fact]
    public void A_credential_that_cannot_get_a_token_is_the_rules_error()
    {
        using var client = new HttpClient(new RecordingHandler());
        var querier = new RemoteQuerier(Amw(null), client, new EntraTokenSource(new FailingCredential(), DatasourceConfig.AzureMonitorScope), TimeProvider.System);

        var e = Assert.Throws<RuleEvaluationException>(() => querier.Instant("up", null, 0, CancellationToken.None));
        Assert.Equal("datasource \"amw\" (https://amw.eastus.prometheus.monitor.azure.com): could not get a Microsoft Entra token for https://prometheus.monitor.azure.com/.default: no managed identity here", e.Message);
    }

    [Fact]
    public void A_datasources_file_that_never_loaded_reports_its_error_on_every_group_instead_of_using_the_embedded_store()
    {
        var path = Path.Combine(Path.GetTempPath(), $"datasources-{Guid.NewGuid():N}.yml");
        File.WriteAllText(path, "datasources:\n  - {name: a, url: 'nope'}\n");
        try
        {
            using var datasources = new RemoteDatasources(Microsoft.Extensions.Options.Options.Create(new RemoteOptions { DatasourcesPath = path }), TimeProvider.System, NullLogger<RemoteDatasources>.Instance);
            var group = RuleFileLoader.Parse("groups: [{name: g, rules: [{alert: A, expr: up}]}]", "r.yml").Groups[0];
            var result = new RuleGroupEvaluator(new PromQlEngine()).Evaluate(group, datasources.For(group)!, DateTimeOffset.UtcNow, [], RuleEvaluationContext.Default);

            var health = Assert.Single(result.Health);
            Assert.Equal(RuleHealth.Err, health.Health);
            Assert.StartsWith("datasources file does not load: ", health.LastError, StringComparison.Ordinal);
            Assert.Contains("url must be an absolute http or https URL", health.LastError, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private sealed class CountingCredential(TimeProvider clock) : TokenCredential
    {
        private int _issued;

        public List<string> Scopes { get; } = [];

        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) => throw new NotSupportedException("synchronous token requests are not expected");

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            Scopes.AddRange(requestContext.Scopes);
            return ValueTask.FromResult(new AccessToken($"token-{++_issued}", clock.GetUtcNow().AddHours(1)));
        }
    }

    private sealed class FailingCredential : TokenCredential
    {
        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) => throw new NotSupportedException();

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            throw new AuthenticationFailedException("no managed identity here");
    }

    private sealed class RecordingHandler : HttpMessageHandler
    {
        public List<string?> Authorizations { get; } = [];

        public List<string> Uris { get; } = [];

        public List<string> Bodies { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Authorizations.Add(request.Headers.Authorization?.ToString());
            Uris.Add(request.RequestUri!.ToString());
            Bodies.Add(await request.Content!.ReadAsStringAsync(cancellationToken));
            return new HttpResponseMessage(HttpStatusCode.OK)
            {
                Content = new StringContent("""{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1700000000,"1"]}]}}"""),
            };
        }
    }
}
