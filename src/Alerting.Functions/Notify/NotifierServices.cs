using Alerting.Functions.Notify.Discord;
using Alerting.Functions.Notify.Email;
using Alerting.Functions.Notify.Mattermost;
using Alerting.Functions.Notify.MsTeams;
using Alerting.Functions.Notify.MsTeamsV2;
using Alerting.Functions.Notify.OpsGenie;
using Alerting.Functions.Notify.PagerDuty;
using Alerting.Functions.Notify.Pushover;
using Alerting.Functions.Notify.Rocketchat;
using Alerting.Functions.Notify.Slack;
using Alerting.Functions.Notify.Telegram;
using Alerting.Functions.Notify.VictorOps;
using Alerting.Functions.Notify.Webex;
using Alerting.Functions.Notify.Webhook;
using Alerting.Functions.Notify.WeChat;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

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
        services.TryAddSingleton(TimeProvider.System);
        Add<WeChatNotifier>(services);
        Add<MsTeamsV2Notifier>(services);
        Add<VictorOpsNotifier>(services);
        Add<WebexNotifier>(services);
        Add<PushoverNotifier>(services);
        Add<MattermostNotifier>(services);
        Add<RocketchatNotifier>(services);
        return services;
    }

    private static void Add<T>(IServiceCollection services)
        where T : class, INotifier
    {
        services.AddSingleton<T>();
        services.AddSingleton<INotifier>(sp => sp.GetRequiredService<T>());
    }
}
