using Alerting.Core.Remote.Write;
using Alerting.Functions.Options;
using Alerting.Functions.Tsdb;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Alerting.Functions.Remote.Write;

/// <summary>What a remote write request got: the HTTP status and, for a refusal, the reason.</summary>
public sealed record RemoteWriteOutcome(int StatusCode, string? Error = null, int Samples = 0);

/// <summary>
/// Stores remote write 1.0 requests (<c>POST /api/v1/write</c>) in the sample store: headers checked as
/// Prometheus' write handler checks them, the body decoded and checked as a whole by Core's
/// <see cref="RemoteWritePlan"/>, then its ticks written to the log. A refused request writes nothing.
/// </summary>
public sealed partial class RemoteWriteReceiver(
    ScrapeTickStore log,
    ManifestStore manifests,
    TimeProvider time,
    IOptions<TsdbOptions> tsdb,
    ILogger<RemoteWriteReceiver> logger)
{
    /// <summary>The app setting holding the token(s) of the <c>/api/prometheus/api/v1/write</c> route.</summary>
    public const string TokenSetting = "Alerting:RemoteWriteToken";

    /// <summary>How late a sample may arrive: a live head lists ticks this far back (SampleStore's late-write margin).</summary>
    private static readonly TimeSpan LateWrite = TimeSpan.FromMinutes(15);

    public async Task<RemoteWriteOutcome> ReceiveAsync(byte[] body, string? contentType, string? contentEncoding, string? version, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (RemoteWriteHeaders.Check(contentType, contentEncoding, version) is { } refused)
        {
            return new RemoteWriteOutcome(refused.StatusCode, refused.Message);
        }
        try
        {
            var request = RemoteWriteCodec.Decode(body);
            var manifest = (await manifests.ReadAsync(ct).ConfigureAwait(false)).Manifest;
            var now = time.GetUtcNow().ToUnixTimeMilliseconds();
            var late = Math.Min(LateWrite.TotalMilliseconds, tsdb.Value.CompactionDelay.TotalMilliseconds / 2);
            var minValid = Math.Max(manifest.CompactedThrough, now - (long)late);
            var plan = RemoteWritePlan.Plan(request, Guid.NewGuid().ToString("N"), minValid, (long)tsdb.Value.BlockDuration.TotalMilliseconds);
            await Task.WhenAll(plan.Ticks.Select(t => log.WriteAsync(t, ct))).ConfigureAwait(false);
            if (plan.Exemplars > 0 || plan.Histograms > 0)
            {
                LogNotKept(logger, plan.Exemplars, plan.Histograms);
            }
            return new RemoteWriteOutcome(204, Samples: plan.Samples);
        }
        catch (RemoteWriteException e)
        {
            LogRefused(logger, e.StatusCode, e.Message);
            return new RemoteWriteOutcome(e.StatusCode, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Remote write refused ({Status}): {Reason}")]
    private static partial void LogRefused(ILogger logger, int status, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Remote write: {Exemplars} exemplars and {Histograms} native histogram samples were not kept (the store keeps float samples)")]
    private static partial void LogNotKept(ILogger logger, int exemplars, int histograms);
}
