using System.Text;

namespace Alerting.Core.Templating;

/// <summary>Go text/template's predefined functions.</summary>
internal static class Builtins
{
    public static readonly IReadOnlyDictionary<string, TemplateFunction> Functions = new Dictionary<string, TemplateFunction>(StringComparer.Ordinal)
    {
        // and/or short-circuit in the executor; these bodies only run when called through "call".
        ["and"] = GoFunction.Variadic(args => args.FirstOrDefault(a => !GoValues.IsTrue(a), args.LastOrDefault()), GoParamType.Value, GoParamType.Value),
        ["or"] = GoFunction.Variadic(args => args.FirstOrDefault(GoValues.IsTrue, args.LastOrDefault()), GoParamType.Value, GoParamType.Value),
        ["not"] = GoFunction.Of(args => !GoValues.IsTrue(Args.One("not", args)), GoParamType.Value),
        ["len"] = GoFunction.Of(args => Length(Args.One("len", args)), GoParamType.Value),
        ["index"] = GoFunction.Variadic(args => Index(Args.AtLeast("index", args, 1)), GoParamType.Value, GoParamType.Value),
        ["slice"] = GoFunction.Variadic(args => Slice(Args.AtLeast("slice", args, 1)), GoParamType.Value, GoParamType.Value),
        ["print"] = GoFunction.Variadic(args => GoFmt.Sprint(args), GoParamType.Any),
        ["println"] = GoFunction.Variadic(args => GoFmt.Sprintln(args), GoParamType.Any),
        ["printf"] = GoFunction.Variadic(args => GoFmt.Sprintf(Args.String(Args.AtLeast("printf", args, 1)[0]), args[1..]), GoParamType.String, GoParamType.Any),
        ["html"] = GoFunction.Variadic(args => HtmlEscape(EvalArgs(args)), GoParamType.Any),
        ["js"] = GoFunction.Variadic(args => JsEscape(EvalArgs(args)), GoParamType.Any),
        ["urlquery"] = GoFunction.Variadic(args => QueryEscape(EvalArgs(args)), GoParamType.Any),
        ["eq"] = GoFunction.Variadic(args => Eq(Args.AtLeast("eq", args, 1)), GoParamType.Value, GoParamType.Value),
        ["ne"] = GoFunction.Of(args => !Eq(Args.Exactly("ne", args, 2)), GoParamType.Value, GoParamType.Value),
        ["lt"] = GoFunction.Of(args => Lt(Args.Exactly("lt", args, 2)[0], args[1]), GoParamType.Value, GoParamType.Value),
        ["le"] = GoFunction.Of(args => Lt(Args.Exactly("le", args, 2)[0], args[1]) || Eq(args), GoParamType.Value, GoParamType.Value),
        ["gt"] = GoFunction.Of(args => !(Lt(Args.Exactly("gt", args, 2)[0], args[1]) || Eq(args)), GoParamType.Value, GoParamType.Value),
        ["ge"] = GoFunction.Of(args => !Lt(Args.Exactly("ge", args, 2)[0], args[1]), GoParamType.Value, GoParamType.Value),
        ["call"] = GoFunction.Variadic(args => Call(Args.AtLeast("call", args, 1)), GoParamType.Value, GoParamType.Value),
    };

    /// <summary>Go's <c>evalArgs</c> for html/js/urlquery: one string as is, otherwise Sprint with nil shown as "&lt;no value&gt;".</summary>
    private static string EvalArgs(object?[] args)
    {
        if (args.Length == 1 && args[0] is string s)
        {
            return s;
        }
        return GoFmt.Sprint(args.Select(a => a ?? (object)"<no value>").ToArray());
    }

    private static long Length(object? item) => GoValues.Kind(item) switch
    {
        GoKind.String => Encoding.UTF8.GetByteCount((string)item!),
        GoKind.Map => GoValues.AsMap(item!)!.Count,
        GoKind.Slice => GoValues.AsList(item!).Count,
        GoKind.Invalid => throw new InvalidOperationException("len of nil pointer"),
        _ => throw new InvalidOperationException($"len of type {GoValues.TypeName(item)}"),
    };

    private static long IndexArg(object? index, int cap, bool inclusive)
    {
        long x;
        switch (GoValues.Kind(index))
        {
            case GoKind.Int:
                x = GoValues.ToInt64(index!);
                break;
            case GoKind.Uint:
                x = (long)GoValues.ToUInt64(index!);
                break;
            case GoKind.Invalid:
                throw new InvalidOperationException("cannot index slice/array with nil");
            default:
                throw new InvalidOperationException($"cannot index slice/array with type {GoValues.TypeName(index)}");
        }
        if (x < 0 || (inclusive ? x > cap : x >= cap))
        {
            throw new InvalidOperationException($"index out of range: {x}");
        }
        return x;
    }

    private static object? Index(object?[] args)
    {
        var item = args[0];
        if (item is null)
        {
            throw new InvalidOperationException("index of untyped nil");
        }
        foreach (var index in args.Skip(1))
        {
            switch (GoValues.Kind(item))
            {
                case GoKind.String:
                    var bytes = Encoding.UTF8.GetBytes((string)item!);
                    item = bytes[IndexArg(index, bytes.Length, false)];
                    break;
                case GoKind.Slice:
                    var list = GoValues.AsList(item!);
                    item = list[(int)IndexArg(index, list.Count, false)];
                    break;
                case GoKind.Map:
                    var map = GoValues.AsMap(item!)!;
                    if (index is not string && (index is null || (map.Count > 0 && map.Sorted[0].Key.GetType() != index.GetType())))
                    {
                        throw new InvalidOperationException($"value has type {GoValues.TypeName(index)}; should be string");
                    }
                    var (found, value) = map.Lookup(index);
                    item = found ? value : map.Zero;
                    break;
                case GoKind.Invalid:
                    throw new InvalidOperationException("index of nil pointer");
                default:
                    throw new InvalidOperationException($"can't index item of type {GoValues.TypeName(item)}");
            }
        }
        return item;
    }

    private static object? Slice(object?[] args)
    {
        var item = args[0];
        if (item is null)
        {
            throw new InvalidOperationException("slice of untyped nil");
        }
        var indexes = args[1..];
        if (indexes.Length > 3)
        {
            throw new InvalidOperationException($"too many slice indexes: {indexes.Length}");
        }
        int len;
        switch (GoValues.Kind(item))
        {
            case GoKind.String:
                if (indexes.Length == 3)
                {
                    throw new InvalidOperationException("cannot 3-index slice a string");
                }
                len = Encoding.UTF8.GetByteCount((string)item);
                break;
            case GoKind.Slice:
                len = GoValues.AsList(item).Count;
                break;
            default:
                throw new InvalidOperationException($"can't slice item of type {GoValues.TypeName(item)}");
        }
        var idx = new long[] { 0, len, len };
        for (var i = 0; i < indexes.Length; i++)
        {
            idx[i] = IndexArg(indexes[i], len, true);
        }
        if (idx[0] > idx[1])
        {
            throw new InvalidOperationException($"invalid slice index: {idx[0]} > {idx[1]}");
        }
        if (indexes.Length == 3 && idx[1] > idx[2])
        {
            throw new InvalidOperationException($"invalid slice index: {idx[1]} > {idx[2]}");
        }
        if (item is string s)
        {
            var bytes = Encoding.UTF8.GetBytes(s);
            return Encoding.UTF8.GetString(bytes, (int)idx[0], (int)(idx[1] - idx[0]));
        }
        return GoValues.AsList(item).Skip((int)idx[0]).Take((int)(idx[1] - idx[0])).ToList();
    }

    private enum BasicKind
    {
        Invalid,
        Bool,
        Int,
        Uint,
        Float,
        String,
    }

    private static BasicKind Basic(object? v) => GoValues.Kind(v) switch
    {
        GoKind.Bool => BasicKind.Bool,
        GoKind.Int => BasicKind.Int,
        GoKind.Uint => BasicKind.Uint,
        GoKind.Float => BasicKind.Float,
        GoKind.String => BasicKind.String,
        _ => BasicKind.Invalid,
    };

    private static bool Eq(object?[] args)
    {
        if (args.Length < 2)
        {
            throw new InvalidOperationException("missing argument for comparison");
        }
        var a = args[0];
        var k1 = Basic(a);
        foreach (var b in args.Skip(1))
        {
            var k2 = Basic(b);
            bool truth;
            if (k1 != k2)
            {
                if (k1 == BasicKind.Int && k2 == BasicKind.Uint)
                {
                    truth = GoValues.ToInt64(a!) >= 0 && (ulong)GoValues.ToInt64(a!) == GoValues.ToUInt64(b!);
                }
                else if (k1 == BasicKind.Uint && k2 == BasicKind.Int)
                {
                    truth = GoValues.ToInt64(b!) >= 0 && GoValues.ToUInt64(a!) == (ulong)GoValues.ToInt64(b!);
                }
                else if (a is not null && b is not null)
                {
                    throw new InvalidOperationException("incompatible types for comparison");
                }
                else
                {
                    truth = false;
                }
            }
            else
            {
                truth = k1 switch
                {
                    BasicKind.Bool => (bool)a! == (bool)b!,
                    BasicKind.Float => GoValues.ToDouble(a!) == GoValues.ToDouble(b!),
                    BasicKind.Int => GoValues.ToInt64(a!) == GoValues.ToInt64(b!),
                    BasicKind.Uint => GoValues.ToUInt64(a!) == GoValues.ToUInt64(b!),
                    BasicKind.String => (string)a! == (string)b!,
                    _ => CompareOther(a, b),
                };
            }
            if (truth)
            {
                return true;
            }
        }
        return false;
    }

    private static bool CompareOther(object? a, object? b)
    {
        if (a is null || b is null)
        {
            return a is null && b is null;
        }
        if (GoValues.Kind(a) is GoKind.Map or GoKind.Slice or GoKind.Func || GoValues.Kind(b) is GoKind.Map or GoKind.Slice or GoKind.Func)
        {
            throw new InvalidOperationException($"non-comparable type {GoFmt.Value(a)}: {GoValues.TypeName(a)}");
        }
        return Equals(a, b);
    }

    private static bool Lt(object? a, object? b)
    {
        var k1 = Basic(a);
        var k2 = Basic(b);
        if (k1 == BasicKind.Invalid || k2 == BasicKind.Invalid)
        {
            throw new InvalidOperationException("invalid type for comparison");
        }
        if (k1 != k2)
        {
            if (k1 == BasicKind.Int && k2 == BasicKind.Uint)
            {
                return GoValues.ToInt64(a!) < 0 || (ulong)GoValues.ToInt64(a!) < GoValues.ToUInt64(b!);
            }
            if (k1 == BasicKind.Uint && k2 == BasicKind.Int)
            {
                return GoValues.ToInt64(b!) >= 0 && GoValues.ToUInt64(a!) < (ulong)GoValues.ToInt64(b!);
            }
            throw new InvalidOperationException("incompatible types for comparison");
        }
        return k1 switch
        {
            BasicKind.Float => GoValues.ToDouble(a!) < GoValues.ToDouble(b!),
            BasicKind.Int => GoValues.ToInt64(a!) < GoValues.ToInt64(b!),
            BasicKind.Uint => GoValues.ToUInt64(a!) < GoValues.ToUInt64(b!),
            BasicKind.String => string.CompareOrdinal((string)a!, (string)b!) < 0,
            _ => throw new InvalidOperationException("invalid type for comparison"),
        };
    }

    private static object? Call(object?[] args)
    {
        var fn = args[0];
        var rest = args[1..];
        return fn switch
        {
            null => throw new InvalidOperationException("call of nil"),
            TemplateFunction tf => tf(rest),
            Delegate d => d.DynamicInvoke(rest),
            _ => throw new InvalidOperationException($"non-function of type {GoValues.TypeName(fn)}"),
        };
    }

    public static string HtmlEscape(string s)
    {
        if (s.IndexOfAny(['<', '>', '&', '\'', '"', '\0']) < 0)
        {
            return s;
        }
        var sb = new StringBuilder(s.Length + 16);
        foreach (var c in s)
        {
            sb.Append(c switch
            {
                '<' => "&lt;",
                '>' => "&gt;",
                '&' => "&amp;",
                '\'' => "&#39;",
                '"' => "&#34;",
                '\0' => "\uFFFD",
                _ => c.ToString(),
            });
        }
        return sb.ToString();
    }

    public static string JsEscape(string s)
    {
        var sb = new StringBuilder(s.Length + 16);
        foreach (var r in s.EnumerateRunes())
        {
            var v = r.Value;
            switch (v)
            {
                case '\\': sb.Append(@"\\"); continue;
                case '\'': sb.Append(@"\'"); continue;
                case '"': sb.Append("\\\""); continue;
                case '<': sb.Append(@"\u003C"); continue;
                case '>': sb.Append(@"\u003E"); continue;
                case '&': sb.Append(@"\u0026"); continue;
                case '=': sb.Append(@"\u003D"); continue;
            }
            if (v < ' ')
            {
                sb.Append(@"\u00").Append(v.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
            else if (v >= 0x80 && !GoQuote.IsPrint(r))
            {
                sb.Append(@"\u").Append(v.ToString("X4", System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                sb.Append(r.ToString());
            }
        }
        return sb.ToString();
    }

    /// <summary>Go's <c>url.QueryEscape</c>.</summary>
    public static string QueryEscape(string s) => Escape(s, spaceAsPlus: true);

    /// <summary>Go's <c>url.PathEscape</c>-like escaping used for path segments.</summary>
    internal static string Escape(string s, bool spaceAsPlus)
    {
        var sb = new StringBuilder(s.Length + 16);
        foreach (var b in Encoding.UTF8.GetBytes(s))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '~')
            {
                sb.Append(c);
            }
            else if (c == ' ' && spaceAsPlus)
            {
                sb.Append('+');
            }
            else
            {
                sb.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }
        return sb.ToString();
    }
}

/// <summary>Argument checks that fail with Go's wording.</summary>
public static class Args
{
    internal static object? One(string name, object?[] args) => Exactly(name, args, 1)[0];

    public static object?[] Exactly(string name, object?[] args, int want)
    {
        if (args.Length != want)
        {
            throw new TemplateArgumentException($"wrong number of args for {name}: want {want} got {args.Length}");
        }
        return args;
    }

    public static object?[] AtLeast(string name, object?[] args, int want)
    {
        if (args.Length < want)
        {
            throw new TemplateArgumentException($"wrong number of args for {name}: want at least {want} got {args.Length}");
        }
        return args;
    }

    public static string String(object? v) => v switch
    {
        string s => s,
        null => throw new TemplateArgumentException("invalid value; expected string"),
        _ => throw new TemplateArgumentException($"wrong type for value; expected string; got {GoValues.TypeName(v)}"),
    };

    public static IReadOnlyList<string> StringSlice(object? v)
    {
        if (v is IEnumerable<string> strings)
        {
            return strings.ToList();
        }
        if (v is System.Collections.IEnumerable e and not string)
        {
            var list = new List<string>();
            foreach (var item in e)
            {
                if (item is not string s)
                {
                    throw new TemplateArgumentException($"wrong type for value; expected []string; got {GoValues.TypeName(v)}");
                }
                list.Add(s);
            }
            return list;
        }
        if (v is null)
        {
            return [];
        }
        throw new TemplateArgumentException($"wrong type for value; expected []string; got {GoValues.TypeName(v)}");
    }

    /// <summary>Prometheus' <c>convertToFloat</c>: numbers, numeric strings and durations (as seconds).</summary>
    public static double Float(object? v)
    {
        if (v is TimeSpan duration)
        {
            return duration.TotalSeconds;
        }
        switch (GoValues.Kind(v))
        {
            case GoKind.Int:
                return GoValues.ToInt64(v!);
            case GoKind.Uint:
                return GoValues.ToUInt64(v!);
            case GoKind.Float:
                return GoValues.ToDouble(v!);
        }
        if (v is string s)
        {
            if (GoParse.TryParseFloat(s, out var f))
            {
                return f;
            }
            throw new InvalidOperationException($"strconv.ParseFloat: parsing {GoQuote.Quote(s)}: invalid syntax");
        }
        throw new InvalidOperationException($"can't convert {GoValues.TypeName(v)} to float");
    }
}
