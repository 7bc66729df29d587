using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Alerting.Core.Alertmanager;
using Alerting.DemoFleet;
using Alerting.Integration.Tests.Infrastructure;

namespace Alerting.Integration.Tests.Alertmanager;

/// <summary>One running stack for the silence API tests; each test uses its own label values.</summary>
public sealed class SilenceApiStack : IAsyncLifetime
{
    public AlertingStack Stack { get; private set; } = null!;

    public async Task InitializeAsync() => Stack = await AlertingStack.StartAsync([("1", MachineMode.Healthy)]);

    public async Task DisposeAsync() => await Stack.DisposeAsync();
}

/// <summary>Alertmanager's v2 silence API: create, update, list with filters, get, expire, and its errors.</summary>
public sealed class SilenceApiTests(SilenceApiStack fixture) : IClassFixture<SilenceApiStack>
{
    private const string Key = "?code=local-function-key";

    private AlertingStack Stack => fixture.Stack;

    private DateTimeOffset Now => Stack.Time.GetUtcNow();

    private static string T(DateTimeOffset t) => Silence.FormatTime(t);

    private string SilenceBody(string matchers, DateTimeOffset startsAt, DateTimeOffset endsAt, string? id = null) =>
        "{" + (id is null ? string.Empty : $"\"id\":\"{id}\",") +
        $"\"matchers\":[{matchers}],\"startsAt\":\"{T(startsAt)}\",\"endsAt\":\"{T(endsAt)}\",\"createdBy\":\"ops@test\",\"comment\":\"maintenance\"}}";

    private static string Eq(string name, string value) => $"{{\"name\":\"{name}\",\"value\":\"{value}\",\"isRegex\":false}}";

    private async Task<(HttpStatusCode Status, JsonNode? Body)> SendAsync(HttpMethod method, string path, string? body = null)
    {
        using var request = new HttpRequestMessage(method, "api/" + path + (path.Contains('?', StringComparison.Ordinal) ? Key.Replace('?', '&') : Key));
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }
        using var response = await Stack.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    private async Task<string> CreateAsync(string body)
    {
        var (status, answer) = await SendAsync(HttpMethod.Post, "v2/silences", body);
        Assert.True(status == HttpStatusCode.OK, $"{status}: {answer?.ToJsonString()}");
        return answer!["silenceID"]!.GetValue<string>();
    }

    private async Task<JsonNode> GetAsync(string id)
    {
        var (status, body) = await SendAsync(HttpMethod.Get, "v2/silence/" + id);
        Assert.Equal(HttpStatusCode.OK, status);
        return body!;
    }

    private static string State(JsonNode silence) => silence["status"]!["state"]!.GetValue<string>();

    [Fact]
    public async Task A_created_silence_is_active_starts_no_earlier_than_now_and_is_listed_by_matching_filters()
    {
        var id = await CreateAsync(SilenceBody(Eq("alertname", "CreateMe") + "," + Eq("instance", "vyx-user-1"), Now.AddMinutes(-5), Now.AddHours(1)));

        var silence = await GetAsync(id);
        Assert.Equal(id, silence["id"]!.GetValue<string>());
        Assert.Equal("active", State(silence));
        // A new silence never starts in the past, as in Alertmanager.
        Assert.Equal(T(Now), silence["startsAt"]!.GetValue<string>());
        Assert.Equal("ops@test", silence["createdBy"]!.GetValue<string>());
        Assert.Equal(2, silence["matchers"]!.AsArray().Count);

        var (_, matching) = await SendAsync(HttpMethod.Get, "v2/silences?filter=" + Uri.EscapeDataString("alertname=\"CreateMe\"") + "&filter=" + Uri.EscapeDataString("instance=\"vyx-user-1\""));
        Assert.Contains(matching!.AsArray(), s => s!["id"]!.GetValue<string>() == id);
        // Alertmanager 0.25 compares filters with the silence's matchers as written: a regex that would
        // match the value is a different matcher, so it does not find the silence.
        var (_, regex) = await SendAsync(HttpMethod.Get, "v2/silences?filter=" + Uri.EscapeDataString("instance=~\"vyx-.*\""));
        Assert.DoesNotContain(regex!.AsArray(), s => s!["id"]!.GetValue<string>() == id);
        var (_, other) = await SendAsync(HttpMethod.Get, "v2/silences?filter=" + Uri.EscapeDataString("alertname=\"SomethingElse\""));
        Assert.DoesNotContain(other!.AsArray(), s => s!["id"]!.GetValue<string>() == id);
    }

    [Fact]
    public async Task Updating_an_active_silence_keeps_its_id_and_changing_its_matchers_replaces_it()
    {
        var start = Now;
        var id = await CreateAsync(SilenceBody(Eq("alertname", "UpdateMe"), start, start.AddHours(1)));

        var extended = await CreateAsync(SilenceBody(Eq("alertname", "UpdateMe"), start, start.AddHours(3), id));
        Assert.Equal(id, extended);
        Assert.Equal(T(start.AddHours(3)), (await GetAsync(id))["endsAt"]!.GetValue<string>());

        var replaced = await CreateAsync(SilenceBody(Eq("alertname", "UpdateMe") + "," + Eq("severity", "warning"), start, start.AddHours(3), id));
        Assert.NotEqual(id, replaced);
        Assert.Equal("expired", State(await GetAsync(id)));
        Assert.Equal("active", State(await GetAsync(replaced)));
    }

    [Fact]
    public async Task Expiring_silences_makes_them_expired_and_expiring_twice_is_refused()
    {
        var active = await CreateAsync(SilenceBody(Eq("alertname", "ExpireMe"), Now, Now.AddHours(1)));
        var pending = await CreateAsync(SilenceBody(Eq("alertname", "ExpireMeLater"), Now.AddHours(1), Now.AddHours(2)));
        Assert.Equal("pending", State(await GetAsync(pending)));

        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Delete, "v2/silence/" + active)).Status);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Delete, "v2/silence/" + pending)).Status);
        Assert.Equal("expired", State(await GetAsync(active)));
        Assert.Equal("expired", State(await GetAsync(pending)));

        var (status, body) = await SendAsync(HttpMethod.Delete, "v2/silence/" + active);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("already expired", body!["error"]!.GetValue<string>(), StringComparison.Ordinal);

        // Listing puts active silences before expired ones.
        var (_, all) = await SendAsync(HttpMethod.Get, "v2/silences");
        var states = all!.AsArray().Select(s => State(s!)).ToArray();
        Assert.Equal(states.OrderBy(s => s == "active" ? 0 : s == "pending" ? 1 : 2), states);
    }

    [Fact]
    public async Task Concurrent_expiries_of_one_silence_succeed_exactly_once()
    {
        var id = await CreateAsync(SilenceBody(Eq("alertname", "RaceMe"), Now, Now.AddHours(1)));

        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => SendAsync(HttpMethod.Delete, "v2/silence/" + id)));

        // The ETag on the row lets exactly one writer expire it; the others re-read and see it expired.
        Assert.Single(answers, a => a.Status == HttpStatusCode.OK);
        Assert.All(answers.Where(a => a.Status != HttpStatusCode.OK), a => Assert.Equal(HttpStatusCode.BadRequest, a.Status));
        Assert.Equal("expired", State(await GetAsync(id)));
    }

    [Fact]
    public async Task Silences_expired_longer_than_the_retention_are_forgotten()
    {
        var old = await CreateAsync(SilenceBody(Eq("alertname", "LongGone"), Now, Now.AddHours(1)));
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Delete, "v2/silence/" + old)).Status);
        var filter = "v2/silences?filter=" + Uri.EscapeDataString("alertname=\"LongGone\"");
        Assert.Single((await SendAsync(HttpMethod.Get, filter)).Body!.AsArray());

        // Alertmanager keeps expired silences for --data.retention (120h by default).
        Stack.Time.Advance(TimeSpan.FromHours(121));

        Assert.Empty((await SendAsync(HttpMethod.Get, filter)).Body!.AsArray());
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Get, "v2/silence/" + old)).Status);
    }

    [Theory]
    [InlineData("{\"matchers\":[M],\"startsAt\":\"NOW\",\"endsAt\":\"PAST\",\"createdBy\":\"a\",\"comment\":\"c\"}", "Failed to create silence: start time must be before end time")]
    [InlineData("{\"matchers\":[M],\"startsAt\":\"PAST\",\"endsAt\":\"PAST\",\"createdBy\":\"a\",\"comment\":\"c\"}", "Failed to create silence: start time must be before end time")]
    [InlineData("{\"matchers\":[M],\"startsAt\":\"LONGAGO\",\"endsAt\":\"PAST\",\"createdBy\":\"a\",\"comment\":\"c\"}", "Failed to create silence: end time can't be in the past")]
    [InlineData("{\"matchers\":[],\"startsAt\":\"NOW\",\"endsAt\":\"FUTURE\",\"createdBy\":\"a\",\"comment\":\"c\"}", "matchers in body should have at least 1 items")]
    [InlineData("{\"matchers\":[{\"name\":\"job\",\"value\":\".*\",\"isRegex\":true}],\"startsAt\":\"NOW\",\"endsAt\":\"FUTURE\",\"createdBy\":\"a\",\"comment\":\"c\"}", "at least one matcher must not match the empty string")]
    [InlineData("{\"matchers\":[{\"name\":\"job\",\"value\":\"(\",\"isRegex\":true}],\"startsAt\":\"NOW\",\"endsAt\":\"FUTURE\",\"createdBy\":\"a\",\"comment\":\"c\"}", "silence invalid: invalid label matcher 0: invalid regular expression \\\"(\\\": error parsing regexp: missing closing ): `(`")]
    [InlineData("{\"matchers\":[{\"name\":\"0bad\",\"value\":\"x\",\"isRegex\":false}],\"startsAt\":\"NOW\",\"endsAt\":\"FUTURE\",\"createdBy\":\"a\",\"comment\":\"c\"}", "invalid label name \\\"0bad\\\"")]
    [InlineData("{\"matchers\":[M],\"startsAt\":\"NOW\",\"endsAt\":\"FUTURE\",\"comment\":\"c\"}", "createdBy in body is required")]
    [InlineData("{\"matchers\":[M],\"startsAt\":\"yesterday\",\"endsAt\":\"FUTURE\",\"createdBy\":\"a\",\"comment\":\"c\"}", "invalid silence")]
    [InlineData("{\"matchers\":[M],", "malformed JSON")]
    public async Task Invalid_silences_are_rejected_with_the_reason(string template, string reason)
    {
        var body = template
            .Replace("M", Eq("alertname", "Rejected"), StringComparison.Ordinal)
            .Replace("LONGAGO", T(Now.AddHours(-2)), StringComparison.Ordinal)
            .Replace("PAST", T(Now.AddHours(-1)), StringComparison.Ordinal)
            .Replace("NOW", T(Now), StringComparison.Ordinal)
            .Replace("FUTURE", T(Now.AddHours(1)), StringComparison.Ordinal);
        var (status, answer) = await SendAsync(HttpMethod.Post, "v2/silences", body);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(reason.Replace("\\\"", "\"", StringComparison.Ordinal), answer!["error"]!.GetValue<string>(), StringComparison.Ordinal);

        var (_, all) = await SendAsync(HttpMethod.Get, "v2/silences?filter=" + Uri.EscapeDataString("alertname=\"Rejected\""));
        Assert.Empty(all!.AsArray());
    }

    [Fact]
    public async Task Unknown_ids_are_not_found_and_bad_filters_and_missing_keys_are_refused()
    {
        var unknown = Guid.NewGuid().ToString();
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Get, "v2/silence/" + unknown)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Delete, "v2/silence/" + unknown)).Status);
        var (status, body) = await SendAsync(HttpMethod.Post, "v2/silences", SilenceBody(Eq("alertname", "X"), Now, Now.AddHours(1), unknown));
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal("silence not found", body!["error"]!.GetValue<string>());

        var (filterStatus, filterBody) = await SendAsync(HttpMethod.Get, "v2/silences?filter=" + Uri.EscapeDataString("alertname~~x"));
        Assert.Equal(HttpStatusCode.BadRequest, filterStatus);
        Assert.Contains("bad matcher format", filterBody!["error"]!.GetValue<string>(), StringComparison.Ordinal);

        using var withoutKey = await Stack.Http.GetAsync("api/v2/silences");
        Assert.Equal(HttpStatusCode.Unauthorized, withoutKey.StatusCode);
    }
}
