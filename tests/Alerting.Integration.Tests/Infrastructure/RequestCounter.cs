using Azure.Core;
using Azure.Core.Pipeline;

namespace Alerting.Integration.Tests.Infrastructure;

/// <summary>Counts requests per table and kind, as storage sees them.</summary>
public sealed class RequestCounter : HttpPipelineSynchronousPolicy
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _counts = new();

    public int Count(string table, string kind) => _counts.TryGetValue(table + " " + kind, out var n) ? n : 0;

    /// <summary>All requests so far, by "table kind" (kinds: point, query, batch, or the HTTP method), to diff before and after.</summary>
    public IReadOnlyDictionary<string, int> Snapshot() => new Dictionary<string, int>(_counts);

    /// <summary>
    /// Kinds: "point" (a read of one row by its keys), "query" (a filter or scan), "batch" (an entity group
    /// transaction; its table is only in the body, so it counts under "*"), otherwise the HTTP method.
    /// </summary>
    public override void OnSendingRequest(HttpMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var path = Uri.UnescapeDataString(message.Request.Uri.Path);
        var segment = path.TrimEnd('/').Split('/').Last();
        var table = segment.Split('(')[0];
        var kind = segment == "$batch" ? "batch"
            : message.Request.Method == RequestMethod.Get && segment.Contains("PartitionKey=", StringComparison.Ordinal) ? "point"
            : message.Request.Method == RequestMethod.Get ? "query"
            : message.Request.Method.ToString();
        _counts.AddOrUpdate(table + " " + kind, 1, (_, n) => n + 1);
        _counts.AddOrUpdate("* " + kind, 1, (_, n) => n + 1);
    }
}
