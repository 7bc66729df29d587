using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Alerting.Core.Alertmanager;
using Alerting.DemoFleet;
using Alerting.Integration.Tests.Infrastructure;

namespace Alerting.Integration.Tests.Alertmanager;

/// <summary>
/// The same silence requests go to a real Alertmanager 0.25 and to us; the answers must agree: status
/// (Alertmanager's schema errors are 422 where we say 400), error text, ids kept or replaced, states.
/// </summary>
public sealed class SilenceApiConformanceTests : IAsyncLifetime
{
    private const string Key = "?code=local-function-key";

    private readonly string _dir = Directory.CreateTempSubdirectory("alerting-am-silences-").FullName;
    private AlertingStack _stack = null!;
    private ExternalProcess _am = null!;
    private HttpClient _amHttp = null!;

    public async Task InitializeAsync()
    {
        _stack = await AlertingStack.StartAsync([("1", MachineMode.Healthy)]);
        // Both sides judge "now" alike: real Alertmanager uses the wall clock.
        _stack.Time.Advance(DateTimeOffset.UtcNow - _stack.Time.GetUtcNow());
        var config = Path.Combine(_dir, "alertmanager.yml");
        await File.WriteAllTextAsync(config, "route:\n  receiver: nobody\nreceivers:\n  - name: nobody\n");
        var bin = File.Exists("/usr/bin/prometheus-alertmanager") ? "/usr/bin/prometheus-alertmanager" : throw new InvalidOperationException("prometheus-alertmanager is not installed: run .ci/install-deps");
        (_am, var ports) = await ExternalProcess.StartListeningAsync(1, ports => ExternalProcess.Start(bin, $"--config.file={config}",
            $"--storage.path={Path.Combine(_dir, "data")}", $"--web.listen-address=127.0.0.1:{ports[0]}", "--cluster.listen-address="));
        _amHttp = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ports[0]}/") };
    }

    public async Task DisposeAsync()
    {
        _amHttp.Dispose();
        await _am.DisposeAsync();
        await _stack.DisposeAsync();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private sealed record Answer(HttpStatusCode Status, JsonNode? Body)
    {
        /// <summary>Alertmanager answers errors as a JSON string or as go-swagger's {code, message}; we as {error}.</summary>
        public string? Error => Body switch
        {
            JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
            JsonObject o when o["error"] is { } e => e.GetValue<string>(),
            JsonObject o when o["message"] is { } m => m.GetValue<string>(),
            _ => null,
        };
    }

    private static async Task<Answer> SendAsync(HttpClient http, HttpMethod method, string path, string? body)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return new Answer(response.StatusCode, string.IsNullOrWhiteSpace(text) ? null : JsonNode.Parse(text));
    }

    private async Task<(Answer Am, Answer Ours)> BothAsync(HttpMethod method, string path, string? body = null) =>
        (await SendAsync(_amHttp, method, "api/" + path, body), await SendAsync(_stack.Http, method, "api/" + path + Key, body));

    private static string Body(string matchers, DateTimeOffset start, DateTimeOffset end, string? id = null) =>
        "{" + (id is null ? string.Empty : $"\"id\":\"{id}\",") +
        $"\"matchers\":[{matchers}],\"startsAt\":\"{Silence.FormatTime(start)}\",\"endsAt\":\"{Silence.FormatTime(end)}\",\"createdBy\":\"ops\",\"comment\":\"window\"}}";

    private static string Eq(string name, string value) => $"{{\"name\":\"{name}\",\"value\":\"{value}\",\"isRegex\":false}}";

    [Fact]
    public async Task Create_validation_answers_match_alertmanager()
    {
        var now = DateTimeOffset.UtcNow;
        var cases = new Dictionary<string, string>
        {
            ["end before start"] = Body(Eq("alertname", "X"), now.AddHours(1), now),
            ["end in the past"] = Body(Eq("alertname", "X"), now.AddHours(-2), now.AddHours(-1)),
            ["no matchers"] = Body(string.Empty, now, now.AddHours(1)),
            ["matches everything"] = Body("{\"name\":\"job\",\"value\":\".*\",\"isRegex\":true}", now, now.AddHours(1)),
            ["bad regex"] = Body("{\"name\":\"job\",\"value\":\"a(b\",\"isRegex\":true}", now, now.AddHours(1)),
            ["bad label name"] = Body(Eq("0bad", "x"), now, now.AddHours(1)),
            ["missing createdBy"] = Body(Eq("alertname", "X"), now, now.AddHours(1)).Replace("\"createdBy\":\"ops\",", string.Empty, StringComparison.Ordinal),
            ["unknown id"] = Body(Eq("alertname", "X"), now, now.AddHours(1), Guid.NewGuid().ToString()),
            ["start in the past"] = Body(Eq("alertname", "Y"), now.AddHours(-1), now.AddHours(1)),
            ["negative regex"] = Body("{\"name\":\"env\",\"value\":\"prod|stage\",\"isRegex\":true,\"isEqual\":false},{\"name\":\"job\",\"value\":\"api\",\"isRegex\":false}", now.AddHours(1), now.AddHours(2)),
        };
        var mismatches = new List<string>();
        foreach (var (name, body) in cases)
        {
            var (am, ours) = await BothAsync(HttpMethod.Post, "v2/silences", body);
            var amStatus = am.Status == HttpStatusCode.UnprocessableEntity ? HttpStatusCode.BadRequest : am.Status;
            if (amStatus != ours.Status || (am.Status != HttpStatusCode.OK && am.Error != ours.Error))
            {
                mismatches.Add($"{name}: Alertmanager {(int)am.Status} {am.Body?.ToJsonString()}, ours {(int)ours.Status} {ours.Body?.ToJsonString()}");
            }
            if (am.Status == HttpStatusCode.OK && ours.Status == HttpStatusCode.OK)
            {
                var amSilence = (await SendAsync(_amHttp, HttpMethod.Get, "api/v2/silence/" + am.Body!["silenceID"], null)).Body!;
                var ourSilence = (await SendAsync(_stack.Http, HttpMethod.Get, "api/v2/silence/" + ours.Body!["silenceID"] + Key, null)).Body!;
                foreach (var field in new[] { "matchers", "status", "createdBy", "comment", "endsAt" })
                {
                    if (!JsonNode.DeepEquals(amSilence[field], ourSilence[field]))
                    {
                        mismatches.Add($"{name}: {field} Alertmanager {amSilence[field]?.ToJsonString()}, ours {ourSilence[field]?.ToJsonString()}");
                    }
                }
            }
        }
        Assert.True(mismatches.Count == 0, string.Join('\n', mismatches));
    }

    [Fact]
    public async Task Updates_keep_or_replace_ids_and_expiry_states_match_alertmanager()
    {
        var now = DateTimeOffset.UtcNow;
        var start = now.AddMinutes(1);
        async Task<(string Am, string Ours)> CreateAsync(string body)
        {
            var (am, ours) = await BothAsync(HttpMethod.Post, "v2/silences", body);
            Assert.True(am.Status == HttpStatusCode.OK && ours.Status == HttpStatusCode.OK, $"{am.Body?.ToJsonString()} / {ours.Body?.ToJsonString()}");
            return (am.Body!["silenceID"]!.GetValue<string>(), ours.Body!["silenceID"]!.GetValue<string>());
        }
        async Task<(string Am, string Ours)> StatesAsync((string Am, string Ours) ids) =>
            ((await SendAsync(_amHttp, HttpMethod.Get, "api/v2/silence/" + ids.Am, null)).Body!["status"]!["state"]!.GetValue<string>(),
             (await SendAsync(_stack.Http, HttpMethod.Get, "api/v2/silence/" + ids.Ours + Key, null)).Body!["status"]!["state"]!.GetValue<string>());

        // A pending silence: moving its end keeps the id on both sides.
        var pending = await CreateAsync(Body(Eq("alertname", "Maint"), start, start.AddHours(1)));
        var amUpdate = await SendAsync(_amHttp, HttpMethod.Post, "api/v2/silences", Body(Eq("alertname", "Maint"), start, start.AddHours(2), pending.Am));
        var ourUpdate = await SendAsync(_stack.Http, HttpMethod.Post, "api/v2/silences" + Key, Body(Eq("alertname", "Maint"), start, start.AddHours(2), pending.Ours));
        Assert.Equal(pending.Am, amUpdate.Body!["silenceID"]!.GetValue<string>());
        Assert.Equal(pending.Ours, ourUpdate.Body!["silenceID"]!.GetValue<string>());

        // Changing its matchers replaces it: a new id, and the old one is expired.
        var amReplace = await SendAsync(_amHttp, HttpMethod.Post, "api/v2/silences", Body(Eq("alertname", "Other"), start, start.AddHours(2), pending.Am));
        var ourReplace = await SendAsync(_stack.Http, HttpMethod.Post, "api/v2/silences" + Key, Body(Eq("alertname", "Other"), start, start.AddHours(2), pending.Ours));
        Assert.NotEqual(pending.Am, amReplace.Body!["silenceID"]!.GetValue<string>());
        Assert.NotEqual(pending.Ours, ourReplace.Body!["silenceID"]!.GetValue<string>());
        var replacedStates = await StatesAsync(pending);
        Assert.Equal(replacedStates.Am, replacedStates.Ours);

        // Expiring an active silence, then expiring it again.
        var active = await CreateAsync(Body(Eq("alertname", "Now"), now, now.AddHours(1)));
        var (amDelete, ourDelete) = (await SendAsync(_amHttp, HttpMethod.Delete, "api/v2/silence/" + active.Am, null), await SendAsync(_stack.Http, HttpMethod.Delete, "api/v2/silence/" + active.Ours + Key, null));
        Assert.Equal(amDelete.Status, ourDelete.Status);
        var expiredStates = await StatesAsync(active);
        Assert.Equal(("expired", "expired"), expiredStates);
    }
}
