using System.Collections.Concurrent;

namespace Alerting.Functions.Storage;

/// <summary>
/// Tells a queue listener in this process when a message it will want becomes visible, so it need not
/// find out by polling. <see cref="QueueSender"/> reports each message once storage has accepted it (a
/// delayed one at the end of its visibility delay); the local host's queue pump waits for the earliest of
/// those or its idle back-off, whichever comes first. The message itself still travels through the queue,
/// so nothing about delivery or durability changes: a wake-up that finds nothing (another instance took
/// the message) costs one poll, and messages from other processes are found by the back-off as before.
/// This is the WebJobs SDK's idea (its queue listener is told of messages its own host wrote, through
/// output bindings) extended to delayed messages, which dominate the first notification's latency:
/// without it, a flush due after group_wait waits up to <c>maxPollingInterval</c> more.
/// </summary>
public sealed class QueueWakeups
{
    /// <summary>How long a report nobody consumed is kept after its message became visible.</summary>
    private static readonly TimeSpan Forget = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, Pending> _queues = new(StringComparer.Ordinal);

    // Real time on purpose: queue visibility is storage's clock, not application time (which tests and the
    // sped-up demo run at other speeds; their visibility delays are already scaled by QueueDelayFactor).
    private readonly TimeProvider _clock = TimeProvider.System;

    /// <summary>A message was stored on <paramref name="queue"/> and becomes visible after <paramref name="visibility"/>.</summary>
    public void Sent(string queue, TimeSpan visibility)
    {
        var pending = _queues.GetOrAdd(queue, static _ => new Pending());
        var now = _clock.GetTimestamp();
        var due = now + Ticks(visibility);
        lock (pending)
        {
            // Without a listener here to consume them (on Azure the Functions host polls), reports would pile
            // up: forget those visible for a while, which a polling listener has found by now anyway.
            var stale = now - Ticks(Forget);
            while (pending.Due.Count > 0 && pending.Due.Min < stale)
            {
                pending.Due.Remove(pending.Due.Min);
            }
            pending.Due.Add(due);
            pending.Changed.TrySetResult();
            pending.Changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    private long Ticks(TimeSpan span) => (long)(Math.Max(0, span.TotalSeconds) * _clock.TimestampFrequency);

    /// <summary>
    /// Waits until a message reported for <paramref name="queue"/> is visible (true) or <paramref name="idle"/>
    /// passed (false). Reported messages that are due are consumed by the wait that sees them.
    /// </summary>
    public async Task<bool> WaitAsync(string queue, TimeSpan idle, CancellationToken ct)
    {
        var pending = _queues.GetOrAdd(queue, static _ => new Pending());
        var start = _clock.GetTimestamp();
        while (true)
        {
            var now = _clock.GetTimestamp();
            var remaining = idle - _clock.GetElapsedTime(start, now);
            Task changed;
            var wait = remaining;
            lock (pending)
            {
                if (pending.Due.Count > 0 && pending.Due.Min <= now)
                {
                    pending.Due.RemoveWhere(d => d <= now);
                    return true;
                }
                if (pending.Due.Count > 0 && _clock.GetElapsedTime(now, pending.Due.Min) is var untilDue && untilDue < wait)
                {
                    wait = untilDue;
                }
                changed = pending.Changed.Task;
            }
            if (remaining <= TimeSpan.Zero)
            {
                return false;
            }
            await Task.WhenAny(changed, Task.Delay(wait, _clock, ct)).ConfigureAwait(false);
            ct.ThrowIfCancellationRequested();
        }
    }

    private sealed class Pending
    {
        /// <summary>Timestamps (of <see cref="_clock"/>) at which reported messages become visible; equal ones fold, which is enough to wake.</summary>
        public SortedSet<long> Due { get; } = [];

        public TaskCompletionSource Changed { get; set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
