using Alerting.Functions;
using Alerting.Functions.Telemetry;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();

// The worker's own telemetry (logs, dependencies, exceptions) goes to Application Insights directly, keyed by
// APPLICATIONINSIGHTS_CONNECTION_STRING; with APPLICATIONINSIGHTS_AUTHENTICATION_STRING set (infra/ sets it) it
// authenticates with the app's managed identity, so the component can refuse local (key) auth.
builder.Services
    .AddApplicationInsightsTelemetryWorkerService()
    .ConfigureFunctionsApplicationInsights();
// The Application Insights provider adds a rule that keeps only warnings and above; the pipeline's
// information-level lines (rule loads, notifications sent) are what an operator searches for.
builder.Logging.Services.Configure<LoggerFilterOptions>(options =>
{
    var warningsOnly = options.Rules.FirstOrDefault(r =>
        r.ProviderName == "Microsoft.Extensions.Logging.ApplicationInsights.ApplicationInsightsLoggerProvider");
    if (warningsOnly is not null)
    {
        options.Rules.Remove(warningsOnly);
    }
});

builder.Services.AddAlerting(builder.Configuration);
// The app's own meter and traces go to Application Insights through OpenTelemetry on Azure; locally
// they are read at GET /api/metrics/self instead.
if (!string.IsNullOrEmpty(builder.Configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"]))
{
    builder.Services.AddOpenTelemetry()
        .WithMetrics(m => m.AddMeter(AlertingTelemetry.Name).AddAzureMonitorMetricExporter())
        .WithTracing(t => t.AddSource(AlertingTelemetry.Name).AddAzureMonitorTraceExporter())
        .UseFunctionsWorkerDefaults();
}
builder.Build().Run();
