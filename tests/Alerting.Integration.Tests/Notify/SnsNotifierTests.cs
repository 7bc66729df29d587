using System.Security.Cryptography;
using System.Text;
using Alerting.Core.Alertmanager;
using Alerting.Core.Model;
using Alerting.Fakes.Sns;
using Alerting.Functions.Notify;
using Alerting.Functions.Notify.Sns;
using Alerting.Functions.Options;

namespace Alerting.Integration.Tests.Notify;

/// <summary>
/// The SNS notifier against the strict SNS Query API fake over HTTP, which recomputes every request's
/// Signature Version 4: one signed Publish per notification with Alertmanager 0.25's parameters (destination,
/// default subject and message, attributes, FIFO group and deduplication ids, byte truncation with a
/// <c>truncated</c> attribute), and SNS's answers classified (throttling and 5xx transient, anything else permanent).
/// </summary>
public sealed class SnsNotifierTests : IAsyncLifetime
{
    private const string GroupKey = "{}:{alertname=\"DiskFull\"}";
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 10, 5, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Started = new(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);

    private SnsFake _fake = null!;

    public async Task InitializeAsync() => _fake = await SnsFake.StartAsync();

    public async Task DisposeAsync() => await _fake.DisposeAsync();

    private SnsConfig Config(string destination = $"topic_arn: '{SnsFake.TopicArn}'", string extra = "", string secret = SnsFake.SecretAccessKey, string sigv4Extra = "") =>
        NotifyTestKit.Receiver($"""
                sns_configs:
                  - api_url: '{_fake.ApiUrl}'
                    {destination}
                    sigv4:
                      region: {SnsFake.Region}
                      access_key: {SnsFake.AccessKeyId}
                      secret_key: '{secret}'
            {sigv4Extra}
            {extra}
            """).SnsConfigs.Single();

    private static Alert DiskFull(string instance, string summary = "Disk is full") => new(
        Labels.From(("alertname", "DiskFull"), ("instance", instance), ("severity", "critical")),
        Labels.From(("summary", summary)),
        Started,
        null,
        "http://prom/graph");

    private static Notification Group(params Alert[] alerts) =>
        new("team", Labels.From(("alertname", "DiskFull")), alerts, Now, "http://alerting.test", GroupKey) { Templates = NotifyTestKit.Templates() };

    // Signatures are checked against the wall clock, as AWS checks them.
    private static Task SendAsync(SnsConfig config, Notification notification, DeliveryOptions? delivery = null) =>
        NotifyTestKit.Notifier<SnsNotifier>(delivery).SendAsync(NotifyTestKit.Integration(config), notification, CancellationToken.None);

    [Fact]
    public async Task A_firing_group_is_one_signed_publish_to_the_topic_with_0_25s_default_subject_and_message()
    {
        await SendAsync(Config(), Group(DiskFull("m1"), DiskFull("m2")));

        var publish = Assert.Single(_fake.Received);
        Assert.Equal("/", publish.Path);
        var p = new Dictionary<string, string>(publish.Parameters);
        Assert.True(p.Remove("Message", out var message));
        Assert.StartsWith("Disk is full\n\nAlerts Firing:\nLabels:\n - alertname = DiskFull\n - instance = m1\n", message, StringComparison.Ordinal);
        Assert.Equal(new Dictionary<string, string>
        {
            ["Action"] = "Publish",
            ["Version"] = "2010-03-31",
            ["TopicArn"] = SnsFake.TopicArn,
            ["Subject"] = "[FIRING:2] DiskFull (critical)",
            ["MessageAttributes"] = "",
        }, p);
        Assert.Equal(["content-type", "host", "x-amz-date"], publish.SignedHeaders);
    }

    [Fact]
    public async Task A_fifo_topic_gets_the_group_keys_hash_as_message_group_and_deduplication_id()
    {
        await SendAsync(Config($"topic_arn: '{SnsFake.FifoTopicArn}'"), Group(DiskFull("m1")));

        var p = Assert.Single(_fake.Received).Parameters;
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(GroupKey)));
        Assert.Equal((hash, hash), (p["MessageGroupId"], p["MessageDeduplicationId"]));
    }

    [Fact]
    public async Task Attributes_subject_and_target_are_templated_and_attributes_are_sent_as_string_entries_in_name_order()
    {
        var config = Config($"target_arn: '{SnsFake.TargetArn}'", """
                    subject: '{{ .Status }} {{ .CommonLabels.alertname }}'
                    message: '{{ range .Alerts }}{{ .Labels.instance }} {{ end }}'
                    attributes:
                      team: ops
                      '{{ .CommonLabels.alertname }}': '{{ .CommonLabels.severity }}'
            """);
        await SendAsync(config, Group(DiskFull("m1"), DiskFull("m2")));

        var p = Assert.Single(_fake.Received).Parameters;
        Assert.Equal((SnsFake.TargetArn, "firing DiskFull", "m1 m2 "), (p["TargetArn"], p["Subject"], p["Message"]));
        Assert.Equal(("DiskFull", "String", "critical"), (p["MessageAttributes.entry.1.Name"], p["MessageAttributes.entry.1.Value.DataType"], p["MessageAttributes.entry.1.Value.StringValue"]));
        Assert.Equal(("team", "String", "ops"), (p["MessageAttributes.entry.2.Name"], p["MessageAttributes.entry.2.Value.DataType"], p["MessageAttributes.entry.2.Value.StringValue"]));
        Assert.False(p.ContainsKey("MessageAttributes"));
    }

    [Fact]
    public async Task An_sms_longer_than_1600_bytes_is_cut_to_1600_bytes_and_marked_truncated()
    {
        var config = Config("phone_number: '+15555550100'", "        message: '{{ .CommonAnnotations.summary }}'");
        await SendAsync(config, Group(DiskFull("m1", new string('x', 2000))));

        var p = Assert.Single(_fake.Received).Parameters;
        Assert.Equal(("+15555550100", new string('x', SnsNotifier.MaxSmsBytes)), (p["PhoneNumber"], p["Message"]));
        Assert.Equal(("truncated", "true"), (p["MessageAttributes.entry.1.Name"], p["MessageAttributes.entry.1.Value.StringValue"]));
    }

    [Fact]
    public async Task A_wrong_secret_key_is_refused_by_the_signature_check_for_good_without_the_key_in_the_error()
    {
        const string wrong = "not/the/secret/key/EXAMPLEKEYxxxxxxxxxxxx";
        var e = await Assert.ThrowsAsync<PermanentNotificationException>(() => SendAsync(Config(secret: wrong), Group(DiskFull("m1"))));

        Assert.Contains("403", e.Message, StringComparison.Ordinal);
        Assert.Contains("SignatureDoesNotMatch", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(wrong, e.Message, StringComparison.Ordinal);
        Assert.Empty(_fake.Received);
    }

    [Fact]
    public async Task Throttling_is_transient_and_a_server_error_is_retried_within_the_send()
    {
        _fake.FailNext(400, 1);
        var throttled = await Assert.ThrowsAsync<TransientNotificationException>(() => SendAsync(Config(), Group(DiskFull("m1"))));
        Assert.Contains("Throttling", throttled.Message, StringComparison.Ordinal);

        _fake.FailNext(503, 1);
        await SendAsync(Config(), Group(DiskFull("m1")), new DeliveryOptions { MaxAttempts = 3, BaseDelay = TimeSpan.FromMilliseconds(10) });
        Assert.Equal((3, 1), (_fake.Requests, _fake.Received.Count));
    }

    [Fact]
    public async Task An_unknown_topic_or_an_empty_message_is_permanent()
    {
        var unknown = await Assert.ThrowsAsync<PermanentNotificationException>(() => SendAsync(Config("topic_arn: 'arn:aws:sns:us-east-1:123456789012:nope'"), Group(DiskFull("m1"))));
        Assert.Contains("404", unknown.Message, StringComparison.Ordinal);
        Assert.Contains("NotFound: Topic does not exist", unknown.Message, StringComparison.Ordinal);

        var empty = await Assert.ThrowsAsync<PermanentNotificationException>(() => SendAsync(Config(extra: "        message: ''"), Group(DiskFull("m1"))));
        Assert.Contains("Empty message", empty.Message, StringComparison.Ordinal);
        Assert.Empty(_fake.Received);
    }

    [Fact]
    public async Task Role_arn_is_refused_for_good_without_a_request_as_it_needs_sts()
    {
        var e = await Assert.ThrowsAsync<PermanentNotificationException>(() =>
            SendAsync(Config(sigv4Extra: "          role_arn: 'arn:aws:iam::123456789012:role/publisher'"), Group(DiskFull("m1"))));
        Assert.Contains("role_arn is not supported", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, _fake.Requests);
    }
}
