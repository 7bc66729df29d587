using System.Net.Http.Headers;
using System.Text;
using System.Xml.Linq;
using Alerting.Core.Alertmanager;
using Alerting.Functions.Notify.Http;
using Microsoft.Extensions.Logging;

namespace Alerting.Functions.Notify.Sns;

/// <summary>
/// Alertmanager 0.25's SNS integration: one <c>Publish</c> through the SNS Query API (a form-encoded POST to
/// <c>{api_url}/</c>, by default <c>https://sns.{region}.amazonaws.com/</c>) signed with AWS Signature
/// Version 4, carrying the parameters 0.25's AWS SDK sends: the destination (topic, phone number and/or
/// target ARN), the message cut to 256 KiB (1600 bytes for SMS) with a <c>truncated</c> attribute, the
/// subject, the templated <c>attributes</c> as String message attributes, and for a <c>.fifo</c> topic the
/// group key's hash as MessageGroupId and MessageDeduplicationId. Credentials are sigv4's access and secret
/// key, else the environment's (<c>AWS_ACCESS_KEY_ID</c>, <c>AWS_SECRET_ACCESS_KEY</c>, <c>AWS_SESSION_TOKEN</c>);
/// the region is sigv4's, else <c>AWS_REGION</c>. 429/5xx are retried by the shared pipeline and SNS's
/// throttling errors (400 <c>Throttling</c>) are transient, as the SDK retries them; other errors are permanent.
/// </summary>
public sealed partial class SnsNotifier(NotifyHttpClients clients, TimeProvider time, ILogger<SnsNotifier> logger) : Notifier<SnsConfig>
{
    /// <summary>SNS's limit for a published message.</summary>
    public const int MaxMessageBytes = 256 * 1024;

    /// <summary>0.25's limit for a message to a phone number (SMS), in bytes.</summary>
    public const int MaxSmsBytes = 1600;

    public const string ContentType = "application/x-www-form-urlencoded; charset=utf-8";

    public const string ApiVersion = "2010-03-31";

    // The AWS SDK's throttling codes: retried by the SDK whatever their status.
    private static readonly HashSet<string> ThrottlingCodes = new(StringComparer.Ordinal)
    {
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException", "TooManyRequestsException",
        "ProvisionedThroughputExceededException", "TransactionInProgressException", "RequestLimitExceeded", "BandwidthLimitExceeded",
        "LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete", "EC2ThrottledException",
    };

    public override string Kind => "sns";

    protected override async Task<DeliveryReceipt?> SendAsync(SnsConfig config, Integration integration, Notification notification, CancellationToken ct)
    {
        var credentials = Credentials(config.Sigv4);
        var region = config.Sigv4.Region.Length > 0 ? config.Sigv4.Region : Environment.GetEnvironmentVariable("AWS_REGION") ?? string.Empty;
        if (region.Length == 0)
        {
            throw new PermanentNotificationException("sns: region not configured in sns.sigv4.region or in default credentials chain");
        }
        var templater = new Templater(notification.Templates, notification.Data());
        var endpoint = Endpoint(templater.Text(config.ApiUrl), region);
        var parameters = PublishParameters(config, templater, notification.GroupKeyHash, out var truncated);
        templater.Report(logger, integration.Id, notification.Receiver);
        if (truncated)
        {
            LogTruncated(logger, notification.GroupKey);
        }
        var body = FormBody(parameters);
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(ContentType);
        using var response = await NotifyRequests.SendAsync(clients.For(config.HttpConfig), HttpMethod.Post, endpoint, content, ct,
            request => AwsSigV4.Sign(request, body, ContentType, credentials, region, "sns", time.GetUtcNow())).ConfigureAwait(false);
        var answer = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        var (code, message, messageId) = ReadAnswer(answer);
        if (!response.IsSuccessStatusCode && code is not null && ThrottlingCodes.Contains(code))
        {
            throw new TransientNotificationException($"sns: Publish throttled: {(int)response.StatusCode} {code}: {message}", response.StatusCode);
        }
        await DeliveryResponses.EnsureDeliveredAsync(response, "sns: Publish", ct, _ => code is null ? DeliveryResponses.Truncate(answer) : $"{code}: {message}").ConfigureAwait(false);
        LogPublished(logger, messageId ?? string.Empty, notification.GroupKey);
        return null;
    }

    /// <summary>
    /// The Publish request's parameters as 0.25's AWS SDK serialises them (sorted by name, as Go's
    /// <c>url.Values</c> encodes them). Values are bytes: 0.25 cuts an over-long message at a byte count,
    /// which may split a character, and sends what it cut.
    /// </summary>
    public static SortedDictionary<string, byte[]> PublishParameters(SnsConfig config, Templater t, string groupKeyHash, out bool truncated)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(t);
        var p = new SortedDictionary<string, byte[]>(StringComparer.Ordinal)
        {
            ["Action"] = Utf8("Publish"),
            ["Version"] = Utf8(ApiVersion),
        };
        var limit = MaxMessageBytes;
        if (config.TopicArn.Length > 0)
        {
            var topic = t.Text(config.TopicArn);
            p["TopicArn"] = Utf8(topic);
            if (topic.EndsWith(".fifo", StringComparison.Ordinal))
            {
                p["MessageDeduplicationId"] = Utf8(groupKeyHash);
                p["MessageGroupId"] = Utf8(groupKeyHash);
            }
        }
        if (config.PhoneNumber.Length > 0)
        {
            p["PhoneNumber"] = Utf8(t.Text(config.PhoneNumber));
            limit = MaxSmsBytes;
        }
        if (config.TargetArn.Length > 0)
        {
            p["TargetArn"] = Utf8(t.Text(config.TargetArn));
        }
        var attributes = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in config.Attributes)
        {
            attributes[t.Text(name)] = t.Text(value);
        }
        var message = Utf8(t.Text(config.Message));
        truncated = message.Length > limit;
        if (truncated)
        {
            message = message[..limit];
            attributes["truncated"] = "true";
        }
        p["Message"] = message;
        if (attributes.Count == 0)
        {
            // The SDK serialises the empty (not nil) map 0.25 always sets as an empty parameter.
            p["MessageAttributes"] = [];
        }
        var n = 0;
        foreach (var (name, value) in attributes)
        {
            n++;
            p[$"MessageAttributes.entry.{n}.Name"] = Utf8(name);
            p[$"MessageAttributes.entry.{n}.Value.DataType"] = Utf8("String");
            p[$"MessageAttributes.entry.{n}.Value.StringValue"] = Utf8(value);
        }
        if (config.Subject.Length > 0)
        {
            p["Subject"] = Utf8(t.Text(config.Subject));
        }
        return p;
    }

    /// <summary>The form body: <c>name=value</c> pairs joined by '&amp;', each escaped as Go's <c>url.QueryEscape</c> escapes bytes.</summary>
    public static byte[] FormBody(SortedDictionary<string, byte[]> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var sb = new StringBuilder();
        foreach (var (name, value) in parameters)
        {
            if (sb.Length > 0)
            {
                sb.Append('&');
            }
            Escape(sb, Utf8(name));
            sb.Append('=');
            Escape(sb, value);
        }
        return Encoding.ASCII.GetBytes(sb.ToString());
    }

    private static void Escape(StringBuilder sb, byte[] bytes)
    {
        foreach (var b in bytes)
        {
            var c = (char)b;
            if (c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '-' or '_' or '.' or '~')
            {
                sb.Append(c);
            }
            else if (c == ' ')
            {
                sb.Append('+');
            }
            else
            {
                sb.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }
    }

    /// <summary>The Publish URL: the templated api_url (https:// added when it names no scheme) or SNS's regional endpoint, plus the operation's path "/".</summary>
    public static string Endpoint(string apiUrl, string region)
    {
        var endpoint = apiUrl.Length == 0 ? $"https://sns.{region}.amazonaws.com"
            : apiUrl.Contains("://", StringComparison.Ordinal) ? apiUrl : "https://" + apiUrl;
        return endpoint + "/";
    }

    private static AwsCredentials Credentials(SnsSigV4 sigv4)
    {
        if (sigv4.RoleArn.Length > 0)
        {
            throw new PermanentNotificationException("sns: sigv4.role_arn is not supported (it needs AWS STS AssumeRole); set sigv4.access_key and sigv4.secret_key of a user allowed to publish");
        }
        if (sigv4.AccessKey.Length > 0 && sigv4.SecretKey.Length > 0)
        {
            return new AwsCredentials(sigv4.AccessKey, sigv4.SecretKey);
        }
        if (sigv4.Profile.Length > 0)
        {
            throw new PermanentNotificationException("sns: sigv4.profile is not supported (shared AWS credential files are not read); set sigv4.access_key and sigv4.secret_key");
        }
        var id = Environment.GetEnvironmentVariable("AWS_ACCESS_KEY_ID");
        var secret = Environment.GetEnvironmentVariable("AWS_SECRET_ACCESS_KEY");
        if (string.IsNullOrEmpty(id) || string.IsNullOrEmpty(secret))
        {
            throw new PermanentNotificationException("sns: no AWS credentials: set sigv4.access_key and sigv4.secret_key, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
        }
        return new AwsCredentials(id, secret, Environment.GetEnvironmentVariable("AWS_SESSION_TOKEN") is { Length: > 0 } token ? token : null);
    }

    /// <summary>SNS's answer: an ErrorResponse's code and message, or a PublishResponse's MessageId; nulls when the body is not SNS XML.</summary>
    private static (string? Code, string? Message, string? MessageId) ReadAnswer(string body)
    {
        try
        {
            var doc = XDocument.Parse(body);
            string? Find(string name) => doc.Descendants().FirstOrDefault(e => e.Name.LocalName == name)?.Value;
            return (Find("Code"), Find("Message"), Find("MessageId"));
        }
        catch (System.Xml.XmlException)
        {
            return (null, null, null);
        }
    }

    private static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    [LoggerMessage(Level = LogLevel.Debug, Message = "SNS message {MessageId} published for group {GroupKey}")]
    private static partial void LogPublished(ILogger logger, string messageId, string groupKey);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Truncated the SNS message for group {GroupKey} to SNS's size limit")]
    private static partial void LogTruncated(ILogger logger, string groupKey);
}
