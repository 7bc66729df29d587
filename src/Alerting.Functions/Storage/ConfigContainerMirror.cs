using System.Text.RegularExpressions;
using Alerting.Functions.Options;
using Azure;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Alerting.Functions.Storage;

/// <summary>
/// Keeps a local folder identical to a blob container of user files, so <see cref="Pipeline.ConfigProvider"/>
/// keeps reading plain files and reloads them when they change, whether they came with the package or from
/// the container. The first copy is made before any function can run (<see cref="StartingAsync"/>); after
/// that the container is compared every <see cref="ConfigContainerOptions.RefreshInterval"/>. Files are
/// written to a temporary name and renamed, so a reader never sees half a file. When the container cannot
/// be read, the local copy (the last good one) stays as it is.
/// </summary>
public sealed partial class ConfigContainerMirror(
    BlobServiceClient blobs, IOptions<ConfigContainerOptions> options, ILogger<ConfigContainerMirror> logger) : IHostedLifecycleService, IDisposable
{
    private const string TempPrefix = ".download-";

    private readonly Dictionary<string, ETag> _copied = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;

    /// <summary>Compares the container with the local folder once; returns how many files were written and removed.</summary>
    public async Task<(int Written, int Removed)> SyncAsync(CancellationToken ct)
    {
        var o = options.Value;
        var root = Path.GetFullPath(o.LocalPath);
        var container = blobs.GetBlobContainerClient(o.Name);
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            Directory.CreateDirectory(root);
            var present = new HashSet<string>(StringComparer.Ordinal);
            var written = 0;
            await foreach (var item in container.GetBlobsAsync(cancellationToken: ct).ConfigureAwait(false))
            {
                var local = LocalFile(root, item.Name);
                if (local is null)
                {
                    LogSkipped(logger, item.Name, o.Name);
                    continue;
                }
                present.Add(local);
                if (item.Properties.ETag is { } etag && _copied.TryGetValue(local, out var had) && had == etag && File.Exists(local))
                {
                    continue;
                }
                Directory.CreateDirectory(Path.GetDirectoryName(local)!);
                var temp = Path.Combine(root, TempPrefix + Guid.NewGuid().ToString("N"));
                try
                {
                    await container.GetBlobClient(item.Name).DownloadToAsync(temp, ct).ConfigureAwait(false);
                    File.Move(temp, local, overwrite: true);
                }
                finally
                {
                    File.Delete(temp);
                }
                if (item.Properties.ETag is { } copied)
                {
                    _copied[local] = copied;
                }
                written++;
            }
            var removed = 0;
            foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
            {
                if (!present.Contains(file) && !Path.GetFileName(file).StartsWith(TempPrefix, StringComparison.Ordinal))
                {
                    File.Delete(file);
                    _copied.Remove(file);
                    removed++;
                }
            }
            if (written + removed > 0)
            {
                LogSynced(logger, o.Name, root, written, removed);
            }
            return (written, removed);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The first copy, before the host starts the functions: they must not run on an empty folder.</summary>
    public Task StartingAsync(CancellationToken cancellationToken) => SyncLoggedAsync(cancellationToken);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _loop = RefreshLoopAsync(_stop.Token);
        return Task.CompletedTask;
    }

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
    }

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
        _stop.Dispose();
        _gate.Dispose();
    }

    private async Task RefreshLoopAsync(CancellationToken ct)
    {
        // Real time on purpose: how often storage is polled is an I/O concern, not application time.
        using var timer = new PeriodicTimer(options.Value.RefreshInterval, TimeProvider.System);
        try
        {
            while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
            {
                await SyncLoggedAsync(ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private async Task SyncLoggedAsync(CancellationToken ct)
    {
        try
        {
            await SyncAsync(ct).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            LogContainerMissing(logger, options.Value.Name);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // Any failure (the storage SDK throws an AggregateException after its retries): the loop must survive
            // it, or the mirror would stop following the container for good. The next refresh tries again.
            LogSyncFailed(logger, options.Value.Name, e.Message);
        }
    }

    /// <summary>The local path of a blob, or null for a name that would land outside the folder or is a folder marker.</summary>
    private static string? LocalFile(string root, string blobName)
    {
        if (blobName.EndsWith('/') || Path.GetFileName(blobName).StartsWith(TempPrefix, StringComparison.Ordinal))
        {
            return null;
        }
        var full = Path.GetFullPath(Path.Combine(root, blobName));
        return full.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal) ? full : null;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Config container {Container} mirrored to {Folder}: {Written} files written, {Removed} removed")]
    private static partial void LogSynced(ILogger logger, string container, string folder, int written, int removed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Blob {Blob} in config container {Container} is not copied: its name leaves the config folder")]
    private static partial void LogSkipped(ILogger logger, string blob, string container);

    [LoggerMessage(Level = LogLevel.Error, Message = "Config container {Container} does not exist in the storage account; upload the config files to it (see docs/operations.md)")]
    private static partial void LogContainerMissing(ILogger logger, string container);

    [LoggerMessage(Level = LogLevel.Error, Message = "Reading config container {Container} failed, the local copy stays as it is: {Error}")]
    private static partial void LogSyncFailed(ILogger logger, string container, string error);
}

public static partial class ConfigContainerRegistration
{
    /// <summary>Mirrors <c>Alerting:ConfigContainer:Name</c> when it is set; does nothing otherwise.</summary>
    public static IServiceCollection AddConfigContainerMirror(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ConfigContainerOptions>()
            .Bind(configuration.GetSection(ConfigContainerOptions.Section))
            .Validate(o => o.Name.Length == 0 || ContainerName().IsMatch(o.Name),
                "Alerting__ConfigContainer__Name must be a blob container name: 3 to 63 lowercase letters, digits and single hyphens.")
            .Validate(o => o.RefreshInterval > TimeSpan.Zero, "Alerting__ConfigContainer__RefreshInterval must be positive.")
            .Validate(o => o.LocalPath.Length > 0, "Alerting__ConfigContainer__LocalPath must name a writable folder.")
            .ValidateOnStart();
        if (!string.IsNullOrWhiteSpace(configuration[$"{ConfigContainerOptions.Section}:Name"]))
        {
            services.AddSingleton<ConfigContainerMirror>();
            services.AddHostedService(sp => sp.GetRequiredService<ConfigContainerMirror>());
        }
        return services;
    }

    [GeneratedRegex("^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$")]
    private static partial Regex ContainerName();
}
