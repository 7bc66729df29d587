namespace Alerting.Core.Collection.Probe;

/// <summary>Placeholder replaced by the full probe model.</summary>
public sealed record HttpProbeConfig;
