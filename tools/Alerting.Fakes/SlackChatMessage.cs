using System.Text.Json.Nodes;

namespace Alerting.Fakes;

/// <summary>How the Slack fake is started: where it listens, where it logs, and the bot token its Web API accepts.</summary>
public sealed record SlackFakeOptions
{
    /// <summary>The bot token the fake uses when none is configured; shaped like the tokens Slack issues.</summary>
    public const string DefaultBotToken = "xoxb-0000000000-0000000000000-FakeBotTokenForTests00";

    /// <summary>TCP port on 127.0.0.1; 0 picks a free one.</summary>
    public int Port { get; init; }

    /// <summary>JSON-lines file every accepted request is appended to, or null.</summary>
    public string? LogFile { get; init; }

    /// <summary>The only token <c>chat.postMessage</c>/<c>chat.update</c> accept (<c>Authorization: Bearer ...</c>). Must start with <c>xoxb-</c>.</summary>
    public string BotToken { get; init; } = DefaultBotToken;

    /// <summary>
    /// The OAuth scopes the bot token was granted. <c>conversations.history</c> answers <c>missing_scope</c>
    /// unless the token holds the history scope of the conversation's kind (<c>channels:history</c> for a
    /// public channel, <c>groups:history</c> private, <c>im:history</c> direct).
    /// </summary>
    public IReadOnlySet<string> Scopes { get; init; } = new HashSet<string>(StringComparer.Ordinal) { "chat:write", "channels:history", "groups:history", "im:history" };

    /// <summary>The clock message timestamps (<c>ts</c>) are taken from.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;
}

/// <summary>One state of a Web API message: what a <c>chat.postMessage</c> or <c>chat.update</c> call made it.</summary>
/// <param name="At">When the fake accepted the call.</param>
/// <param name="Method"><c>chat.postMessage</c> or <c>chat.update</c>.</param>
/// <param name="Request">The request body as received.</param>
/// <param name="Text">The message's text after the call.</param>
/// <param name="Blocks">The message's blocks after the call, or null.</param>
/// <param name="Attachments">The message's attachments after the call, or null.</param>
public sealed record SlackChatRevision(DateTimeOffset At, string Method, JsonObject Request, string? Text, JsonArray? Blocks, JsonArray? Attachments);

/// <summary>
/// A message posted through the Web API, as Slack keeps it: identified by channel id and <c>ts</c>, showing
/// its latest content, with every revision (the post first, then each update) for tests to inspect.
/// </summary>
/// <param name="Channel">The channel id Slack answered with (a name such as <c>#alerts</c> is resolved to a stable fake id).</param>
/// <param name="Ts">The message timestamp, Slack's message id.</param>
/// <param name="Text">Current text.</param>
/// <param name="Blocks">Current blocks, or null.</param>
/// <param name="Attachments">Current attachments, or null.</param>
/// <param name="Updates">How many <c>chat.update</c> calls changed it.</param>
/// <param name="History">Every revision, oldest first; <c>History[0]</c> is the post.</param>
public sealed record SlackChatMessage(
    string Channel,
    string Ts,
    string? Text,
    JsonArray? Blocks,
    JsonArray? Attachments,
    int Updates,
    IReadOnlyList<SlackChatRevision> History);
