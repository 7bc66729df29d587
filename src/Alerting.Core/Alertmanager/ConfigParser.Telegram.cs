using Alerting.Core.Config;

namespace Alerting.Core.Alertmanager;

/// <summary>
/// <c>telegram_configs</c> with Alertmanager's defaults and errors (config/notifiers.go): 0.25's fields, and
/// the later <c>bot_token_file</c>, <c>chat_id_file</c>, <c>message_thread_id</c> and
/// <c>global.telegram_bot_token(_file)</c>, which this project already accepted before it delivered Telegram.
/// </summary>
internal sealed partial class ConfigParser
{
    private void ParseTelegram(YamlNode node, string path, ReceiverDraft draft)
    {
        var m = OpenIntegration(node, path, "telegram");
        if (m is null)
        {
            return;
        }
        var http = HttpClientConfigParser.Parse(m, "http_config");
        var d = new TelegramConfig();
        var cfg = new TelegramConfig
        {
            SendResolved = m.Bool("send_resolved") ?? true,
            HttpConfig = http ?? new HttpClientConfig(),
            ApiUrl = Url(m, "api_url") ?? string.Empty,
            BotToken = Empty(m.String("bot_token", "config.plain")),
            BotTokenFile = Empty(m.String("bot_token_file")),
            ChatId = m.Int("chat_id", "int64") ?? 0,
            ChatIdFile = Empty(m.String("chat_id_file")),
            MessageThreadId = m.Int("message_thread_id") ?? 0,
            Message = m.String("message") ?? d.Message,
            DisableNotifications = m.Bool("disable_notifications") ?? false,
            ParseMode = m.String("parse_mode") ?? d.ParseMode,
        };
        m.Done();
        if (m.HadTypeErrors)
        {
            return;
        }
        InlineOrFile(m, path, "bot_token", cfg.BotToken, cfg.BotTokenFile);
        if (cfg.ChatId == 0 && cfg.ChatIdFile is null)
        {
            throw _ctx.Error(m.Node, path, "missing chat_id on telegram_config");
        }
        if (cfg.ParseMode is not ("" or "Markdown" or "MarkdownV2" or "HTML"))
        {
            throw _ctx.Error(m.Node, path, "unknown parse_mode on telegram_config, must be Markdown, MarkdownV2, HTML or empty string");
        }
        draft.Telegrams.Add((cfg, http is not null, node, path));
    }

    /// <summary>Fills the bot token, API URL and http_config from <c>global</c> as Alertmanager does.</summary>
    private List<TelegramConfig> ApplyTelegramGlobals(ReceiverDraft draft, GlobalConfig g)
    {
        var result = new List<TelegramConfig>();
        foreach (var (cfg, ownHttp, node, path) in draft.Telegrams)
        {
            var c = ownHttp ? cfg : cfg with { HttpConfig = g.HttpConfig };
            if (c.BotToken is null && c.BotTokenFile is null)
            {
                if (g.GetOther("telegram_bot_token") is null && g.GetOther("telegram_bot_token_file") is null)
                {
                    throw _ctx.Error(node, path, "missing bot_token or bot_token_file on telegram_config");
                }
                c = c with { BotToken = g.GetOther("telegram_bot_token"), BotTokenFile = g.GetOther("telegram_bot_token_file") };
            }
            if (c.ApiUrl.Length == 0)
            {
                c = c with { ApiUrl = g.GetOther("telegram_api_url") ?? new TelegramConfig().ApiUrl };
            }
            result.Add(c);
        }
        return result;
    }
}
