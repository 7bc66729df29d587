using System.Globalization;
using Alerting.LocalHost;

// Usage: Alerting.LocalHost [--urls http://127.0.0.1:7071] [--time-scale 4] [--settings local.settings.json] [--host-json host.json] [--queue-lease 30]
var options = new LocalHostOptions { LocalSettingsPath = "local.settings.json" };
for (var i = 0; i < args.Length - 1; i++)
{
    switch (args[i])
    {
        case "--urls": options.Urls = args[++i]; break;
        case "--time-scale": options.TimeScale = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--settings": options.LocalSettingsPath = args[++i]; break;
        case "--host-json": options.HostJsonPath = args[++i]; break;
        case "--function-key": options.FunctionKey = args[++i]; break;
        case "--queue-lease": options.QueueLease = TimeSpan.FromSeconds(double.Parse(args[++i], CultureInfo.InvariantCulture)); break;
        default: break;
    }
}

await using var host = await LocalFunctionHost.StartAsync(options, args: args);
Console.WriteLine($"Alerting.LocalHost ready at {host.BaseAddress} (function key: {options.FunctionKey}); Ctrl-C stops.");
// ASP.NET's console lifetime turns Ctrl-C and SIGTERM into a graceful stop.
await host.WaitForShutdownAsync();
