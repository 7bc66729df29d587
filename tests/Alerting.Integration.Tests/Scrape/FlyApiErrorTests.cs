using System.Net;
using Alerting.Core.Discovery.Fly;
using Alerting.Fakes.Fly;
using Alerting.Functions.Options;
using Alerting.Functions.Scrape;
using Alerting.Integration.Tests.Notify;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Alerting.Integration.Tests.Scrape;

/// <summary>
/// fly_sd's discovery against the strict Fly Machines fake, without the rest of the app: a large organisation
/// is listed whole (the API documents no paging for apps or machines, and the fake refuses invented paging
/// parameters), a refused token is logged once per outage naming where it came from, a 429 is retried after
/// its Retry-After, and the last good machines stay meanwhile. `alerting check scrape` names an unreadable
/// token_file before deployment.
/// </summary>
public sealed class FlyApiErrorTests : IAsyncLifetime
{
    private const string Org = "your-org";

    private readonly CapturedLogs _logs = new();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-12-04T06:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private readonly AlertingOptions _options = new() { FlyApiToken = FlyMachinesFake.DefaultToken };
    private readonly string _dir = Directory.CreateTempSubdirectory("fly-api-").FullName;
    private FlyMachinesFake _fly = null!;
    private ServiceProvider _services = null!;
    private FlyDiscovery _discovery = null!;

    public async Task InitializeAsync()
    {
        _fly = await FlyMachinesFake.StartAsync();
        _fly.AddApp(Org, "vyx-user-1");
        _fly.AddMachine("vyx-user-1", new FakeFlyMachine { Id = "3d8d9014b32d38", PrivateIp = "fdaa:0:1::3" });
        _options.FlyApiUrl = _fly.BaseAddress.ToString();
        _services = new ServiceCollection().AddHttpClient().AddLogging(b => b.AddProvider(_logs)).BuildServiceProvider();
        _discovery = new FlyDiscovery(_services.GetRequiredService<IHttpClientFactory>(), _time, Microsoft.Extensions.Options.Options.Create(_options), _services.GetRequiredService<ILogger<FlyDiscovery>>());
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _fly.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private static FlySdConfig Sd(string? token = null, string? tokenFile = null) =>
        new() { Org = Org, AppNamePattern = "vyx-user-*", Token = token, TokenFile = tokenFile, RefreshInterval = TimeSpan.FromSeconds(30) };

    private async Task<int> TickAsync(FlySdConfig sd)
    {
        _time.Advance(TimeSpan.FromSeconds(31));
        return (await _discovery.GroupsAsync(sd, _dir, reuseKnown: false, CancellationToken.None)).Count;
    }

    private (LogLevel Level, string Category, string Message)[] Logged(LogLevel level) =>
        _logs.Lines.Where(l => l.Level == level && l.Category.EndsWith(nameof(FlyDiscovery), StringComparison.Ordinal)).ToArray();

    [Fact]
    public async Task Every_app_and_machine_of_a_large_organisation_is_found_from_one_listing_per_endpoint()
    {
        for (var a = 2; a <= 150; a++)
        {
            _fly.AddApp(Org, $"vyx-user-{a}");
            for (var m = 0; m < 4; m++)
            {
                _fly.AddMachine($"vyx-user-{a}", new FakeFlyMachine { Id = $"{a:x6}{m:x8}", PrivateIp = $"fdaa:0:1::{a:x}:{m}" });
            }
        }
        for (var a = 0; a < 30; a++)
        {
            _fly.AddApp(Org, $"hotdash-{a}");
        }

        var groups = await _discovery.GroupsAsync(Sd(), _dir, reuseKnown: false, CancellationToken.None);

        Assert.Equal(1 + (149 * 4), groups.Count);
        Assert.Equal(150, groups.Select(g => g.Labels[FlyTargets.AppLabel]).Distinct().Count());
        // One app list, one machine list per matching app, and no paging parameter anywhere.
        Assert.Equal(1 + 150, _fly.Requests.Count);
        Assert.Single(_fly.Requests, r => r.Path == $"/v1/apps?org_slug={Org}");
        Assert.All(_fly.Requests.Where(r => r.Path.Contains("/machines", StringComparison.Ordinal)), r => Assert.DoesNotContain('?', r.Path));
        Assert.All(_fly.Requests, r => Assert.Equal(200, r.Status));
        Assert.Empty(Logged(LogLevel.Warning));
    }

    [Theory]
    [InlineData("v1/apps?org_slug=your-org&limit=10", 400)]
    [InlineData("v1/apps?org_slug=your-org&cursor=abc", 400)]
    [InlineData("v1/apps/vyx-user-1/machines?page=2", 400)]
    [InlineData("v1/apps/vyx-user-1/machines?region=ams&include_deleted=false", 200)]
    [InlineData("v1/apps/vyx-user-1/machines?metadata.fly_process_group=app", 200)]
    public async Task The_fake_refuses_parameters_the_api_does_not_document_and_accepts_the_documented_ones(string path, int status)
    {
        using var http = new HttpClient { BaseAddress = _fly.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new("Bearer", FlyMachinesFake.DefaultToken);

        using var response = await http.SendAsync(request);

        Assert.Equal(status, (int)response.StatusCode);
        if (status == 400)
        {
            Assert.Contains("check that the parameters were correct", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("setting", "the Alerting__FlyApiToken setting")]
    [InlineData("config", "the token written in fly_sd_configs")]
    [InlineData("file", "token_file ")]
    public async Task A_refused_token_is_logged_once_per_outage_naming_its_source_and_the_last_machines_stay(string origin, string named)
    {
        var tokenFile = Path.Combine(_dir, "fly-token");
        await File.WriteAllTextAsync(tokenFile, FlyMachinesFake.DefaultToken + "\n");
        var sd = origin switch { "config" => Sd(token: FlyMachinesFake.DefaultToken), "file" => Sd(tokenFile: "fly-token"), _ => Sd() };
        Assert.Equal(1, await TickAsync(sd));

        // The token is revoked: replaced by one Fly does not know.
        _options.FlyApiToken = "fm2_revoked";
        await File.WriteAllTextAsync(tokenFile, "fm2_revoked");
        sd = origin == "config" ? Sd(token: "fm2_revoked") : sd;
        for (var tick = 0; tick < 5; tick++)
        {
            Assert.Equal(1, await TickAsync(sd));
        }

        Assert.Equal(5, _fly.Requests.Count(r => r.Status == 401));
        var error = Assert.Single(Logged(LogLevel.Error));
        Assert.Contains("refused the token from " + named, error.Message, StringComparison.Ordinal);
        Assert.Contains("fly tokens create readonly -o your-org", error.Message, StringComparison.Ordinal);
        if (origin == "file")
        {
            Assert.Contains(tokenFile, error.Message, StringComparison.Ordinal);
        }

        // Fixed: one line says so; a new outage is logged again.
        _options.FlyApiToken = FlyMachinesFake.DefaultToken;
        await File.WriteAllTextAsync(tokenFile, FlyMachinesFake.DefaultToken);
        sd = origin == "config" ? Sd(token: FlyMachinesFake.DefaultToken) : sd;
        Assert.Equal(1, await TickAsync(sd));
        Assert.Single(Logged(LogLevel.Information), l => l.Message.Contains("answers again", StringComparison.Ordinal));
        _options.FlyApiToken = "fm2_revoked";
        await File.WriteAllTextAsync(tokenFile, "fm2_revoked");
        sd = origin == "config" ? Sd(token: "fm2_revoked") : sd;
        await TickAsync(sd);
        await TickAsync(sd);
        Assert.Equal(2, Logged(LogLevel.Error).Length);
    }

    [Fact]
    public async Task A_rate_limited_refresh_waits_for_retry_after_and_keeps_the_last_machines()
    {
        var sd = Sd();
        Assert.Equal(1, await TickAsync(sd));
        _fly.FailNext(429, 1, retryAfterSeconds: 120);

        Assert.Equal(1, await TickAsync(sd));
        Assert.Equal(429, _fly.Requests[^1].Status);
        var afterRefusal = _fly.Requests.Count;

        // 31 s and 62 s later: still inside Retry-After, so Fly is not asked.
        Assert.Equal(1, await TickAsync(sd));
        Assert.Equal(1, await TickAsync(sd));
        Assert.Equal(afterRefusal, _fly.Requests.Count);

        // 124 s later: past it.
        _time.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(1, await TickAsync(sd));
        Assert.True(_fly.Requests.Count > afterRefusal);
        Assert.Equal(200, _fly.Requests[^1].Status);
        Assert.Single(Logged(LogLevel.Warning), l => l.Message.Contains("rate limited (HTTP 429)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_server_error_keeps_the_last_machines_and_is_logged_once_until_it_ends()
    {
        var sd = Sd();
        Assert.Equal(1, await TickAsync(sd));
        _fly.FailNext(503, 3);

        for (var tick = 0; tick < 3; tick++)
        {
            Assert.Equal(1, await TickAsync(sd));
        }
        Assert.Equal(1, await TickAsync(sd));

        Assert.Equal(3, _fly.Requests.Count(r => r.Status == 503));
        Assert.Single(Logged(LogLevel.Warning), l => l.Message.Contains("HTTP 503", StringComparison.Ordinal));
        Assert.Single(Logged(LogLevel.Information), l => l.Message.Contains("answers again", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Check_scrape_fails_on_an_unreadable_token_file_and_names_it()
    {
        var config = Path.Combine(_dir, "prometheus.yml");
        await File.WriteAllTextAsync(config, """
            scrape_configs:
              - job_name: 'fly-machines'
                fly_sd_configs:
                  - org: 'your-org'
                    app_name_pattern: 'vyx-user-*'
                    token_file: secrets/fly-token
            """);
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var exit = await Alerting.Cli.CliApp.RunAsync(["check", "scrape", config], stdout, stderr);

        Assert.Equal(1, exit);
        Assert.Contains($"FAILED: job fly-machines: fly_sd_configs for org your-org: cannot read token_file {Path.Combine(_dir, "secrets/fly-token")}: no such file", stderr.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("SUCCESS", stdout.ToString(), StringComparison.Ordinal);

        Directory.CreateDirectory(Path.Combine(_dir, "secrets"));
        await File.WriteAllTextAsync(Path.Combine(_dir, "secrets", "fly-token"), FlyMachinesFake.DefaultToken);
        using var stdout2 = new StringWriter();
        using var stderr2 = new StringWriter();
        Assert.Equal(0, await Alerting.Cli.CliApp.RunAsync(["check", "scrape", config], stdout2, stderr2));
        Assert.Contains("SUCCESS", stdout2.ToString(), StringComparison.Ordinal);
    }
}
