using System.Security.Cryptography;
using System.Text;

namespace Alerting.Core.Grouping;

/// <summary>
/// A send's identity that a receiver can carry and be asked about again (Slack message metadata), so an
/// attempt that reached the receiver but left no log entry (a crash between the two) is recognised on the
/// next attempt instead of being sent twice.
/// </summary>
/// <remarks>
/// Built from what the send says (the firing and resolved alerts) and where it stands in the log (the
/// token of the last entry), not from the flush token: a stalled flush chain is re-armed under a new token
/// and must still find the post of the attempt that died. The same alerts told again after a later entry
/// (a repeat, or an alert that resolved and fired again) get a different key, so they are never mistaken
/// for the earlier post.
/// </remarks>
public static class SendIdentity
{
    public static string For(string receiver, string groupKey, string integrationId, IEnumerable<string> firing, IEnumerable<string> resolved, string? lastLogToken)
    {
        ArgumentNullException.ThrowIfNull(firing);
        ArgumentNullException.ThrowIfNull(resolved);
        var text = new StringBuilder()
            .Append(receiver).Append('\n')
            .Append(groupKey).Append('\n')
            .Append(integrationId).Append('\n')
            .Append(lastLogToken ?? "-").Append('\n')
            .AppendJoin(',', firing.Order(StringComparer.Ordinal)).Append('\n')
            .AppendJoin(',', resolved.Order(StringComparer.Ordinal))
            .ToString();
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..32];
    }
}
