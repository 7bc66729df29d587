using System.Text.Json.Nodes;

namespace Alerting.Fakes;

/// <summary>A request a fake accepted, as later inspected by tests and shown to demo users.</summary>
public sealed record ReceivedRequest(DateTimeOffset ReceivedAt, string Path, JsonNode Body);
