using Alerting.Core.Alertmanager;
using Alerting.Core.Templating;
using Alerting.Core.Tests;
using Alerting.Functions.Notify;
using Alerting.Functions.Notify.Http;
using Alerting.Functions.Options;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NotifyIntegration = Alerting.Functions.Notify.Integration;

namespace Alerting.Integration.Tests.Notify;

/// <summary>The notifiers wired exactly as AddAlerting wires them, for tests that send to one receiver directly.</summary>
internal static class NotifyTestKit
{
    /// <summary>Alertmanager's default templates as the app loads them.</summary>
    public static TemplateSet Templates() => AlertmanagerTemplates.LoadDefault(Path.Combine(TestPaths.RepoRoot, "rules", "templates", "default.tmpl"));

    /// <summary>One attempt per request: a test sees how one answer is classified.</summary>
    public static readonly DeliveryOptions SingleAttempt = new() { MaxAttempts = 1 };

    public static ServiceProvider Services(DeliveryOptions? delivery = null, ILoggerProvider? logs = null, Action<IServiceCollection>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddLogging(b =>
        {
            if (logs is not null)
            {
                b.AddProvider(logs);
            }
        });
        services.AddOptions<AlertingOptions>();
        var d = delivery ?? SingleAttempt;
        services.AddOptions<DeliveryOptions>().Configure(o =>
        {
            o.MaxAttempts = d.MaxAttempts;
            o.BaseDelay = d.BaseDelay;
            o.MaxDelay = d.MaxDelay;
            o.MaxRetryAfter = d.MaxRetryAfter;
            o.AttemptTimeout = d.AttemptTimeout;
            o.UserAgent = d.UserAgent;
        });
        services.AddSingleton<NotifyHttpClients>();
        services.AddNotifiers();
        services.AddSingleton<Deliverer>();
        configure?.Invoke(services);
        return services.BuildServiceProvider();
    }

    public static T Notifier<T>(DeliveryOptions? delivery = null, ILoggerProvider? logs = null)
        where T : INotifier => Services(delivery, logs).GetRequiredService<T>();

    /// <summary>The only receiver of an alertmanager.yml with one receiver named <c>team</c>.</summary>
    public static Receiver Receiver(string integrationsYaml, string global = "") =>
        AlertmanagerConfigLoader.Parse($"{global}route:\n  receiver: team\nreceivers:\n  - name: team\n{integrationsYaml}", "alertmanager.yml").Receivers.Single();

    public static NotifyIntegration Integration(IntegrationConfig config) => new($"{config.Kind}-0", config);
}
