using Microsoft.Extensions.Options;

namespace Alerting.Functions.Options;

/// <summary>
/// The embedded sample store (configuration section <c>Alerting:Tsdb</c>, app settings
/// <c>Alerting__Tsdb__*</c>). The defaults are Prometheus' TSDB's; tests shorten the durations.
/// </summary>
public sealed class TsdbOptions
{
    public const string Section = "Alerting:Tsdb";

    /// <summary>Range of a first-level block (Prometheus' --storage.tsdb.min-block-duration).</summary>
    public TimeSpan BlockDuration { get; set; } = TimeSpan.FromHours(2);

    /// <summary>How long after a block's range ends its ticks are compacted (late ticks have arrived by then).</summary>
    public TimeSpan CompactionDelay { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Blocks merge into blocks this many times longer, up to <see cref="MaxLevel"/> levels (2h, 6h, 18h).</summary>
    public int MergeFactor { get; set; } = 3;

    public int MaxLevel { get; set; } = 3;

    /// <summary>Blocks are not merged into one larger than this (bounds a compactor's memory).</summary>
    public long MaxMergedMegabytes { get; set; } = 512;

    /// <summary>How long a replaced or expired block stays readable for instances that still list it.</summary>
    public TimeSpan DeleteGrace { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Which series the evaluator keeps in memory: those its rules select (<c>Rules</c>) or every scraped series (<c>All</c>).</summary>
    public HeadSeries HeadSeries { get; set; } = HeadSeries.Rules;

    /// <summary>Memory for cached block data (postings, series entries, chunks) per instance.</summary>
    public long BlockCacheMegabytes { get; set; } = 256;
}

public enum HeadSeries
{
    Rules,
    All,
}

/// <summary>Rejects settings the store cannot work with when the app starts.</summary>
public sealed class TsdbOptionsValidator : IValidateOptions<TsdbOptions>
{
    public ValidateOptionsResult Validate(string? name, TsdbOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (options.BlockDuration < TimeSpan.FromSeconds(1) || options.BlockDuration.Ticks % TimeSpan.TicksPerMillisecond != 0)
        {
            errors.Add($"Alerting:Tsdb:BlockDuration must be at least 1s in whole milliseconds (got {options.BlockDuration}).");
        }
        if (options.CompactionDelay < TimeSpan.Zero)
        {
            errors.Add($"Alerting:Tsdb:CompactionDelay must not be negative (got {options.CompactionDelay}).");
        }
        if (options.MergeFactor < 2)
        {
            errors.Add($"Alerting:Tsdb:MergeFactor must be at least 2 (got {options.MergeFactor}).");
        }
        if (options.MaxLevel < 1)
        {
            errors.Add($"Alerting:Tsdb:MaxLevel must be at least 1 (got {options.MaxLevel}).");
        }
        if (options.BlockCacheMegabytes < 0 || options.MaxMergedMegabytes < 1)
        {
            errors.Add("Alerting:Tsdb:BlockCacheMegabytes must not be negative and Alerting:Tsdb:MaxMergedMegabytes must be at least 1.");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
