using Alerting.Functions;
using Alerting.Functions.Telemetry;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
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
