using Alerting.Functions.Pipeline;
using Microsoft.Extensions.Logging;

namespace Alerting.Functions.Tsdb;

/// <summary>
/// The <c>Compact</c> timer's work: compact with the retention the current rules need. Any failure
/// (storage unavailable, a damaged blob it could not step over) is logged and ends the run; nothing is
/// committed half-way, so the next run resumes.
/// </summary>
public sealed partial class CompactionRunner(ConfigProvider config, SampleRetention retention, Compactor compactor, ILogger<CompactionRunner> logger)
{
    public async Task<CompactionReport?> RunTickAsync(CancellationToken ct)
    {
        try
        {
            var keep = retention.Effective(config.RuleFiles());
            var report = await compactor.RunAsync(keep, ct).ConfigureAwait(false);
            if (report.BlocksWritten + report.BlocksMerged + report.BlocksExpired + report.TicksDeleted + report.BlocksDeleted > 0)
            {
                LogRun(logger, report.BlocksWritten, report.BlocksMerged, report.BlocksExpired, report.TicksDeleted, report.BlocksDeleted, keep);
            }
            return report;
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            LogFailed(logger, e);
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Compaction: {Written} blocks written, {Merged} merged, {Expired} expired, {Ticks} ticks and {Blocks} blocks deleted (retention {Retention})")]
    private static partial void LogRun(ILogger logger, int written, int merged, int expired, int ticks, int blocks, TimeSpan retention);

    [LoggerMessage(Level = LogLevel.Error, Message = "Compaction failed; the next run resumes from the manifest")]
    private static partial void LogFailed(ILogger logger, Exception e);
}
