using System.Globalization;
using Alerting.Fakes;

// Usage: Alerting.Fakes slack [--port 18091] [--log slack.jsonl]
string? Str(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
if (args.Length == 0 || args[0] != "slack")
{
    Console.Error.WriteLine("usage: Alerting.Fakes slack [--port N] [--log FILE]");
    return 2;
}
var port = int.Parse(Str("--port") ?? "0", CultureInfo.InvariantCulture);
await using var slack = await SlackWebhookFake.StartAsync(port, Str("--log"));
Console.WriteLine($"Slack webhook fake: {slack.WebhookUrl}  (messages: {slack.BaseAddress}_fake/messages)");
await slack.WaitForShutdownAsync();
return 0;
