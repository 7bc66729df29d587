using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Alerting.Core.Model;

namespace Alerting.Core.Relabel;

/// <summary>
/// Applies relabel configs in order exactly as Prometheus does. Returns null when a keep/drop step
/// drops the target or series. An empty result value deletes the label (Labels drops empty values).
/// </summary>
public static class Relabeler
{
    public static Labels? Process(Labels labels, IReadOnlyList<RelabelConfig> configs)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(configs);
        if (configs.Count == 0)
        {
            return labels;
        }
        var builder = labels.ToDictionary();
        foreach (var cfg in configs)
        {
            if (!Apply(builder, cfg))
            {
                return null;
            }
        }
        return Labels.From(builder);
    }

    private static bool Apply(Dictionary<string, string> lb, RelabelConfig cfg)
    {
        var value = SourceValue(lb, cfg);
        switch (cfg.Action)
        {
            case RelabelAction.Drop:
                return !cfg.Regex.IsMatch(value);
            case RelabelAction.Keep:
                return cfg.Regex.IsMatch(value);
            case RelabelAction.DropEqual:
                return Get(lb, cfg.TargetLabel) != value;
            case RelabelAction.KeepEqual:
                return Get(lb, cfg.TargetLabel) == value;
            case RelabelAction.Replace:
                {
                    var m = cfg.Regex.Match(value);
                    if (!m.Success)
                    {
                        break;
                    }
                    var target = cfg.Regex.Expand(cfg.TargetLabel, m);
                    if (!PromNames.IsValidLabelName(target))
                    {
                        break;
                    }
                    var result = cfg.Regex.Expand(cfg.Replacement, m);
                    Set(lb, target, result);
                    break;
                }
            case RelabelAction.Lowercase:
                Set(lb, cfg.TargetLabel, value.ToLowerInvariant());
                break;
            case RelabelAction.Uppercase:
                Set(lb, cfg.TargetLabel, value.ToUpperInvariant());
                break;
            case RelabelAction.HashMod:
                Set(lb, cfg.TargetLabel, HashMod(value, cfg.Modulus).ToString(System.Globalization.CultureInfo.InvariantCulture));
                break;
            case RelabelAction.LabelMap:
                foreach (var (name, v) in lb.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToArray())
                {
                    var m = cfg.Regex.Match(name);
                    if (m.Success)
                    {
                        Set(lb, cfg.Regex.Expand(cfg.Replacement, m), v);
                    }
                }
                break;
            case RelabelAction.LabelDrop:
                foreach (var name in lb.Keys.ToArray())
                {
                    if (cfg.Regex.IsMatch(name))
                    {
                        lb.Remove(name);
                    }
                }
                break;
            case RelabelAction.LabelKeep:
                foreach (var name in lb.Keys.ToArray())
                {
                    if (!cfg.Regex.IsMatch(name))
                    {
                        lb.Remove(name);
                    }
                }
                break;
            default:
                throw new InvalidOperationException($"unknown relabel action {cfg.Action}");
        }
        return true;
    }

    /// <summary>
    /// Prometheus' hashmod: MD5 of the joined source values, the last 8 bytes read big-endian, modulo
    /// <paramref name="modulus"/>, so sharding agrees with a Prometheus configured the same way.
    /// </summary>
    public static ulong HashMod(string value, ulong modulus)
    {
        ArgumentNullException.ThrowIfNull(value);
        Span<byte> hash = stackalloc byte[16];
#pragma warning disable CA5351 // MD5 is what Prometheus uses here; this is sharding, not security.
        MD5.HashData(Encoding.UTF8.GetBytes(value), hash);
#pragma warning restore CA5351
        return BinaryPrimitives.ReadUInt64BigEndian(hash[8..]) % modulus;
    }

    private static string SourceValue(Dictionary<string, string> lb, RelabelConfig cfg)
    {
        return cfg.SourceLabels.Count switch
        {
            0 => string.Empty,
            1 => Get(lb, cfg.SourceLabels[0]),
            _ => string.Join(cfg.Separator, cfg.SourceLabels.Select(n => Get(lb, n))),
        };
    }

    private static string Get(Dictionary<string, string> lb, string name) => lb.TryGetValue(name, out var v) ? v : string.Empty;

    private static void Set(Dictionary<string, string> lb, string name, string value)
    {
        if (value.Length == 0)
        {
            lb.Remove(name);
        }
        else
        {
            lb[name] = value;
        }
    }
}
