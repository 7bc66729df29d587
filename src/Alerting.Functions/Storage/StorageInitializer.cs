using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;

namespace Alerting.Functions.Storage;

/// <summary>Creates tables, queues and containers once per process, on first use, idempotently.</summary>
public sealed class StorageInitializer(TableServiceClient tables, QueueServiceClient queues, BlobServiceClient blobs)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile bool _done;

    public async Task EnsureAsync(CancellationToken ct)
    {
        if (_done)
        {
            return;
        }
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (_done)
            {
                return;
            }
            foreach (var t in StorageNames.Tables)
            {
                await tables.CreateTableIfNotExistsAsync(t, ct).ConfigureAwait(false);
            }
            foreach (var q in StorageNames.Queues)
            {
                await queues.GetQueueClient(q).CreateIfNotExistsAsync(cancellationToken: ct).ConfigureAwait(false);
                await queues.GetQueueClient(q + "-poison").CreateIfNotExistsAsync(cancellationToken: ct).ConfigureAwait(false);
            }
            await blobs.GetBlobContainerClient(StorageNames.SamplesContainer).CreateIfNotExistsAsync(cancellationToken: ct).ConfigureAwait(false);
            _done = true;
        }
        finally
        {
            _gate.Release();
        }
    }
}
