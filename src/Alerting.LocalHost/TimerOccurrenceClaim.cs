using System.Globalization;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace Alerting.LocalHost;

/// <summary>
/// The Functions host's singleton timer across processes: several local hosts on one storage account run
/// each timer occurrence once. Like the host's schedule monitor, a status blob per function
/// (<c>azure-webjobs-hosts/timers/&lt;function&gt;/status</c>) records the last occurrence run; a host claims an
/// occurrence by writing it with <c>If-Match</c> on the status it read, so exactly one host wins and the others
/// skip. Without it every host would plan every scrape tick and evaluation.
/// </summary>
public sealed class TimerOccurrenceClaim(BlobServiceClient blobs)
{
    private const string Container = "azure-webjobs-hosts";
    private const string LastKey = "last";

    /// <summary>A status a day ahead of this occurrence was written under another clock (a test's), not by a peer.</summary>
    private const long StaleAfterMs = 86_400_000;

    public async Task<bool> TryClaimAsync(string function, DateTimeOffset occurrence, CancellationToken ct)
    {
        var container = blobs.GetBlobContainerClient(Container);
        await container.CreateIfNotExistsAsync(cancellationToken: ct).ConfigureAwait(false);
        var blob = container.GetBlobClient($"timers/{function}/status");
        var conditions = new BlobRequestConditions { IfNoneMatch = ETag.All };
        try
        {
            var props = await blob.GetPropertiesAsync(cancellationToken: ct).ConfigureAwait(false);
            if (props.Value.Metadata.TryGetValue(LastKey, out var last)
                && long.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var lastMs)
                && lastMs >= occurrence.ToUnixTimeMilliseconds()
                && lastMs - occurrence.ToUnixTimeMilliseconds() < StaleAfterMs)
            {
                return false;
            }
            conditions = new BlobRequestConditions { IfMatch = props.Value.ETag };
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
        }
        try
        {
            var stamp = occurrence.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
            await blob.UploadAsync(BinaryData.FromString(stamp), new BlobUploadOptions
            {
                Conditions = conditions,
                Metadata = new Dictionary<string, string> { [LastKey] = stamp },
            }, ct).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            return false;
        }
    }
}
