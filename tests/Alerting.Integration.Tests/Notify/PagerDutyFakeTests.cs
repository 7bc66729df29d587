using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Alerting.Fakes;

namespace Alerting.Integration.Tests.Notify;

/// <summary>The PagerDuty fake answers and tracks incidents the way PagerDuty's Events API v2 does.</summary>
public sealed class PagerDutyFakeTests : IAsyncLifetime
{
    private readonly HttpClient _http = new();
    private PagerDutyFake _fake = null!;

    public async Task InitializeAsync() => _fake = await PagerDutyTestKit.StartFakeAsync();

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _fake.DisposeAsync();
    }

    private async Task<(HttpStatusCode Status, JsonObject Body)> PostAsync(string json)
    {
        using var response = await _http.PostAsync(_fake.EventsUrl, new StringContent(json, Encoding.UTF8, "application/json"));
        return (response.StatusCode, (await response.Content.ReadFromJsonAsync<JsonObject>())!);
    }

    private static string Event(string action, string dedupKey, string summary = "Disk full on vyx-user-1") =>
        $$$"""{"routing_key":"{{{PagerDutyTestKit.RoutingKey}}}","event_action":"{{{action}}}","dedup_key":"{{{dedupKey}}}","payload":{"summary":"{{{summary}}}","source":"vyx-user-1","severity":"critical"}}""";

    [Fact]
    public async Task A_valid_trigger_gets_202_with_its_dedup_key_and_opens_an_incident()
    {
        var (status, body) = await PostAsync(Event("trigger", "group-1"));

        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.Equal("success", (string?)body["status"]);
        Assert.Equal("Event processed", (string?)body["message"]);
        Assert.Equal("group-1", (string?)body["dedup_key"]);
        var incident = Assert.Single(_fake.Incidents);
        Assert.Equal(("group-1", "triggered", "Disk full on vyx-user-1"), (incident.DedupKey, incident.Status, incident.Summary));
    }

    [Fact]
    public async Task A_repeated_trigger_adds_to_the_open_incident_instead_of_opening_another()
    {
        await PostAsync(Event("trigger", "group-1"));
        await PostAsync(Event("trigger", "group-1"));
        await PostAsync(Event("acknowledge", "group-1"));

        var incident = Assert.Single(_fake.Incidents);
        Assert.Equal("acknowledged", incident.Status);
        Assert.Equal(3, incident.Events);

        await PostAsync(Event("resolve", "group-1"));
        Assert.Equal("resolved", Assert.Single(_fake.Incidents).Status);

        // A trigger after the incident was resolved opens a new one, as on PagerDuty.
        await PostAsync(Event("trigger", "group-1"));
        Assert.Equal(["resolved", "triggered"], _fake.Incidents.Select(i => i.Status));
    }

    [Fact]
    public async Task An_invalid_event_gets_400_with_every_problem_and_is_not_kept()
    {
        var (status, body) = await PostAsync("""{"routing_key":"short","event_action":"page","payload":{"summary":"","source":"x","severity":"fatal"}}""");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("invalid event", (string?)body["status"]);
        Assert.Equal("Event object is invalid", (string?)body["message"]);
        var errors = body["errors"]!.AsArray().Select(e => (string)e!).ToArray();
        Assert.Contains(errors, e => e.Contains("routing_key", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("event_action", StringComparison.Ordinal));
        Assert.Empty(_fake.Received);
        Assert.Single(_fake.Rejected);
    }

    [Fact]
    public async Task Told_to_fail_it_answers_the_status_for_exactly_that_many_requests()
    {
        _fake.FailNext(429, 2);

        Assert.Equal(HttpStatusCode.TooManyRequests, (await PostAsync(Event("trigger", "g"))).Status);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await PostAsync(Event("trigger", "g"))).Status);
        Assert.Equal(HttpStatusCode.Accepted, (await PostAsync(Event("trigger", "g"))).Status);
        Assert.Equal(3, _fake.Requests);
        Assert.Single(_fake.Received);
    }

    [Fact]
    public async Task Accepted_events_are_listed_for_inspection()
    {
        await PostAsync(Event("trigger", "group-1"));

        var events = await _http.GetFromJsonAsync<JsonArray>(new Uri(_fake.BaseAddress, "_fake/events"));

        var only = Assert.Single(events!)!;
        Assert.Equal("group-1", (string?)only["body"]!["dedup_key"]);
    }

    [Fact]
    public void The_standalone_tool_validates_with_cores_contract()
    {
        var contract = PagerDutyFake.LoadCoreContract();

        Assert.Empty(contract.Validate(Event("trigger", "group-1")));
        Assert.NotEmpty(contract.Validate("""{"event_action":"trigger"}"""));
        Assert.Equal("Event processed", (string?)contract.SuccessResponse("k")["message"]);
    }
}
