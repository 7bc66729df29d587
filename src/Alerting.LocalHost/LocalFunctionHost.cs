using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Alerting.Core.Time;
using Alerting.Functions;
using Alerting.Functions.Storage;
using Azure.Storage.Queues;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Alerting.LocalHost;

/// <summary>
/// Runs the function app's functions without the Azure Functions host: HTTP triggers on Kestrel,
/// timer triggers on their schedules, queue triggers pumped from Azure Storage (Azurite locally).
/// Function bodies cannot tell which host called them: they get the same DI registrations
/// (<see cref="AlertingServices.AddAlerting"/>) and the same bound trigger values.
/// </summary>
public sealed partial class LocalFunctionHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _background = [];

    private LocalFunctionHost(WebApplication app, IReadOnlyList<FunctionDescriptor> functions, IReadOnlyList<QueuePump> pumps, IReadOnlyList<TimerScheduler> timers, TimeProvider time)
    {
        _app = app;
        Functions = functions;
        Pumps = pumps;
        Timers = timers;
        Time = time;
    }

    public IReadOnlyList<FunctionDescriptor> Functions { get; }

    public IReadOnlyList<QueuePump> Pumps { get; }

    public IReadOnlyList<TimerScheduler> Timers { get; }

    public TimeProvider Time { get; }

    public IServiceProvider Services => _app.Services;

    public Uri BaseAddress { get; private set; } = new("http://127.0.0.1/");

    /// <summary>
    /// Builds and starts the host. <paramref name="settings"/> override configuration (as app settings
    /// would on Azure); <paramref name="configureServices"/> lets tests replace the clock or handlers.
    /// </summary>
    public static async Task<LocalFunctionHost> StartAsync(
        LocalHostOptions options,
        IReadOnlyDictionary<string, string?>? settings = null,
        Action<IServiceCollection>? configureServices = null,
        string[]? args = null,
        CancellationToken ct = default,
        FunctionApp? app = null)
    {
        app ??= FunctionApp.Alerting;
        var builder = WebApplication.CreateSlimBuilder(args ?? []);
        if (options.LocalSettingsPath is { } localSettings && File.Exists(localSettings))
        {
            builder.Configuration.AddInMemoryCollection(ReadLocalSettings(localSettings));
        }
        builder.Configuration.AddEnvironmentVariables();
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }
        builder.WebHost.UseUrls(options.Urls);
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss ";
        });
        // Per-request chatter from HttpClient and Kestrel drowns the pipeline's own log lines.
        builder.Logging.AddFilter("System.Net.Http.HttpClient", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);

        TimeProvider time = options.TimeScale == 1 ? TimeProvider.System : new ScaledTimeProvider(options.TimeScale);
        builder.Services.TryAddSingleton(time);
        configureServices?.Invoke(builder.Services);
        builder.Services.AddMvcCore();
        app.Register(builder.Services, builder.Configuration);
        builder.Services.AddSingleton<FunctionInvoker>();

        var web = builder.Build();
        var hostJson = HostJson.Load(options.HostJsonPath);
        var functions = FunctionCatalog.Load(app.MetadataFile, app.Assembly);
        var invoker = web.Services.GetRequiredService<FunctionInvoker>();
        var logger = web.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Alerting.LocalHost");
        var config = web.Configuration;
        string Resolve(string value) => ResolveSettings(value, config);

        var pumps = new List<QueuePump>();
        var timers = new List<TimerScheduler>();
        foreach (var fn in functions)
        {
            switch (fn.Kind)
            {
                case TriggerKind.Http:
                    FunctionInvoker.Validate(fn, p => p.ParameterType == typeof(string));
                    MapHttp(web, fn, hostJson.RoutePrefix, options);
                    break;
                case TriggerKind.Timer:
                    FunctionInvoker.Validate(fn, _ => false);
                    timers.Add(new TimerScheduler(fn, invoker, Resolve, logger, TimerClaimFor(config)));
                    break;
                case TriggerKind.Queue:
                    FunctionInvoker.Validate(fn, QueuePump.CanBindExtra);
                    pumps.Add(new QueuePump(fn, invoker, hostJson.Queues, QueueServiceFor(fn, config, hostJson.Queues), Resolve, logger, options.QueueLease, options.QueueWakeups ? web.Services.GetService<Alerting.Functions.Storage.QueueWakeups>() : null));
                    break;
            }
        }
        web.MapFallback(static async ctx =>
        {
            ctx.Response.StatusCode = StatusCodes.Status404NotFound;
            await ctx.Response.WriteAsJsonAsync(new { error = $"no function serves {ctx.Request.Method} {ctx.Request.Path}" }).ConfigureAwait(false);
        });

        var host = new LocalFunctionHost(web, functions, pumps, timers, web.Services.GetRequiredService<TimeProvider>());
        foreach (var pump in pumps)
        {
            await pump.EnsureQueuesAsync(ct).ConfigureAwait(false);
        }
        await web.StartAsync(ct).ConfigureAwait(false);
        var address = web.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        host.BaseAddress = new Uri(address.EndsWith('/') ? address : address + "/");
        LogStarted(logger, host.BaseAddress, functions.Count, timers.Count, pumps.Count);

        if (options.EnableQueuePumps)
        {
            host._background.AddRange(pumps.Select(p => Task.Run(() => p.RunAsync(host.Time, host._stop.Token), CancellationToken.None)));
        }
        if (options.EnableTimers)
        {
            host._background.AddRange(timers.Select(t => Task.Run(() => t.RunAsync(host.Time, host._stop.Token), CancellationToken.None)));
        }
        return host;
    }

    /// <summary>Completes when the process is asked to stop (Ctrl-C, SIGTERM), then stops the host.</summary>
    public async Task WaitForShutdownAsync()
    {
        var stopping = new TaskCompletionSource();
        using (_app.Lifetime.ApplicationStopping.Register(() => stopping.TrySetResult()))
        {
            await stopping.Task.ConfigureAwait(false);
        }
        await StopAsync().ConfigureAwait(false);
    }

    /// <summary>Stops the timers and queue pumps but keeps serving HTTP (tests use this to simulate a crash of the workers).</summary>
    public async Task StopBackgroundAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_background).ConfigureAwait(false);
    }

    /// <summary>Runs a timer function once now, as if its schedule fired (tests drive time with this).</summary>
    public Task InvokeTimerAsync(string functionName, CancellationToken ct = default)
    {
        var timer = Timers.Single(t => t.FunctionName == functionName);
        return timer.InvokeAsync(false, Time.GetUtcNow(), ct);
    }

    /// <summary>
    /// Processes queue messages until one pass over every queue finds nothing visible. Returns how many
    /// messages were processed. Bounded so a handler that keeps re-enqueueing cannot spin forever.
    /// </summary>
    public async Task<int> DrainQueuesAsync(CancellationToken ct = default, int maxPasses = 100)
    {
        var total = 0;
        for (var pass = 0; pass < maxPasses; pass++)
        {
            var handled = 0;
            foreach (var pump in Pumps)
            {
                handled += await pump.ProcessBatchAsync(ct).ConfigureAwait(false);
            }
            total += handled;
            if (handled == 0)
            {
                return total;
            }
        }
        return total;
    }

    public async Task StopAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_background).ConfigureAwait(false);
        await _app.StopAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await StopAsync().ConfigureAwait(false);
        }
        await _app.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    /// <summary>The cross-process timer claim on the app's storage account; none when the app has no storage configured.</summary>
    private static TimerOccurrenceClaim? TimerClaimFor(IConfiguration config)
    {
        try
        {
            return new TimerOccurrenceClaim(StorageAccount.FromConfiguration(config, StorageNames.Connection).CreateBlobServiceClient());
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>
    /// The queue service of a trigger's <c>connection</c> (default AzureWebJobsStorage), read as the host and the
    /// app read it: a connection string, or an identity-based connection (<c>__accountName</c>, service URIs, <c>__credential</c>).
    /// </summary>
    internal static QueueServiceClient QueueServiceFor(FunctionDescriptor fn, IConfiguration config, QueueSettings settings)
    {
        var name = ((QueueTriggerBinding)fn.Trigger).Connection ?? StorageNames.Connection;
        try
        {
            return StorageAccount.FromConfiguration(config, name)
                .CreateQueueServiceClient(settings.Base64 ? QueueMessageEncoding.Base64 : QueueMessageEncoding.None);
        }
        catch (InvalidOperationException e)
        {
            throw new InvalidOperationException($"Function '{fn.Name}': {e.Message}", e);
        }
    }

    /// <summary>Resolves <c>%Name%</c> binding expressions from configuration, as the Functions host does.</summary>
    public static string ResolveSettings(string value, IConfiguration config)
    {
        if (!value.Contains('%', StringComparison.Ordinal))
        {
            return value;
        }
        var sb = new StringBuilder();
        var i = 0;
        while (i < value.Length)
        {
            var start = value.IndexOf('%', i);
            if (start < 0)
            {
                sb.Append(value, i, value.Length - i);
                break;
            }
            var end = value.IndexOf('%', start + 1);
            if (end < 0)
            {
                throw new FormatException($"Unterminated %setting% in '{value}'.");
            }
            sb.Append(value, i, start - i);
            var name = value[(start + 1)..end];
            var resolved = config[name] ?? config[name.Replace("__", ":", StringComparison.Ordinal)]
                ?? throw new InvalidOperationException($"App setting '{name}' referenced by '{value}' is not set.");
            sb.Append(resolved);
            i = end + 1;
        }
        return sb.ToString();
    }

    private static Dictionary<string, string?> ReadLocalSettings(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var result = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        if (doc.RootElement.TryGetProperty("Values", out var values))
        {
            foreach (var p in values.EnumerateObject())
            {
                // Core Tools exports Values as environment variables, where "__" is the section separator.
                result[p.Name.Replace("__", ":", StringComparison.Ordinal)] = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : p.Value.GetRawText();
            }
        }
        return result;
    }

    private static void MapHttp(WebApplication app, FunctionDescriptor fn, string prefix, LocalHostOptions options)
    {
        var attr = (HttpTriggerBinding)fn.Trigger;
        var route = attr.Route ?? fn.Name;
        var pattern = "/" + string.Join('/', new[] { prefix.Trim('/'), route.Trim('/') }.Where(s => s.Length > 0));
        var methods = attr.Methods.Count > 0 ? attr.Methods.ToArray() : ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"];
        var invoker = app.Services.GetRequiredService<FunctionInvoker>();
        app.MapMethods(pattern, methods, async ctx =>
        {
            if (!Authorized(ctx.Request, attr.AuthLevel, options))
            {
                ctx.Response.StatusCode = StatusCodes.Status401Unauthorized;
                await ctx.Response.WriteAsJsonAsync(new { error = "missing or invalid function key" }).ConfigureAwait(false);
                return;
            }
            var result = await invoker.InvokeAsync(fn, p => p.ParameterType == typeof(HttpRequest)
                ? ctx.Request
                : ctx.Request.RouteValues.TryGetValue(p.Name!, out var v) ? Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture) : null,
                ctx.RequestAborted).ConfigureAwait(false);
            switch (result)
            {
                case IActionResult action:
                    await action.ExecuteResultAsync(new ActionContext(ctx, ctx.GetRouteData(), new ActionDescriptor())).ConfigureAwait(false);
                    break;
                case IResult r:
                    await r.ExecuteAsync(ctx).ConfigureAwait(false);
                    break;
                case null:
                    ctx.Response.StatusCode = StatusCodes.Status204NoContent;
                    break;
                default:
                    await ctx.Response.WriteAsJsonAsync(result, result.GetType()).ConfigureAwait(false);
                    break;
            }
        }).WithDisplayName(fn.Name);
    }

    private static bool Authorized(HttpRequest request, AuthorizationLevel level, LocalHostOptions options)
    {
        if (level == AuthorizationLevel.Anonymous)
        {
            return true;
        }
        var presented = request.Headers["x-functions-key"].FirstOrDefault() ?? request.Query["code"].FirstOrDefault();
        if (presented is null)
        {
            return false;
        }
        return FixedEquals(presented, options.MasterKey)
            || (level != AuthorizationLevel.Admin && FixedEquals(presented, options.FunctionKey));
    }

    private static bool FixedEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b));

    [LoggerMessage(Level = LogLevel.Information, Message = "Local host listening on {Address}: {Functions} functions ({Timers} timers, {Queues} queue triggers)")]
    private static partial void LogStarted(ILogger logger, Uri address, int functions, int timers, int queues);
}
