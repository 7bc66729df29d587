using System.Text.Json;
using Alerting.Functions.Options;
using Azure.Storage.Queues;
using Microsoft.Extensions.Options;

namespace Alerting.Functions.Storage;

/// <summary>
/// Sends JSON messages to our queues, optionally delayed. Delays are expressed in application time
/// and scaled by <see cref="AlertingOptions.QueueDelayFactor"/>; handlers of delayed messages check
/// their due time against the application clock, so a message that arrives early is simply deferred.
/// Each stored message is reported to <see cref="QueueWakeups"/>, so a listener in this process picks it
/// up when it becomes visible instead of at its next poll.
/// </summary>
public sealed class QueueSender(QueueServiceClient queues, StorageInitializer init, IOptions<AlertingOptions> options, QueueWakeups wakeups)
{
    // Azure Storage rejects messages over 64 KiB after base64; keep the JSON below this.
    public const int MaxMessageBytes = 48 * 1024;

    private static readonly TimeSpan MaxVisibility = TimeSpan.FromDays(7) - TimeSpan.FromMinutes(1);

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task SendAsync<T>(string queue, T message, TimeSpan delay, CancellationToken ct)
    {
        await init.EnsureAsync(ct).ConfigureAwait(false);
        var node = JsonSerializer.SerializeToNode(message, Json)!.AsObject();
        Telemetry.AlertingTelemetry.Inject(node);
        var body = JsonSerializer.SerializeToUtf8Bytes(node, Json);
        if (body.Length > MaxMessageBytes)
        {
            throw new InvalidOperationException($"queue message for '{queue}' is {body.Length} bytes; the limit is {MaxMessageBytes}");
        }
        var visibility = delay <= TimeSpan.Zero ? TimeSpan.Zero : delay * options.Value.QueueDelayFactor;
        if (visibility > MaxVisibility)
        {
            visibility = MaxVisibility;
        }
        await queues.GetQueueClient(queue).SendMessageAsync(new BinaryData(body), visibility, cancellationToken: ct).ConfigureAwait(false);
        // Counted from storage's answer, which comes after it set the message's visible time.
        wakeups.Sent(queue, visibility);
    }

    public Task SendAsync<T>(string queue, T message, CancellationToken ct) => SendAsync(queue, message, TimeSpan.Zero, ct);
}
