namespace Alerting.Core.Model;

/// <summary>
/// An alert as Prometheus sends it to Alertmanager and Alertmanager hands it to receivers: identity is
/// the label set; annotations carry text. <see cref="EndsAt"/> in the past means resolved.
/// </summary>
public sealed record Alert(
    Labels Labels,
    Labels Annotations,
    DateTimeOffset StartsAt,
    DateTimeOffset? EndsAt,
    string GeneratorUrl)
{
    public string Fingerprint => Labels.FingerprintHex();

    public bool IsResolvedAt(DateTimeOffset now) => EndsAt is { } end && end <= now;

    public string Name => Labels["alertname"];
}
