namespace Alerting.Functions.Options;

/// <summary>
/// How a scrape tick is fanned out over instances (configuration section <c>Alerting:Scrape</c>, app settings
/// <c>Alerting__Scrape__*</c> on Azure).
/// </summary>
public sealed class ScrapeOptions
{
    public const string Section = "Alerting:Scrape";

    /// <summary>
    /// Targets per shard message, on average (targets are hashed into shards, so a shard holds about this
    /// many). 200 targets of about 100 series each take one instance about a second (bench/README.md),
    /// a few seconds over real networks: small enough for a slow shard not to hold a tick back, large
    /// enough that queue and blob round trips stay a small part of the work.
    /// </summary>
    public int ShardSize { get; set; } = 200;
}
