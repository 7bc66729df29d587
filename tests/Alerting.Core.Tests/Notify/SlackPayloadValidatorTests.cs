using Alerting.Core.Notify.Slack;

using Alerting.Fakes.Validation;
namespace Alerting.Core.Tests.Notify;

public sealed class SlackPayloadValidatorTests
{
    [Fact]
    public void Message_without_text_blocks_or_attachments_is_no_text()
    {
        var web = SlackPayloadValidator.Validate("""{"channel":"C1"}""", SlackEndpoint.PostMessage);
        Assert.Equal("no_text", web.Error);
        Assert.Equal(200, web.HttpStatus);
        Assert.Equal(false, (bool?)web.ToWebApiResponse()["ok"]);
        Assert.Equal("no_text", (string?)web.ToWebApiResponse()["error"]);

        var hook = SlackPayloadValidator.Validate("""{"text":"  "}""", SlackEndpoint.IncomingWebhook);
        Assert.Equal("no_text", hook.Error);
        Assert.Equal(400, hook.HttpStatus);
        Assert.Equal("no_text", hook.WebhookResponseText);
        Assert.Equal("ok", SlackPayloadValidator.Validate("""{"text":"hi"}""", SlackEndpoint.IncomingWebhook).WebhookResponseText);
    }

    [Fact]
    public void Missing_or_unknown_channel_is_channel_not_found()
    {
        Assert.Equal("channel_not_found", SlackPayloadValidator.Validate("""{"text":"hi"}""", SlackEndpoint.PostMessage).Error);
        Assert.Equal("channel_not_found",
            SlackPayloadValidator.Validate("""{"channel":"C9","text":"hi"}""", SlackEndpoint.PostMessage, c => c == "C1").Error);
        Assert.True(SlackPayloadValidator.Validate("""{"channel":"C1","text":"hi"}""", SlackEndpoint.PostMessage, c => c == "C1").Ok);
    }

    [Fact]
    public void Update_without_ts_is_rejected()
    {
        Assert.Equal("message_not_found", SlackPayloadValidator.Validate("""{"channel":"C1","text":"hi"}""", SlackEndpoint.Update).Error);
    }

    [Fact]
    public void Bad_json_is_invalid_payload_for_webhooks_and_invalid_json_for_the_web_api()
    {
        Assert.Equal("invalid_payload", SlackPayloadValidator.Validate("{nope", SlackEndpoint.IncomingWebhook).Error);
        Assert.Equal("invalid_json", SlackPayloadValidator.Validate("{nope", SlackEndpoint.PostMessage).Error);
        Assert.Equal("invalid_payload", SlackPayloadValidator.Validate("[1]", SlackEndpoint.IncomingWebhook).Error);
    }

    [Theory]
    [InlineData("""[{"type":"header","text":{"type":"mrkdwn","text":"bold"}}]""", "/blocks/0/text/type")]
    [InlineData("""[{"type":"section"}]""", "/blocks/0")]
    [InlineData("""[{"type":"section","text":{"type":"mrkdwn","text":""}}]""", "/blocks/0/text/text")]
    [InlineData("""[{"type":"actions","elements":[]}]""", "/blocks/0/elements")]
    [InlineData("""[{"type":"actions","elements":[{"type":"button","text":{"type":"plain_text","text":"Go"},"style":"blue"}]}]""", "/blocks/0/elements/0/style")]
    [InlineData("""[{"type":"input","element":{}}]""", "/blocks/0/type")]
    [InlineData("""[{"type":"divider","block_id":"a"},{"type":"divider","block_id":"a"}]""", "/blocks/1/block_id")]
    public void Malformed_blocks_are_invalid_blocks_with_a_json_pointer(string blocks, string pointer)
    {
        var result = SlackPayloadValidator.Validate($$$"""{"channel":"C1","text":"t","blocks":{{{blocks}}}}""", SlackEndpoint.PostMessage);
        Assert.Equal("invalid_blocks", result.Error);
        Assert.Contains(result.Messages, m => m.EndsWith($"[json-pointer:{pointer}]", StringComparison.Ordinal));
        var metadata = result.ToWebApiResponse()["response_metadata"]!["messages"]!.AsArray();
        Assert.Equal(result.Messages.Count, metadata.Count);
    }

    [Fact]
    public void Header_longer_than_150_characters_is_rejected()
    {
        var header = new string('h', 151);
        var result = SlackPayloadValidator.Validate(
            $$$"""{"text":"t","blocks":[{"type":"header","text":{"type":"plain_text","text":"{{{header}}}"}}]}""",
            SlackEndpoint.IncomingWebhook);
        Assert.Equal("invalid_blocks", result.Error);
        Assert.Equal(400, result.HttpStatus);
    }

    [Fact]
    public void More_than_fifty_blocks_is_rejected()
    {
        var blocks = string.Join(',', Enumerable.Repeat("""{"type":"divider"}""", 51));
        Assert.Equal("invalid_blocks", SlackPayloadValidator.Validate($$"""{"text":"t","blocks":[{{blocks}}]}""", SlackEndpoint.IncomingWebhook).Error);
    }

    [Fact]
    public void Attachment_colour_must_be_hex_or_named()
    {
        Assert.True(SlackPayloadValidator.Validate("""{"text":"t","attachments":[{"color":"danger"}]}""", SlackEndpoint.IncomingWebhook).Ok);
        Assert.True(SlackPayloadValidator.Validate("""{"text":"t","attachments":[{"color":"#aaBB00"}]}""", SlackEndpoint.IncomingWebhook).Ok);
        Assert.Equal("invalid_attachments",
            SlackPayloadValidator.Validate("""{"text":"t","attachments":[{"color":"red"}]}""", SlackEndpoint.IncomingWebhook).Error);
    }

    [Fact]
    public void Text_over_forty_thousand_characters_is_msg_too_long()
    {
        var text = new string('a', 40001);
        Assert.Equal("msg_too_long", SlackPayloadValidator.Validate($$"""{"channel":"C1","text":"{{text}}"}""", SlackEndpoint.PostMessage).Error);
    }
}
