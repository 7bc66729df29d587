using System.Text;
using System.Text.Json;
using Azure;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Microsoft.Extensions.Logging;

namespace Alerting.LocalHost;

/// <summary>
/// Pumps one Azure Storage queue into one <c>[QueueTrigger]</c> function with the Functions host's
/// semantics: batches of <c>batchSize</c>, the next fetched when <c>newBatchThreshold</c> are still running, a failed message becomes visible again after
/// <c>visibilityTimeout</c>, and a message that has failed <c>maxDequeueCount</c> times is copied to
/// <c>&lt;queue&gt;-poison</c> and deleted so it cannot block the queue.
/// </summary>
/// <remarks>
/// While a function runs, its message is leased as the host's queue listener leases it: received
/// invisible for a lease, and the lease renewed at half its length until the function ends (Azure's
/// listener leases for 10 minutes and renews at 5). The lease here is short (<see cref="DefaultLease"/>),
/// so the work of a process that dies is picked up by another after at most one lease, not after
/// minutes; a live function keeps its message however long it runs.
/// </remarks>
public sealed partial class QueuePump
{
    public static readonly TimeSpan DefaultLease = TimeSpan.FromSeconds(30);

    private readonly TimeSpan _lease;
    private bool _storageDown;

    private readonly FunctionDescriptor _function;
    private readonly FunctionInvoker _invoker;
    private readonly QueueSettings _settings;
    private readonly QueueClient _queue;
    private readonly QueueClient _poison;
    private readonly ILogger _logger;
    private readonly Alerting.Functions.Storage.QueueWakeups? _wakeups;

    /// <param name="wakeups">The app's report of messages it stored (null for an app without one): the pump polls when one becomes visible instead of at the end of its idle back-off.</param>
    public QueuePump(FunctionDescriptor function, FunctionInvoker invoker, QueueSettings settings, QueueServiceClient service, Func<string, string> resolve, ILogger logger, TimeSpan? lease = null, Alerting.Functions.Storage.QueueWakeups? wakeups = null)
    {
        _wakeups = wakeups;
        _lease = lease is { } l && l >= TimeSpan.FromSeconds(2) ? l : DefaultLease;
        _function = function;
        _invoker = invoker;
        _settings = settings;
        _logger = logger;
        var attr = (QueueTriggerBinding)function.Trigger;
        QueueName = resolve(attr.QueueName);
        _queue = service.GetQueueClient(QueueName);
        _poison = service.GetQueueClient(QueueName + "-poison");
    }

    public string QueueName { get; }

    public string FunctionName => _function.Name;

    public async Task EnsureQueuesAsync(CancellationToken ct)
    {
        await _queue.CreateIfNotExistsAsync(cancellationToken: ct).ConfigureAwait(false);
        await _poison.CreateIfNotExistsAsync(cancellationToken: ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs until cancelled, backing off up to <c>maxPollingInterval</c> while the queue is empty, and
    /// polling at once when the app in this process stored a message that is now visible.
    /// </summary>
    /// <remarks>
    /// As the host's queue listener does, a new batch is fetched as soon as the messages still running are
    /// down to <c>newBatchThreshold</c>, not when the whole previous batch has finished: one slow message
    /// does not hold up the queue, and at most <c>batchSize + newBatchThreshold</c> messages run at once.
    /// </remarks>
    public async Task RunAsync(TimeProvider time, CancellationToken ct)
    {
        var idle = TimeSpan.FromMilliseconds(100);
        var running = new List<Task>();
        try
        {
            while (!ct.IsCancellationRequested)
            {
                running.RemoveAll(t => t.IsCompleted);
                if (running.Count > _settings.EffectiveNewBatchThreshold)
                {
                    await Task.WhenAny(running).ConfigureAwait(false);
                    continue;
                }
                int handled;
                try
                {
                    var messages = await ReceiveAsync(ct).ConfigureAwait(false);
                    running.AddRange(messages.Select(m => ProcessObservedAsync(m, ct)));
                    handled = messages.Length;
                    if (_storageDown)
                    {
                        _storageDown = false;
                        LogPollRecovered(_logger, QueueName);
                    }
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e)
                {
                    // Whatever a poll throws (the storage SDK wraps exhausted retries of broken connections in an
                    // AggregateException), the pump must outlive it, as the Functions host's listener does: a dead
                    // pump stops every later message on this queue without a word. Once per outage, not per poll.
                    if (!_storageDown)
                    {
                        _storageDown = true;
                        LogPollFailed(_logger, QueueName, e.Message);
                    }
                    handled = 0;
                }
                if (handled > 0)
                {
                    idle = TimeSpan.FromMilliseconds(100);
                    continue;
                }
                try
                {
                    // Real time on purpose: polling cadence is an I/O concern, not application time.
                    if (_wakeups is not null && await _wakeups.WaitAsync(QueueName, idle, ct).ConfigureAwait(false))
                    {
                        // Our own message is visible: poll now, and soon again if another instance took it first.
                        idle = TimeSpan.FromMilliseconds(100);
                        continue;
                    }
                    if (_wakeups is null)
                    {
                        await Task.Delay(idle, ct).ConfigureAwait(false);
                    }
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                idle = TimeSpan.FromTicks(Math.Min(idle.Ticks * 2, _settings.MaxPollingInterval.Ticks));
            }
        }
        finally
        {
            // Stopping waits for the messages under way, as stopping after a whole batch did: each either
            // completes or, cancelled, is left to reappear after its lease.
            await Task.WhenAll(running).ConfigureAwait(false);
        }
    }

    private async Task<QueueMessage[]> ReceiveAsync(CancellationToken ct) =>
        (await _queue.ReceiveMessagesAsync(Math.Clamp(_settings.BatchSize, 1, 32), _lease, ct).ConfigureAwait(false)).Value;

    /// <summary>One message of a background batch; nothing awaits it but the pump's stop, so its failures are logged here.</summary>
    private async Task ProcessObservedAsync(QueueMessage message, CancellationToken ct)
    {
        try
        {
            await ProcessOneAsync(message, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            // Poisoning failed (storage unreachable): the message reappears after its lease and is poisoned then.
            LogSettleFailed(_logger, message.MessageId, QueueName, e.Message);
        }
    }

    /// <summary>Receives one batch and processes it; returns how many messages were received.</summary>
    public async Task<int> ProcessBatchAsync(CancellationToken ct)
    {
        var messages = await ReceiveAsync(ct).ConfigureAwait(false);
        if (messages.Length == 0)
        {
            return 0;
        }
        await Task.WhenAll(messages.Select(m => ProcessOneAsync(m, ct))).ConfigureAwait(false);
        return messages.Length;
    }

    private async Task ProcessOneAsync(QueueMessage message, CancellationToken ct)
    {
        if (message.DequeueCount > _settings.MaxDequeueCount)
        {
            // A message that was received more often than allowed without completing (e.g. the
            // process died while running it) is poisoned without running it again.
            await PoisonAsync(message, message.PopReceipt, "dequeue count exceeded before processing", ct).ConfigureAwait(false);
            return;
        }
        var lease = new Lease(message.PopReceipt);
        using var renewal = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var renewing = RenewAsync(message.MessageId, lease, renewal.Token, ct);
        Exception? failure = null;
        try
        {
            await _invoker.InvokeAsync(_function, p => Bind(p, message), ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Shutdown: leave the message; it reappears after its lease like on a host restart.
            await StopRenewingAsync(renewal, renewing).ConfigureAwait(false);
            return;
        }
        catch (Exception e)
        {
            failure = e;
        }
        await StopRenewingAsync(renewal, renewing).ConfigureAwait(false);
        try
        {
            if (failure is null)
            {
                await _queue.DeleteMessageAsync(message.MessageId, lease.PopReceipt, ct).ConfigureAwait(false);
                return;
            }
            LogFunctionFailed(_logger, failure, _function.Name, message.MessageId, message.DequeueCount);
            if (message.DequeueCount >= _settings.MaxDequeueCount)
            {
                await PoisonAsync(message, lease.PopReceipt, failure.Message, ct).ConfigureAwait(false);
            }
            else
            {
                await _queue.UpdateMessageAsync(message.MessageId, lease.PopReceipt, visibilityTimeout: _settings.VisibilityTimeout, cancellationToken: ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (RequestFailedException e) when (IsLeaseLost(e))
        {
            // Our lease ended before we settled (this process stalled past it) and another instance received
            // the message, or has already completed it. Nothing is lost: the other taker runs it to the end
            // and the handlers are idempotent for a redelivery (a stored shard is not scraped again, an
            // evaluated slot is left alone). A normal outcome of at-least-once delivery, not a fault.
            LogLeaseLost(_logger, message.MessageId, QueueName, failure is null ? "completed" : "failed", e.ErrorCode ?? e.Status.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        catch (Exception e)
        {
            // Storage failed while settling the message: it reappears when its lease ends and runs again,
            // as after a host restart (handlers are idempotent for that reason).
            LogSettleFailed(_logger, message.MessageId, QueueName, e.Message);
        }
    }

    /// <summary>The current pop receipt of a leased message: each renewal returns a new one.</summary>
    private sealed class Lease(string popReceipt)
    {
        public string PopReceipt { get; set; } = popReceipt;
    }

    /// <summary>
    /// Storage's answer to an update or delete with a pop receipt that is no longer the message's: it was
    /// received again by another instance after our lease ran out (400 PopReceiptMismatch), or completed and
    /// deleted (404 MessageNotFound).
    /// </summary>
    private static bool IsLeaseLost(RequestFailedException e) =>
        e.ErrorCode == QueueErrorCode.PopReceiptMismatch.ToString() || e.ErrorCode == QueueErrorCode.MessageNotFound.ToString()
        || (e.ErrorCode is null && e.Status == 404);

    /// <summary>
    /// Renews the lease at half its length until <paramref name="stop"/>, as the host's listener does while a
    /// function runs. Stopping cancels only the wait between renewals, never a renewal in flight: storage may
    /// apply an update whose response the client abandoned, and then the receipt held here is stale and the
    /// message's delete fails with PopReceiptMismatch, leaving a completed message to run again.
    /// </summary>
    private async Task RenewAsync(string messageId, Lease lease, CancellationToken stop, CancellationToken ct)
    {
        while (true)
        {
            try
            {
                // Real time on purpose: a lease is storage's clock, not application time.
                await Task.Delay(_lease / 2, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            try
            {
                var renewed = await _queue.UpdateMessageAsync(messageId, lease.PopReceipt, visibilityTimeout: _lease, cancellationToken: ct).ConfigureAwait(false);
                lease.PopReceipt = renewed.Value.PopReceipt;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (RequestFailedException e) when (IsLeaseLost(e))
            {
                // Another instance holds the message now; renewing again cannot get it back.
                LogRenewLeaseLost(_logger, messageId, QueueName);
                return;
            }
            catch (Exception e)
            {
                // Storage unreachable (any failure, timeouts included): keep trying at the next half-lease; the
                // function's own calls fail too. Throwing here would fault the message's settling.
                LogRenewFailed(_logger, messageId, QueueName, e.Message);
            }
        }
    }

    private static async Task StopRenewingAsync(CancellationTokenSource renewal, Task renewing)
    {
        await renewal.CancelAsync().ConfigureAwait(false);
        await renewing.ConfigureAwait(false);
    }

    private async Task PoisonAsync(QueueMessage message, string popReceipt, string reason, CancellationToken ct)
    {
        await _poison.SendMessageAsync(message.Body, cancellationToken: ct).ConfigureAwait(false);
        await _queue.DeleteMessageAsync(message.MessageId, popReceipt, ct).ConfigureAwait(false);
        LogPoisoned(_logger, message.MessageId, QueueName, message.DequeueCount, reason);
        Alerting.Functions.Telemetry.AlertingTelemetry.QueueMessagePoisoned(QueueName);
    }

    private object? Bind(System.Reflection.ParameterInfo p, QueueMessage message)
    {
        if (p.Position == _function.TriggerParameter.Position)
        {
            var t = p.ParameterType;
            if (t == typeof(QueueMessage))
            {
                return message;
            }
            if (t == typeof(string))
            {
                return message.Body.ToString();
            }
            if (t == typeof(BinaryData))
            {
                return message.Body;
            }
            if (t == typeof(byte[]))
            {
                return message.Body.ToArray();
            }
            return JsonSerializer.Deserialize(message.Body.ToString(), t, PocoJson);
        }
        return p.Name switch
        {
            "dequeueCount" when p.ParameterType == typeof(long) => message.DequeueCount,
            "dequeueCount" when p.ParameterType == typeof(int) => (int)message.DequeueCount,
            "id" when p.ParameterType == typeof(string) => message.MessageId,
            _ => throw new InvalidOperationException($"cannot bind {p.Name}"),
        };
    }

    public static bool CanBindExtra(System.Reflection.ParameterInfo p) =>
        (p.Name == "dequeueCount" && (p.ParameterType == typeof(long) || p.ParameterType == typeof(int)))
        || (p.Name == "id" && p.ParameterType == typeof(string));

    private static readonly JsonSerializerOptions PocoJson = new(JsonSerializerDefaults.Web);

    public static string Decode(BinaryData body) => Encoding.UTF8.GetString(body.ToArray());

    [LoggerMessage(Level = LogLevel.Warning, Message = "Renewing the lease of message {MessageId} on {Queue} failed: {Error}")]
    private static partial void LogRenewFailed(ILogger logger, string messageId, string queue, string error);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Message {MessageId} on {Queue} {Outcome} here after its lease passed to another instance ({Code}); that instance runs or ran it, and the handlers tolerate the repeat")]
    private static partial void LogLeaseLost(ILogger logger, string messageId, string queue, string outcome, string code);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Lease of message {MessageId} on {Queue} passed to another instance while the function ran; no longer renewed")]
    private static partial void LogRenewLeaseLost(ILogger logger, string messageId, string queue);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Settling message {MessageId} on {Queue} failed: {Error}; it runs again when its lease ends")]
    private static partial void LogSettleFailed(ILogger logger, string messageId, string queue, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Polling queue {Queue} works again")]
    private static partial void LogPollRecovered(ILogger logger, string queue);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Polling queue {Queue} failed: {Error}; retrying with back-off, logged once until it works again")]
    private static partial void LogPollFailed(ILogger logger, string queue, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Function {Function} failed on message {MessageId} (dequeue count {DequeueCount})")]
    private static partial void LogFunctionFailed(ILogger logger, Exception e, string function, string messageId, long dequeueCount);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {MessageId} moved to {Queue}-poison after {DequeueCount} attempts: {Reason}")]
    private static partial void LogPoisoned(ILogger logger, string messageId, string queue, long dequeueCount, string reason);
}
