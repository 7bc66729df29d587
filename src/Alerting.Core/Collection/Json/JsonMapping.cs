namespace Alerting.Core.Collection.Json;

/// <summary>Placeholder replaced by the full mapping model.</summary>
public sealed record JsonMapping;
