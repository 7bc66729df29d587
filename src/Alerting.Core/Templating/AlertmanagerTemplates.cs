using Alerting.Core.Model;
using System.Globalization;
using System.Text;

namespace Alerting.Core.Templating;

/// <summary>
/// Alertmanager's template environment: its function map (template.DefaultFuncs), <c>missingkey=zero</c>,
/// and the default templates (default.tmpl, email.tmpl) that receivers' default fields refer to.
/// </summary>
public static class AlertmanagerTemplates
{
    /// <summary>Alertmanager's template functions; <paramref name="time"/> drives <c>since</c>.</summary>
    public static IReadOnlyDictionary<string, TemplateFunction> Functions(TimeProvider? time = null)
    {
        var clock = time ?? TimeProvider.System;
        var functions = new Dictionary<string, TemplateFunction>(StringComparer.Ordinal)
        {
            ["toUpper"] = CommonFunctions.ToUpper,
            ["toLower"] = CommonFunctions.ToLower,
            ["title"] = args => CommonFunctions.Title(Args.String(Args.Exactly("title", args, 1)[0]), lowerRest: true),
            ["trimSpace"] = args => Args.String(Args.Exactly("trimSpace", args, 1)[0]).Trim(GoSpace),
            ["join"] = args =>
            {
                Args.Exactly("join", args, 2);
                return string.Join(Args.String(args[0]), Args.StringSlice(args[1]));
            },
            ["match"] = args => CommonFunctions.Match(args),
            ["safeHtml"] = args => new SafeHtml(Args.String(Args.Exactly("safeHtml", args, 1)[0])),
            ["safeUrl"] = args => new SafeUrl(Args.String(Args.Exactly("safeUrl", args, 1)[0])),
            ["urlUnescape"] = args => CommonFunctions.QueryUnescape(Args.String(Args.Exactly("urlUnescape", args, 1)[0])),
            ["reReplaceAll"] = CommonFunctions.ReReplaceAll,
            ["stringSlice"] = args => args.Select(Args.String).ToList(),
            ["date"] = args =>
            {
                Args.Exactly("date", args, 2);
                return GoTime.Format(Args.String(args[0]), CommonFunctions.Time(args[1]), (args[1] as ZonedTime)?.Zone);
            },
            ["tz"] = args =>
            {
                Args.Exactly("tz", args, 2);
                var name = Args.String(args[0]);
                var t = CommonFunctions.Time(args[1]);
                return ZonedTime.In(t, FindZone(name));
            },
            ["now"] = args =>
            {
                Args.Exactly("now", args, 0);
                return clock.GetUtcNow();
            },
            ["since"] = args => clock.GetUtcNow() - CommonFunctions.Time(Args.Exactly("since", args, 1)[0]),
            ["humanizeDuration"] = args => CommonFunctions.HumanizeDuration(Args.Float(Args.Exactly("humanizeDuration", args, 1)[0])),
            ["toJson"] = args => GoJsonMarshal.Marshal(Args.Exactly("toJson", args, 1)[0]),
            ["list"] = args => args.ToList(),
            ["append"] = args =>
            {
                Args.AtLeast("append", args, 1);
                var list = args[0] is null ? [] : GoValues.Kind(args[0]) == GoKind.Slice
                    ? GoValues.AsList(args[0]!).ToList()
                    : throw new TemplateArgumentException($"wrong type for value; expected []interface {{}}; got {GoValues.TypeName(args[0])}");
                list.AddRange(args.Skip(1));
                return list;
            },
            ["dict"] = args =>
            {
                if (args.Length % 2 != 0)
                {
                    throw new InvalidOperationException("dict requires an even number of arguments");
                }
                var map = new Dictionary<string, object?>(StringComparer.Ordinal);
                for (var i = 0; i < args.Length; i += 2)
                {
                    map[args[i] as string ?? throw new InvalidOperationException("dict keys must be strings")] = args[i + 1];
                }
                return (IReadOnlyDictionary<string, object?>)map;
            },
        };
        GoParamType s = GoParamType.String, any = GoParamType.Any, t = GoParamType.Time;
        return GoFunction.Sign(
            functions,
            new Dictionary<string, GoParamType[]>
            {
                ["toUpper"] = [s], ["toLower"] = [s], ["title"] = [s], ["trimSpace"] = [s], ["join"] = [s, GoParamType.StringSlice],
                ["match"] = [s, s], ["safeHtml"] = [s], ["safeUrl"] = [s], ["urlUnescape"] = [s], ["reReplaceAll"] = [s, s, s],
                ["stringSlice"] = [s], ["date"] = [s, t], ["tz"] = [s, t], ["now"] = [], ["since"] = [t],
                ["humanizeDuration"] = [any], ["toJson"] = [any], ["list"] = [any], ["append"] = [GoParamType.AnySlice, any], ["dict"] = [any],
            },
            new HashSet<string> { "stringSlice", "list", "append", "dict" });
    }

    private static readonly char[] GoSpace = [' ', '\t', '\n', '\v', '\f', '\r', '\u0085', '\u00A0'];

    private static TimeZoneInfo FindZone(string name)
    {
        if (name is "" or "UTC")
        {
            return TimeZoneInfo.Utc;
        }
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(name);
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            throw new InvalidOperationException($"unknown time zone {name}", e);
        }
    }

    /// <summary>An empty set with Alertmanager's functions and options, for user template files.</summary>
    public static TemplateSet CreateSet(TimeProvider? time = null) =>
        TemplateSet.Create(Functions(time), MissingKeyMode.Zero);

    /// <summary>
    /// Loads Alertmanager's default.tmpl (and email.tmpl beside it, when present) unchanged into a set with
    /// Alertmanager's functions; user template files can then be added with <see cref="TemplateSet.AddFile"/>.
    /// </summary>
    public static TemplateSet LoadDefault(string defaultTmplPath, TimeProvider? time = null)
    {
        var set = CreateSet(time);
        set.AddFile(Path.GetFileName(defaultTmplPath), File.ReadAllText(defaultTmplPath));
        var email = Path.Combine(Path.GetDirectoryName(defaultTmplPath) ?? ".", "email.tmpl");
        if (File.Exists(email))
        {
            set.AddFile("email.tmpl", File.ReadAllText(email));
        }
        return set;
    }
}

/// <summary>Go's <c>json.Marshal</c> for template values (toJson).</summary>
internal static class GoJsonMarshal
{
    public static string Marshal(object? v)
    {
        var sb = new StringBuilder();
        Write(sb, v);
        return sb.ToString();
    }

    private static void Write(StringBuilder sb, object? v)
    {
        switch (v)
        {
            case null:
                sb.Append("null");
                return;
            case string s:
                sb.Append(GoJson.Quote(s));
                return;
            case bool b:
                sb.Append(b ? "true" : "false");
                return;
            case DateTimeOffset t:
                sb.Append(GoJson.Quote(GoTime.Rfc3339Nano(t)));
                return;
            case ZonedTime z:
                sb.Append(GoJson.Quote(GoTime.Rfc3339Nano(z.Value)));
                return;
            case TimeSpan d:
                sb.Append((d.Ticks * 100).ToString(CultureInfo.InvariantCulture));
                return;
            case NotificationData data:
                var full = data.ToWebhookJson();
                // template.Data alone has no webhook envelope fields.
                var cut = full.IndexOf(",\"version\":", StringComparison.Ordinal);
                sb.Append(full[..cut]).Append('}');
                return;
            case TemplateAlert a:
                sb.Append("{\"status\":").Append(GoJson.Quote(a.Status)).Append(",\"labels\":");
                Write(sb, a.Labels);
                sb.Append(",\"annotations\":");
                Write(sb, a.Annotations);
                sb.Append(",\"startsAt\":").Append(GoJson.Quote(GoTime.Rfc3339Nano(a.StartsAt)));
                sb.Append(",\"endsAt\":").Append(GoJson.Quote(GoTime.Rfc3339Nano(a.EndsAt)));
                sb.Append(",\"generatorURL\":").Append(GoJson.Quote(a.GeneratorURL));
                sb.Append(",\"fingerprint\":").Append(GoJson.Quote(a.Fingerprint)).Append('}');
                return;
        }
        switch (GoValues.Kind(v))
        {
            case GoKind.Int:
                sb.Append(GoValues.ToInt64(v).ToString(CultureInfo.InvariantCulture));
                return;
            case GoKind.Uint:
                sb.Append(GoValues.ToUInt64(v).ToString(CultureInfo.InvariantCulture));
                return;
            case GoKind.Float:
                var f = GoValues.ToDouble(v);
                if (double.IsNaN(f) || double.IsInfinity(f))
                {
                    throw new InvalidOperationException($"json: unsupported value: {GoFmt.Value(f)}");
                }
                var abs = Math.Abs(f);
                var fmt = abs != 0 && (abs < 1e-6 || abs >= 1e21) ? 'e' : 'f';
                var str = GoFloat.Format(f, fmt, -1);
                if (fmt == 'e')
                {
                    // Go trims "e-07" to "e-7".
                    var n = str.Length;
                    if (n >= 4 && str[n - 4] == 'e' && str[n - 3] == '-' && str[n - 2] == '0')
                    {
                        str = str[..(n - 2)] + str[(n - 1)..];
                    }
                }
                sb.Append(str);
                return;
            case GoKind.Map:
                sb.Append('{');
                var first = true;
                foreach (var kv in GoValues.AsMap(v)!.Sorted)
                {
                    if (!first)
                    {
                        sb.Append(',');
                    }
                    first = false;
                    sb.Append(GoJson.Quote(Convert.ToString(kv.Key, CultureInfo.InvariantCulture) ?? "")).Append(':');
                    Write(sb, kv.Value);
                }
                sb.Append('}');
                return;
            case GoKind.Slice:
                sb.Append('[');
                var list = GoValues.AsList(v);
                for (var i = 0; i < list.Count; i++)
                {
                    if (i > 0)
                    {
                        sb.Append(',');
                    }
                    Write(sb, list[i]);
                }
                sb.Append(']');
                return;
            case GoKind.Func:
                throw new InvalidOperationException("json: unsupported type: func");
            default:
                sb.Append('{');
                var firstField = true;
                foreach (var (name, value) in GoValues.Fields(v))
                {
                    if (!firstField)
                    {
                        sb.Append(',');
                    }
                    firstField = false;
                    sb.Append(GoJson.Quote(name)).Append(':');
                    Write(sb, value);
                }
                sb.Append('}');
                return;
        }
    }
}
