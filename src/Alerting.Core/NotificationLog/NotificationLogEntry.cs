namespace Alerting.Core.NotificationLog;

/// <summary>What one receiver integration was last told about one aggregation group (Alertmanager's nflog entry).</summary>
public sealed record NotificationLogEntry(
    IReadOnlyCollection<string> FiringFingerprints,
    IReadOnlyCollection<string> ResolvedFingerprints,
    DateTimeOffset SentAt);
