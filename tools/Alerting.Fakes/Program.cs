using System.Globalization;
using Alerting.Fakes;

// Usage: Alerting.Fakes slack|pagerduty [--port N] [--log FILE] [--bot-token xoxb-...] (the token is for slack's Web API)
string? Str(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
if (args.Length == 0 || args[0] is not ("slack" or "pagerduty"))
{
    Console.Error.WriteLine("usage: Alerting.Fakes slack|pagerduty [--port N] [--log FILE] [--bot-token xoxb-...]");
    return 2;
}
var port = int.Parse(Str("--port") ?? "0", CultureInfo.InvariantCulture);
if (args[0] == "pagerduty")
{
    await using var pagerDuty = await PagerDutyFake.StartAsync(PagerDutyFake.LoadCoreContract(), port, Str("--log"));
    Console.WriteLine($"PagerDuty Events API v2 fake: {pagerDuty.EventsUrl}  (events: {pagerDuty.BaseAddress}_fake/events, incidents: {pagerDuty.BaseAddress}_fake/incidents)");
    await pagerDuty.WaitForShutdownAsync();
    return 0;
}
await using var slack = await SlackWebhookFake.StartAsync(new SlackFakeOptions
{
    Port = port,
    LogFile = Str("--log"),
    BotToken = Str("--bot-token") ?? SlackFakeOptions.DefaultBotToken,
});
Console.WriteLine($"Slack webhook fake: {slack.WebhookUrl}  (messages: {slack.BaseAddress}_fake/messages)");
Console.WriteLine($"Slack Web API fake: {slack.WebApiUrl}chat.postMessage, {slack.WebApiUrl}chat.update  (bot token: {slack.BotToken}; messages: {slack.BaseAddress}_fake/chat)");
await slack.WaitForShutdownAsync();
return 0;
