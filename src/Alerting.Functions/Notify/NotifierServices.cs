using Alerting.Functions.Notify.Discord;
using Alerting.Functions.Notify.Email;
using Alerting.Functions.Notify.MsTeams;
using Alerting.Functions.Notify.OpsGenie;
using Alerting.Functions.Notify.PagerDuty;
using Alerting.Functions.Notify.Slack;
using Alerting.Functions.Notify.Telegram;
using Alerting.Functions.Notify.Webhook;
using Microsoft.Extensions.DependencyInjection;

namespace Alerting.Functions.Notify;

public static class NotifierServices
{
    /// <summary>Registers one notifier per receiver kind; the <see cref="Deliverer"/> finds them by kind.</summary>
    public static IServiceCollection AddNotifiers(this IServiceCollection services)
    {
        services.AddSingleton<SlackWebApi>();
        Add<EmailNotifier>(services);
        Add<SlackNotifier>(services);
        Add<PagerDutyNotifier>(services);
        Add<WebhookNotifier>(services);
        Add<OpsGenieNotifier>(services);
        Add<MsTeamsNotifier>(services);
        Add<TelegramNotifier>(services);
        Add<DiscordNotifier>(services);
        return services;
    }

    private static void Add<T>(IServiceCollection services)
        where T : class, INotifier
    {
        services.AddSingleton<T>();
        services.AddSingleton<INotifier>(sp => sp.GetRequiredService<T>());
    }
}
