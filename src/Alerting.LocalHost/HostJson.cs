using System.Text.Json;

namespace Alerting.LocalHost;

/// <summary>The parts of <c>host.json</c> the local host honours, with the Functions host's defaults.</summary>
public sealed record HostJson
{
    public string RoutePrefix { get; init; } = "api";

    public QueueSettings Queues { get; init; } = new();

    public static HostJson Load(string path)
    {
        if (!File.Exists(path))
        {
            return new HostJson();
        }
        using var doc = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var result = new HostJson();
        if (!doc.RootElement.TryGetProperty("extensions", out var ext))
        {
            return result;
        }
        if (ext.TryGetProperty("http", out var http) && http.TryGetProperty("routePrefix", out var prefix))
        {
            result = result with { RoutePrefix = prefix.GetString() ?? string.Empty };
        }
        if (ext.TryGetProperty("queues", out var q))
        {
            var s = new QueueSettings();
            if (q.TryGetProperty("batchSize", out var b))
            {
                s = s with { BatchSize = b.GetInt32() };
            }
            if (q.TryGetProperty("newBatchThreshold", out var n))
            {
                s = s with { NewBatchThreshold = n.GetInt32() };
            }
            if (q.TryGetProperty("maxDequeueCount", out var m))
            {
                s = s with { MaxDequeueCount = m.GetInt32() };
            }
            if (q.TryGetProperty("visibilityTimeout", out var v))
            {
                s = s with { VisibilityTimeout = TimeSpan.Parse(v.GetString()!, System.Globalization.CultureInfo.InvariantCulture) };
            }
            if (q.TryGetProperty("maxPollingInterval", out var p))
            {
                s = s with { MaxPollingInterval = TimeSpan.Parse(p.GetString()!, System.Globalization.CultureInfo.InvariantCulture) };
            }
            if (q.TryGetProperty("messageEncoding", out var e))
            {
                s = s with { Base64 = !string.Equals(e.GetString(), "none", StringComparison.OrdinalIgnoreCase) };
            }
            result = result with { Queues = s };
        }
        return result;
    }
}

/// <summary>host.json <c>extensions.queues</c>; defaults are the Azure Functions host's.</summary>
public sealed record QueueSettings
{
    public int BatchSize { get; init; } = 16;

    /// <summary>host.json's <c>newBatchThreshold</c>; null for the host's default.</summary>
    public int? NewBatchThreshold { get; init; }

    /// <summary>
    /// When the messages still running are down to this many, the next batch is fetched. The host's
    /// default is <c>batchSize / 2</c> per processor (the documented <c>N*batchSize/2</c>).
    /// </summary>
    public int EffectiveNewBatchThreshold => Math.Max(0, NewBatchThreshold ?? Math.Clamp(BatchSize, 1, 32) / 2 * Environment.ProcessorCount);

    public int MaxDequeueCount { get; init; } = 5;

    /// <summary>How long a failed message stays invisible before it is retried.</summary>
    public TimeSpan VisibilityTimeout { get; init; } = TimeSpan.Zero;

    public TimeSpan MaxPollingInterval { get; init; } = TimeSpan.FromMinutes(1);

    public bool Base64 { get; init; } = true;
}
