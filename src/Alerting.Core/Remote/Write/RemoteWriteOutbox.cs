using System.Text.Json;
using System.Text.Json.Serialization;
using Alerting.Core.Model;
using Alerting.Core.Relabel;
using Alerting.Core.Tsdb.Compaction;
using Alerting.Core.Tsdb.Wal;

namespace Alerting.Core.Remote.Write;

/// <summary>
/// How far one remote_write endpoint has got through the sample log: every tick with a timestamp before
/// <see cref="FloorMs"/> is done, and of the ticks from it on, those named in <see cref="Sent"/> (their file
/// names, unique per tick). Stored per endpoint and advanced only after the receiver answered 2xx (or a 4xx
/// that dropped the batch), so a crash resends at most the batch in flight, which receivers take as
/// duplicates. A tick written later than <see cref="RemoteWriteOutbox.LateTolerance"/> behind its own
/// timestamp falls below the floor and is not sent.
/// </summary>
public sealed record RemoteWriteCursor(long FloorMs, IReadOnlyList<string> Sent)
{
    public static RemoteWriteCursor StartingAt(long floorMs) => new(floorMs, []);

    /// <summary>The ticks of <paramref name="listed"/> not sent yet, oldest first (ties by name, as the log lists them).</summary>
    public IReadOnlyList<TickRef> Pending(IEnumerable<TickRef> listed)
    {
        ArgumentNullException.ThrowIfNull(listed);
        var sent = Sent.ToHashSet(StringComparer.Ordinal);
        return listed.Where(t => t.TimestampMs >= FloorMs && !sent.Contains(FileName(t.Name)))
            .OrderBy(t => t.TimestampMs).ThenBy(t => t.Name, StringComparer.Ordinal).ToArray();
    }

    /// <summary>
    /// The cursor after <paramref name="done"/> were sent: the floor rises to <paramref name="nowMs"/> minus the
    /// late tolerance, never past a tick still pending, and names below the new floor are forgotten.
    /// </summary>
    public RemoteWriteCursor Advance(IEnumerable<TickRef> done, IReadOnlyList<TickRef> stillPending, long nowMs, TimeSpan lateTolerance)
    {
        ArgumentNullException.ThrowIfNull(done);
        ArgumentNullException.ThrowIfNull(stillPending);
        var floor = Math.Max(FloorMs, nowMs - (long)lateTolerance.TotalMilliseconds);
        if (stillPending.Count > 0)
        {
            floor = Math.Min(floor, stillPending.Min(t => t.TimestampMs));
        }
        floor = Math.Max(floor, FloorMs);
        var sent = new SortedSet<string>(Sent.Where(n => Stamp(n) >= floor), StringComparer.Ordinal);
        foreach (var t in done.Where(t => t.TimestampMs >= floor))
        {
            sent.Add(FileName(t.Name));
        }
        return new RemoteWriteCursor(floor, sent.ToArray());
    }

    /// <summary>
    /// The union of two cursors' progress (two instances forwarding at once both keep what they sent): a tick is
    /// done when either says so, and everything below the higher floor is done for the cursor that set it.
    /// </summary>
    public RemoteWriteCursor Merge(RemoteWriteCursor other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var floor = Math.Max(FloorMs, other.FloorMs);
        return new RemoteWriteCursor(floor, Sent.Concat(other.Sent).Where(n => Stamp(n) >= floor).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray());
    }

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, CursorJson.Default.RemoteWriteCursor);

    public static RemoteWriteCursor? Parse(ReadOnlySpan<byte> json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, CursorJson.Default.RemoteWriteCursor);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public bool Equals(RemoteWriteCursor? other) => other is not null && FloorMs == other.FloorMs && Sent.SequenceEqual(other.Sent, StringComparer.Ordinal);

    public override int GetHashCode() => HashCode.Combine(FloorMs, Sent.Count);

    /// <summary><c>&lt;unix ms&gt;-&lt;id&gt;.bin</c>: unique per tick and short, so the cursor stays small.</summary>
    private static string FileName(string name) => name[(name.LastIndexOf('/') + 1)..];

    private static long Stamp(string file) =>
        long.TryParse(file.AsSpan(0, Math.Max(0, file.IndexOf('-', StringComparison.Ordinal))), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var ms) ? ms : long.MinValue;
}

[JsonSerializable(typeof(RemoteWriteCursor))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
internal sealed partial class CursorJson : JsonSerializerContext
{
}

/// <summary>Why samples were not forwarded, as the <c>reason</c> of the dropped-samples counter.</summary>
public static class RemoteWriteDropReasons
{
    public const string NativeHistogram = "native_histogram";
    public const string TooOld = "too_old";
    public const string Rejected = "rejected";
}

/// <summary>One request's worth of samples and the ticks it finishes (their last samples are in it).</summary>
public sealed record RemoteWriteBatch(WriteRequest Request, IReadOnlyList<TickRef> Completes);

/// <summary>
/// The pure part of forwarding: turns ticks from the log, in time order, into remote write requests as
/// Prometheus' queue manager would send the same samples: external labels added to each series that does
/// not have them, <c>write_relabel_configs</c> applied (a dropped series is simply not sent), the staleness
/// markers our log derives (a series gone from its target's next tick) sent as the stale NaN, and at most
/// <c>max_samples_per_send</c> samples per request. Native histograms are counted, not sent (the codec
/// writes float samples).
/// </summary>
public sealed class RemoteWriteOutbox(RemoteWriteConfig config, Labels externalLabels)
{
    /// <summary>How late a tick may be written behind its own timestamp and still be forwarded.</summary>
    public static readonly TimeSpan LateTolerance = TimeSpan.FromMinutes(5);

    private readonly Dictionary<string, Dictionary<string, HashSet<Labels>>> _previous = new(StringComparer.Ordinal);
    private readonly Dictionary<Labels, Labels?> _relabelled = [];
    private readonly List<(Labels Labels, WriteSample Sample)> _buffer = [];
    private readonly List<TickRef> _finished = [];

    public Dictionary<string, long> Dropped { get; } = new(StringComparer.Ordinal);

    /// <summary>The job's tick before the first one to send: only its series, for staleness, nothing is sent.</summary>
    public void Context(ScrapeTick tick)
    {
        ArgumentNullException.ThrowIfNull(tick);
        if (!ScrapeTick.IsRemoteWrite(tick.Job))
        {
            _previous[tick.Job] = SeriesOf(tick);
        }
    }

    /// <summary>Whether the staleness context of <paramref name="job"/> is known (from <see cref="Context"/> or an earlier tick).</summary>
    public bool HasContext(string job) => _previous.ContainsKey(job) || ScrapeTick.IsRemoteWrite(job);

    /// <summary>Adds a tick's samples (and derived stale markers); returns the requests that are full.</summary>
    public IEnumerable<RemoteWriteBatch> Add(TickRef at, ScrapeTick tick, long nowMs)
    {
        ArgumentNullException.ThrowIfNull(at);
        ArgumentNullException.ThrowIfNull(tick);
        var minMs = config.Queue.SampleAgeLimit > TimeSpan.Zero ? nowMs - (long)config.Queue.SampleAgeLimit.TotalMilliseconds : long.MinValue;
        foreach (var target in tick.Targets)
        {
            foreach (var s in target.Samples)
            {
                if (s.Histogram is not null)
                {
                    Drop(RemoteWriteDropReasons.NativeHistogram, 1);
                }
                else if (s.TimestampMs < minMs)
                {
                    Drop(RemoteWriteDropReasons.TooOld, 1);
                }
                else if (Outgoing(s.Labels) is { } labels)
                {
                    _buffer.Add((labels, new WriteSample(s.Value, s.TimestampMs)));
                }
            }
        }
        if (!ScrapeTick.IsRemoteWrite(tick.Job))
        {
            var now = SeriesOf(tick);
            if (_previous.TryGetValue(tick.Job, out var before) && tick.TimestampMs >= minMs)
            {
                foreach (var (instance, series) in before)
                {
                    now.TryGetValue(instance, out var still);
                    foreach (var gone in series.Where(l => still?.Contains(l) != true))
                    {
                        if (Outgoing(gone) is { } labels)
                        {
                            _buffer.Add((labels, new WriteSample(Sample.StaleNaN, tick.TimestampMs)));
                        }
                    }
                }
            }
            _previous[tick.Job] = now;
        }
        _finished.Add(at);
        while (_buffer.Count >= config.Queue.MaxSamplesPerSend)
        {
            yield return Cut(config.Queue.MaxSamplesPerSend);
        }
    }

    /// <summary>What is left, as a last request (its samples may be none: the ticks still complete).</summary>
    public RemoteWriteBatch? Flush() => _buffer.Count > 0 || _finished.Count > 0 ? Cut(_buffer.Count) : null;

    private RemoteWriteBatch Cut(int count)
    {
        var series = new Dictionary<Labels, List<WriteSample>>();
        var order = new List<Labels>();
        foreach (var (labels, sample) in _buffer.Take(count))
        {
            if (!series.TryGetValue(labels, out var list))
            {
                series[labels] = list = [];
                order.Add(labels);
            }
            list.Add(sample);
        }
        _buffer.RemoveRange(0, count);
        // Ticks whose samples all left the buffer are finished by this request; with samples still
        // waiting, only the ticks before the oldest waiting one are.
        var completes = _buffer.Count == 0 ? _finished.ToArray() : _finished.Take(Math.Max(0, _finished.Count - 1)).ToArray();
        _finished.RemoveRange(0, completes.Length);
        var request = new WriteRequest(order.Select(l => new WriteSeries(l, series[l])).ToArray(), []);
        return new RemoteWriteBatch(request, completes);
    }

    private Labels? Outgoing(Labels labels)
    {
        if (_relabelled.TryGetValue(labels, out var known))
        {
            return known;
        }
        var withExternal = labels;
        foreach (var l in externalLabels)
        {
            if (!withExternal.Has(l.Name))
            {
                withExternal = withExternal.With(l.Name, l.Value);
            }
        }
        var result = Relabeler.Process(withExternal, config.WriteRelabelConfigs);
        if (_relabelled.Count > 200_000)
        {
            _relabelled.Clear();
        }
        _relabelled[labels] = result;
        return result;
    }

    private void Drop(string reason, long n) => Dropped[reason] = Dropped.GetValueOrDefault(reason) + n;

    private static Dictionary<string, HashSet<Labels>> SeriesOf(ScrapeTick tick)
    {
        var map = new Dictionary<string, HashSet<Labels>>(StringComparer.Ordinal);
        foreach (var t in tick.Targets)
        {
            if (!map.TryGetValue(t.Instance, out var set))
            {
                map[t.Instance] = set = [];
            }
            foreach (var s in t.Samples)
            {
                if (!Sample.IsStaleMarker(s.Value) || s.Histogram is not null)
                {
                    set.Add(s.Labels);
                }
            }
        }
        return map;
    }
}
