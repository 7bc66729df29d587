using Alerting.Core.Tsdb;
using Alerting.Core.Tsdb.Compaction;

namespace Alerting.Functions.Tsdb;

/// <summary>A tick blob that could not be decoded: where, and why.</summary>
public sealed record TickProblem(string Blob, long Offset, string Message);

/// <summary>
/// Feeds ticks from the log into a head in time order, downloading ahead with bounded concurrency. A
/// tick that is gone (compacted meanwhile) is skipped; a damaged one is reported and skipped, so one bad
/// blob never stops the others.
/// </summary>
public static class TickReplay
{
    private const int Prefetch = 8;

    public static async Task<int> AppendAsync(
        ScrapeTickStore log, Head head, IReadOnlyList<TickRef> ticks, bool contextOnly, Action<TickProblem> onProblem, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(head);
        ArgumentNullException.ThrowIfNull(ticks);
        var appended = 0;
        var window = new Queue<Task<byte[]?>>();
        var next = 0;
        for (var i = 0; i < ticks.Count; i++)
        {
            while (next < ticks.Count && window.Count < Prefetch)
            {
                window.Enqueue(log.ReadAsync(ticks[next++].Name, ct));
            }
            var bytes = await window.Dequeue().ConfigureAwait(false);
            if (bytes is null)
            {
                continue;
            }
            try
            {
                head.Append(bytes, contextOnly);
                appended++;
            }
            catch (TsdbFormatException e)
            {
                onProblem(new TickProblem(ticks[i].Name, e.Offset, e.Message));
            }
        }
        return appended;
    }

    /// <summary>The same, synchronously (for a query the head does not cover, made from inside PromQL).</summary>
    public static void Append(ScrapeTickStore log, Head head, IReadOnlyList<TickRef> ticks, bool contextOnly, Action<TickProblem> onProblem, CancellationToken ct)
    {
        foreach (var t in ticks)
        {
            if (log.Read(t.Name, ct) is not { } bytes)
            {
                continue;
            }
            try
            {
                head.Append(bytes, contextOnly);
            }
            catch (TsdbFormatException e)
            {
                onProblem(new TickProblem(t.Name, e.Offset, e.Message));
            }
        }
    }
}
