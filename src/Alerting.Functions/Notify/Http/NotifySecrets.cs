namespace Alerting.Functions.Notify.Http;

/// <summary>A receiver's secret files (<c>api_key_file</c>, <c>bot_token_file</c>, <c>chat_id_file</c> ...), read the one way every notifier reads them.</summary>
public static class NotifySecrets
{
    /// <summary>
    /// The file's content, trimmed, read at each send so a rotated secret is picked up; an empty path gives
    /// an empty string. A file that cannot be read fails permanently: retrying does not help until it is fixed.
    /// </summary>
    /// <param name="what">The failure's prefix, e.g. <c>opsgenie: read api_key_file</c>.</param>
    public static string ReadFile(string? path, string what)
    {
        try
        {
            return (HttpClientConfigs.ReadSecret(path) ?? string.Empty).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PermanentNotificationException($"{what} error: {e.Message}", e);
        }
    }
}
