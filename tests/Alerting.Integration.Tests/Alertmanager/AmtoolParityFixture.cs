using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
using Alerting.Functions.Functions;
using Alerting.Integration.Tests.Infrastructure;

namespace Alerting.Integration.Tests.Alertmanager;

/// <summary>
/// Our app (local host on Azurite) and a real Alertmanager 0.25 with the same alertmanager.yml, for
/// running the same client commands against both. Our app's clock follows the wall clock before every
/// command, because the real Alertmanager and amtool use it.
/// </summary>
public sealed partial class AmtoolParityFixture : IAsyncLifetime
{
    public const string Token = "amtool-test-token";

    public const string AmtoolPath = "/usr/bin/amtool";

    /// <summary>Routing with continue, grouping, a receiver per team, an inhibition and secrets to mask.</summary>
    public const string ConfigYaml = """
        global:
          resolve_timeout: 5m
          smtp_smarthost: 'localhost:25'
          smtp_from: 'am@example.org'
          smtp_auth_username: am
          smtp_auth_password: 'smtp-SECRET'
        route:
          receiver: default
          group_by: [alertname]
          group_wait: 1h
          routes:
            - matchers: ['severity="critical"']
              receiver: pager
              continue: true
            - matchers: ['team=~"db|storage"']
              receiver: db-team
              group_by: [alertname, instance]
            - matchers: ['team="web"']
              receiver: web-team
        inhibit_rules:
          - source_matchers: ['severity="critical"']
            target_matchers: ['severity="warning"']
            equal: [instance]
        receivers:
          - name: default
          - name: pager
            pagerduty_configs:
              - routing_key: 'pd-SECRET'
                send_resolved: false
          - name: db-team
          - name: web-team
            slack_configs:
              - api_url: 'http://127.0.0.1:9/slack-SECRET'
                channel: '#web'
        """;

    private readonly string _home = Directory.CreateTempSubdirectory("alerting-amtool-home-").FullName;

    public AlertingStack Stack { get; private set; } = null!;

    public RealAlertmanager Reference { get; private set; } = null!;

    /// <summary>amtool's <c>--http.config.file</c> carrying our token as a bearer credential.</summary>
    public string HttpConfigFile => Path.Combine(_home, "http.yml");

    public Uri OurUrl => new(Stack.Host.BaseAddress, "api/alertmanager");

    public Uri ReferenceUrl => Reference.Http.BaseAddress!;

    public static bool Available => File.Exists(AmtoolPath) && RealAlertmanager.Binary is not null;

    public async Task InitializeAsync()
    {
        if (!Available)
        {
            return;
        }
        await File.WriteAllTextAsync(HttpConfigFile, $"authorization:\n  credentials: {Token}\n");
        Stack = await AlertingStack.StartAsync([], alertmanagerYaml: ConfigYaml,
            settings: new Dictionary<string, string?> { [AlertmanagerClientFunctions.TokenSetting] = Token });
        SyncClock();
        Reference = await RealAlertmanager.StartAsync(ConfigYaml, "http://alerting.test");
    }

    public async Task DisposeAsync()
    {
        if (Reference is not null)
        {
            await Reference.DisposeAsync();
        }
        if (Stack is not null)
        {
            await Stack.DisposeAsync();
        }
        try
        {
            Directory.Delete(_home, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Moves our app's clock up to the wall clock (it never goes back).</summary>
    public void SyncClock()
    {
        var behind = DateTimeOffset.UtcNow - Stack.Time.GetUtcNow();
        if (behind > TimeSpan.Zero)
        {
            Stack.Time.Advance(behind);
        }
    }

    /// <summary>Runs amtool against our app (with the token) or the reference, after our work queues drained.</summary>
    public async Task<(int Exit, string Stdout, string Stderr)> AmtoolAsync(bool ours, params string[] args)
    {
        SyncClock();
        var url = ours ? OurUrl : ReferenceUrl;
        string[] connection = ours ? [$"--alertmanager.url={url}", $"--http.config.file={HttpConfigFile}"] : [$"--alertmanager.url={url}"];
        var result = await RunAsync(AmtoolPath, [.. connection, .. args]);
        if (ours && args is ["alert", "add", ..])
        {
            // Posted alerts reach the store through the "alerts" queue.
            await Stack.DrainAsync();
        }
        return result;
    }

    /// <summary>Runs our CLI (<c>alerting ...</c>, in process) with the same words against our app or the reference.</summary>
    public async Task<(int Exit, string Stdout, string Stderr)> CliAsync(bool ours, params string[] args)
    {
        SyncClock();
        string[] connection = ours ? [$"--alertmanager.url={OurUrl}", $"--http.config.file={HttpConfigFile}"] : [$"--alertmanager.url={ReferenceUrl}"];
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await Alerting.Cli.CliApp.RunAsync([.. args, .. connection], stdout, stderr);
        if (ours && args is ["alert", "add", ..])
        {
            await Stack.DrainAsync();
        }
        return (exit, stdout.ToString(), stderr.ToString());
    }

    public async Task<(int Exit, string Stdout, string Stderr)> RunAsync(string file, string[] args, string? stdin = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
        };
        // amtool reads defaults from $HOME/.config/amtool/config.yml; an empty home keeps the runs alike.
        psi.Environment["HOME"] = _home;
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi)!;
        if (stdin is not null)
        {
            await p.StandardInput.WriteAsync(stdin);
            p.StandardInput.Close();
        }
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await p.WaitForExitAsync(timeout.Token);
        return (p.ExitCode, await stdout, await stderr);
    }

    /// <summary>An HTTP client for our prefix that sends the token.</summary>
    public HttpClient OurClient()
    {
        var http = new HttpClient { BaseAddress = new Uri(Stack.Host.BaseAddress, "api/alertmanager/") };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        return http;
    }

    /// <summary>
    /// Replaces what legitimately differs between two servers given the same inputs: silence ids (UUIDs),
    /// timestamps (RFC 3339 in JSON, amtool's "2006-01-02 15:04:05 UTC" in tables) and uptime.
    /// Fingerprints, states, receivers, labels and ordering stay.
    /// </summary>
    public static string Normalize(string text)
    {
        var s = Uuid().Replace(text, "<id>");
        s = JsonTime().Replace(s, "<time>");
        return TableTime().Replace(s, "<time>");
    }

    /// <summary>A listing without its order: table rows (after the header) or JSON array items, sorted.</summary>
    public static string Unordered(string text)
    {
        if (text.StartsWith('['))
        {
            return string.Join('\n', System.Text.Json.Nodes.JsonNode.Parse(text)!.AsArray().Select(n => n!.ToJsonString()).Order(StringComparer.Ordinal));
        }
        var lines = text.Split('\n');
        return string.Join('\n', lines.Take(1).Concat(lines.Skip(1).Order(StringComparer.Ordinal)));
    }

    [GeneratedRegex(@"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")]
    private static partial Regex Uuid();

    [GeneratedRegex(@"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")]
    private static partial Regex JsonTime();

    [GeneratedRegex(@"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC")]
    private static partial Regex TableTime();

    public static StringContent JsonContent(string json) => new(json, Encoding.UTF8, "application/json");
}
