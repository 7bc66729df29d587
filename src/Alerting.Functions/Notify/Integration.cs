using Alerting.Core.Alertmanager;

namespace Alerting.Functions.Notify;

/// <summary>
/// One delivery target of a receiver (its n-th slack_config, email_config, ...). The id is stable for a
/// given config so the notification log can say what this target was last told.
/// </summary>
public sealed record Integration(string Id, IntegrationConfig Config)
{
    public string Kind => Config.Kind;

    public bool SendResolved => Config.SendResolved;

    /// <summary>The receiver's integrations, each with its id: the kind and its position among that kind (<c>slack-0</c>).</summary>
    public static IReadOnlyList<Integration> For(Receiver receiver)
    {
        ArgumentNullException.ThrowIfNull(receiver);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var result = new List<Integration>();
        foreach (var config in receiver.Integrations)
        {
            var n = seen.GetValueOrDefault(config.Kind);
            seen[config.Kind] = n + 1;
            result.Add(new Integration($"{config.Kind}-{n}", config));
        }
        return result;
    }
}
