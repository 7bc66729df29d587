namespace Alerting.Core.Notify.Slack;

/// <summary>Limits from Slack's Block Kit reference and the chat.postMessage documentation.</summary>
public static class SlackLimits
{
    public const int BlocksPerMessage = 50;
    public const int HeaderText = 150;
    public const int SectionText = 3000;
    public const int SectionFields = 10;
    public const int SectionFieldText = 2000;
    public const int ContextElements = 10;
    public const int ContextText = 3000;
    public const int ActionsElements = 25;
    public const int ButtonText = 75;
    public const int ActionId = 255;
    public const int BlockId = 255;
    public const int ButtonValue = 2000;
    public const int ButtonUrl = 3000;
    public const int MessageText = 40000;
    public const int Attachments = 100;
    public const int ImageAltText = 2000;
}
