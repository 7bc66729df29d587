using Alerting.Functions;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

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
builder.Build().Run();
