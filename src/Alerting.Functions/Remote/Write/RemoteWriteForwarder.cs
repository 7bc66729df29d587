using System.Net;
using System.Net.Http.Headers;
using Alerting.Core.Remote.Write;
using Alerting.Core.Tsdb;
using Alerting.Core.Tsdb.Compaction;
using Alerting.Core.Tsdb.Wal;
using Alerting.Functions.Notify.Http;
using Alerting.Functions.Options;
using Alerting.Functions.Tsdb;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Alerting.Functions.Remote.Write;

/// <summary>
/// Forwards the sample log (scraped, pushed and remote-written-in samples, recorded series, ALERTS and
/// ALERTS_FOR_STATE: every tick) to each <c>remote_write</c> endpoint of the scrape configuration as remote
/// write 1.0. Each endpoint has a durable cursor over the log (<see cref="RemoteWriteCursorStore"/>)
/// advanced only after the receiver answered, so a crash or a receiver that is down loses nothing: the
/// next run resumes where the last accepted request ended. Requests go out one at a time per endpoint,
/// oldest first, because receivers refuse a series' samples out of time order. A 5xx, 429 or no answer
/// is retried with backoff (honouring Retry-After) by the app's one HTTP resilience pipeline; when the
/// retries run out the run stops and the next one tries again. Any other 4xx drops the batch, counted
/// with its reason and logged once.
/// </summary>
public sealed partial class RemoteWriteForwarder(
    Scrape.ScrapeRunner scrape,
    ScrapeTickStore log,
    RemoteWriteCursorStore cursors,
    TimeProvider time,
    ILogger<RemoteWriteForwarder> logger) : IDisposable
{
    /// <summary>Attempts per request inside one run; after them the next timer run is the backoff.</summary>
    private const int AttemptsPerRun = 4;

    /// <summary>A run stops starting requests after this, so timer runs stay short and never pile up.</summary>
    private static readonly TimeSpan RunBudget = TimeSpan.FromSeconds(50);

    private readonly object _gate = new();
    private readonly Dictionary<string, Endpoint> _endpoints = new(StringComparer.Ordinal);

    /// <summary>Per endpoint: its client, the outbox kept between runs (staleness context) and when it may be tried again.</summary>
    private sealed class Endpoint(RemoteWriteConfig config, NotifyHttpClients clients, HttpClient client, EntraTokenSource? entra) : IDisposable
    {
        public RemoteWriteConfig Config => config;

        public HttpClient Client => client;

        public EntraTokenSource? Entra => entra;

        public RemoteWriteOutbox? Outbox { get; set; }

        public DateTimeOffset NotBefore { get; set; }

        public void Dispose() => clients.Dispose();
    }

    /// <summary>Result of one endpoint's run.</summary>
    public sealed record ForwardResult(int Requests, long Samples, long Bytes, int TicksDone, bool Stalled);

    public async Task RunTickAsync(CancellationToken ct)
    {
        Core.Scrape.Config.CollectionConfig config;
        try
        {
            config = scrape.Config();
        }
        catch (Exception e) when (e is Core.Config.ConfigException or IOException)
        {
            return;
        }
        foreach (var rw in config.RemoteWrite)
        {
            try
            {
                await ForwardAsync(rw, config.Global.ExternalLabels, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogEndpointFailed(logger, e, rw.Name);
            }
        }
    }

    /// <summary>Sends what <paramref name="config"/>'s endpoint has not received yet, oldest first.</summary>
    public async Task<ForwardResult> ForwardAsync(RemoteWriteConfig config, Core.Model.Labels externalLabels, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(externalLabels);
        var endpoint = EndpointFor(config);
        var now = time.GetUtcNow();
        if (now < endpoint.NotBefore)
        {
            return new ForwardResult(0, 0, 0, 0, Stalled: true);
        }
        var started = time.GetTimestamp();
        var nowMs = now.ToUnixTimeMilliseconds();
        var tolerance = RemoteWriteOutbox.LateTolerance;
        var cursor = await cursors.ReadAsync(config.Name, ct).ConfigureAwait(false) ?? RemoteWriteCursor.StartingAt(nowMs - (long)tolerance.TotalMilliseconds);
        // Listed from a tolerance before the floor, so each job's tick before its first pending one is at hand for staleness.
        var listed = await log.ListAsync(cursor.FloorMs - (long)tolerance.TotalMilliseconds, nowMs + (long)tolerance.TotalMilliseconds, ct).ConfigureAwait(false);
        var pending = cursor.Pending(listed);
        if (pending.Count == 0)
        {
            return new ForwardResult(0, 0, 0, 0, Stalled: false);
        }
        var outbox = endpoint.Outbox ?? new RemoteWriteOutbox(config, externalLabels);
        endpoint.Outbox = null;
        await LoadContextAsync(outbox, listed, pending, ct).ConfigureAwait(false);

        var done = new List<TickRef>();
        int requests = 0;
        long samples = 0, bytes = 0;
        var stalled = false;
        await foreach (var (at, tick) in ReadAsync(pending, ct).ConfigureAwait(false))
        {
            var batches = tick is null ? [] : outbox.Add(at, tick, nowMs).ToList();
            if (tick is null)
            {
                // Compacted meanwhile (the cursor fell a block range behind): nothing to read any more.
                LogTickGone(logger, config.Name, at.Name);
                done.Add(at);
            }
            foreach (var batch in batches)
            {
                var (ok, n, b) = await SendAsync(endpoint, batch, done, ct).ConfigureAwait(false);
                if (!ok)
                {
                    stalled = true;
                    break;
                }
                requests++;
                samples += n;
                bytes += b;
            }
            if (stalled || time.GetElapsedTime(started) > RunBudget)
            {
                break;
            }
        }
        if (!stalled && outbox.Flush() is { } last)
        {
            if (await SendAsync(endpoint, last, done, ct).ConfigureAwait(false) is (true, var n, var b))
            {
                requests++;
                samples += n;
                bytes += b;
            }
            else
            {
                stalled = true;
            }
        }
        foreach (var (reason, count) in outbox.Dropped)
        {
            Telemetry.AlertingTelemetry.RemoteWriteSamplesDropped(config.Name, reason, count);
            LogDropped(logger, config.Name, count, reason);
        }
        outbox.Dropped.Clear();
        // A stalled run's outbox may hold staleness context past what was sent; the next run rebuilds it from the log.
        endpoint.Outbox = stalled ? null : outbox;
        var doneNames = done.Select(d => d.Name).ToHashSet(StringComparer.Ordinal);
        var next = cursor.Advance(done, pending.Where(p => !doneNames.Contains(p.Name)).ToArray(), nowMs, tolerance);
        await cursors.SaveAsync(config.Name, next, ct).ConfigureAwait(false);
        return new ForwardResult(requests, samples, bytes, done.Count, stalled);
    }

    /// <summary>
    /// For each job about to be sent whose series the outbox does not know, its tick just before the first
    /// pending one (already sent), so a series that vanished at the first pending tick gets its stale marker.
    /// </summary>
    private async Task LoadContextAsync(RemoteWriteOutbox outbox, IReadOnlyList<TickRef> listed, IReadOnlyList<TickRef> pending, CancellationToken ct)
    {
        var pendingNames = pending.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var first in pending.GroupBy(p => p.Job).Select(g => g.First()).Where(p => !outbox.HasContext(p.Job)))
        {
            var before = listed.LastOrDefault(t => t.Job == first.Job && !pendingNames.Contains(t.Name)
                && (t.TimestampMs < first.TimestampMs || (t.TimestampMs == first.TimestampMs && string.CompareOrdinal(t.Name, first.Name) < 0)));
            if (before is not null && await log.ReadAsync(before.Name, ct).ConfigureAwait(false) is { } bytes)
            {
                try
                {
                    outbox.Context(ScrapeTickCodec.Decode(bytes));
                }
                catch (TsdbFormatException)
                {
                    // A damaged context tick only costs stale markers; the pending tick itself is reported when read.
                }
            }
        }
    }

    /// <summary>The pending ticks decoded, downloading a few ahead; a damaged tick is logged and skipped (returned as done).</summary>
    private async IAsyncEnumerable<(TickRef At, ScrapeTick? Tick)> ReadAsync(IReadOnlyList<TickRef> pending, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var window = new Queue<(TickRef, Task<byte[]?>)>();
        var next = 0;
        while (next < pending.Count || window.Count > 0)
        {
            while (next < pending.Count && window.Count < 8)
            {
                window.Enqueue((pending[next], log.ReadAsync(pending[next].Name, ct)));
                next++;
            }
            var (at, read) = window.Dequeue();
            var bytes = await read.ConfigureAwait(false);
            ScrapeTick? tick = null;
            if (bytes is not null)
            {
                try
                {
                    tick = ScrapeTickCodec.Decode(bytes);
                }
                catch (TsdbFormatException e)
                {
                    LogDamagedTick(logger, at.Name, e.Offset, e.Message);
                    tick = new ScrapeTick(at.Job, at.TimestampMs, []);
                }
            }
            yield return (at, tick);
        }
    }

    /// <summary>One request. True when the endpoint took it (2xx) or refused it for good (4xx: dropped, counted).</summary>
    private async Task<(bool Ok, long Samples, long Bytes)> SendAsync(Endpoint endpoint, RemoteWriteBatch batch, List<TickRef> done, CancellationToken ct)
    {
        var config = endpoint.Config;
        var count = batch.Request.SampleCount;
        if (count == 0)
        {
            done.AddRange(batch.Completes);
            return (true, 0, 0);
        }
        var body = RemoteWriteCodec.Encode(batch.Request);
        using var request = new HttpRequestMessage(HttpMethod.Post, config.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(RemoteWriteHeaders.ContentType);
        request.Content.Headers.ContentEncoding.Add(RemoteWriteHeaders.Encoding);
        request.Headers.Add(RemoteWriteHeaders.VersionHeader, RemoteWriteHeaders.Version);
        foreach (var (name, value) in config.Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        try
        {
            if (endpoint.Entra is { } entra)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await entra.TokenAsync(time.GetUtcNow(), ct).ConfigureAwait(false));
            }
            using var response = await endpoint.Client.SendAsync(request, ct).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                Telemetry.AlertingTelemetry.RemoteWriteSent(config.Name, count, body.Length);
                done.AddRange(batch.Completes);
                return (true, count, body.Length);
            }
            var text = DeliveryResponses.Truncate(await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false)).Trim();
            if (status is >= 400 and < 500 && status != 408 && (status != 429 || !config.Queue.RetryOnRateLimit))
            {
                // Prometheus' rule: the receiver will refuse the same samples again, so retrying would block every later one.
                Telemetry.AlertingTelemetry.RemoteWriteSamplesDropped(config.Name, RemoteWriteDropReasons.Rejected, count);
                LogRejected(logger, config.Name, count, status, text);
                done.AddRange(batch.Completes);
                return (true, 0, 0);
            }
            if (response.Headers.RetryAfter is { } retryAfter)
            {
                endpoint.NotBefore = time.GetUtcNow() + (retryAfter.Delta ?? (retryAfter.Date is { } d ? d - time.GetUtcNow() : TimeSpan.Zero));
            }
            Telemetry.AlertingTelemetry.RemoteWriteFailed(config.Name);
            LogWillRetry(logger, config.Name, count, $"status {status}: {text}");
            return (false, 0, 0);
        }
        catch (Exception e) when (e is HttpRequestException or Polly.Timeout.TimeoutRejectedException or Azure.Identity.AuthenticationFailedException
            || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            Telemetry.AlertingTelemetry.RemoteWriteFailed(config.Name);
            LogWillRetry(logger, config.Name, count, e.Message);
            return (false, 0, 0);
        }
    }

    private Endpoint EndpointFor(RemoteWriteConfig config)
    {
        lock (_gate)
        {
            if (_endpoints.TryGetValue(config.Name, out var existing) && existing.Config == config)
            {
                return existing;
            }
            existing?.Dispose();
            var q = config.Queue;
            var clients = new NotifyHttpClients(
                Microsoft.Extensions.Options.Options.Create(new DeliveryOptions
                {
                    MaxAttempts = AttemptsPerRun,
                    BaseDelay = q.MinBackoff,
                    MaxDelay = q.MaxBackoff,
                    MaxRetryAfter = q.MaxBackoff,
                    AttemptTimeout = config.RemoteTimeout,
                    UserAgent = UserAgent,
                }),
                NullLogger<NotifyHttpClients>.Instance,
                time);
            var endpoint = new Endpoint(config, clients, clients.For(config.HttpConfig), config.AzureAd is { } ad ? EntraTokenSource.For(ad) : null);
            _endpoints[config.Name] = endpoint;
            return endpoint;
        }
    }

    /// <summary>What we call ourselves to receivers, as Prometheus sends <c>Prometheus/&lt;version&gt;</c>.</summary>
    public static readonly string UserAgent = "Alerting.Functions/" + (typeof(RemoteWriteForwarder).Assembly.GetName().Version?.ToString(3) ?? "1.0.0");

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var e in _endpoints.Values)
            {
                e.Dispose();
            }
            _endpoints.Clear();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "remote_write {Endpoint}: {Samples} samples rejected with status {Status} and dropped: {Reason}")]
    private static partial void LogRejected(ILogger logger, string endpoint, long samples, int status, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "remote_write {Endpoint}: {Samples} samples not accepted, sent again on the next run: {Reason}")]
    private static partial void LogWillRetry(ILogger logger, string endpoint, long samples, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "remote_write {Endpoint}: {Samples} samples not forwarded ({Reason})")]
    private static partial void LogDropped(ILogger logger, string endpoint, long samples, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "remote_write {Endpoint}: tick {Tick} was compacted before it was sent")]
    private static partial void LogTickGone(ILogger logger, string endpoint, string tick);

    [LoggerMessage(Level = LogLevel.Error, Message = "Tick {Blob} is damaged at offset {Offset} and is not forwarded: {Error}")]
    private static partial void LogDamagedTick(ILogger logger, string blob, long offset, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "remote_write {Endpoint} failed")]
    private static partial void LogEndpointFailed(ILogger logger, Exception e, string endpoint);
}
