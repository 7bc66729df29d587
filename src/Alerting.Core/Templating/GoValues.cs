using System.Collections;
using System.Collections.Concurrent;
using System.Reflection;
using Alerting.Core.Model;

namespace Alerting.Core.Templating;

/// <summary>The Go type name shown in template errors and <c>%T</c>-like messages for a data type.</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, Inherited = false)]
public sealed class GoTypeNameAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}

/// <summary>Hides a public member from templates (Go's template data type has no such field).</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Method, Inherited = false)]
public sealed class TemplateIgnoreAttribute : Attribute;

/// <summary>A value with Go's <c>String() string</c> method: fmt prints it through this.</summary>
public interface IGoStringer
{
    string GoString();
}

internal enum GoKind
{
    Invalid,
    Bool,
    Int,
    Uint,
    Float,
    String,
    Map,
    Slice,
    Struct,
    Func,
}

/// <summary>A read-only view of a Go map: string keys, sorted iteration (built on demand), zero value of the element type.</summary>
internal sealed class MapView(int count, Func<IReadOnlyList<KeyValuePair<object, object?>>> sorted, Func<object, (bool Found, object? Value)> lookup, object? zero)
{
    private IReadOnlyList<KeyValuePair<object, object?>>? _sorted;

    public int Count => count;
    public IReadOnlyList<KeyValuePair<object, object?>> Sorted => _sorted ??= sorted();
    public object? Zero => zero;
    public (bool Found, object? Value) Lookup(object key) => lookup(key);
}

/// <summary>How C# values behave as Go values in templates: kinds, truth, maps, slices, fields and methods.</summary>
internal static class GoValues
{
    private static readonly ConcurrentDictionary<(Type, string), MemberInfo?> MemberCache = new();

    public static GoKind Kind(object? v) => v switch
    {
        null => GoKind.Invalid,
        bool => GoKind.Bool,
        sbyte or short or int or long or char or TimeSpan => GoKind.Int,
        byte or ushort or uint or ulong => GoKind.Uint,
        float or double or decimal => GoKind.Float,
        string => GoKind.String,
        Labels => GoKind.Map,
        IDictionary => GoKind.Map,
        _ when IsReadOnlyStringMap(v) => GoKind.Map,
        Delegate or TemplateFunction => GoKind.Func,
        IEnumerable => GoKind.Slice,
        _ => GoKind.Struct,
    };

    private static bool IsReadOnlyStringMap(object v) =>
        v is IReadOnlyDictionary<string, string> || v is IReadOnlyDictionary<string, object?>;

    public static long ToInt64(object v) => v switch
    {
        sbyte x => x,
        short x => x,
        int x => x,
        long x => x,
        char x => x,
        TimeSpan d => d.Ticks * 100,
        _ => throw new InvalidCastException(),
    };

    public static ulong ToUInt64(object v) => v switch
    {
        byte x => x,
        ushort x => x,
        uint x => x,
        ulong x => x,
        _ => throw new InvalidCastException(),
    };

    public static double ToDouble(object v) => v switch
    {
        float x => x,
        double x => x,
        decimal x => (double)x,
        _ => throw new InvalidCastException(),
    };

    public static string TypeName(object? v)
    {
        switch (v)
        {
            case null:
                return "<nil>";
            case string:
                return "string";
            case bool:
                return "bool";
            case int or long or short or sbyte:
                return "int";
            case char:
                return "int32";
            case byte:
                return "uint8";
            case ushort or uint:
                return "uint";
            case ulong:
                return "uint64";
            case float:
                return "float32";
            case double or decimal:
                return "float64";
            case DateTimeOffset or DateTime:
                return "time.Time";
            case TimeSpan:
                return "time.Duration";
            case Labels:
                return "map[string]string";
        }
        var t = v.GetType();
        if (t.GetCustomAttribute<GoTypeNameAttribute>() is { } attr)
        {
            return attr.Name;
        }
        if (v is IReadOnlyDictionary<string, string>)
        {
            return "map[string]string";
        }
        if (v is IReadOnlyDictionary<string, object?> || v is IDictionary)
        {
            return "map[string]interface {}";
        }
        if (v is IEnumerable<string>)
        {
            return "[]string";
        }
        if (v is IEnumerable)
        {
            return "[]interface {}";
        }
        if (v is Delegate or TemplateFunction)
        {
            return "func";
        }
        return t.Name;
    }

    /// <summary>Go's <c>isTrue</c>: empty strings, collections and zero numbers are false; nil is false.</summary>
    public static bool IsTrue(object? v)
    {
        switch (Kind(v))
        {
            case GoKind.Invalid:
                return false;
            case GoKind.Bool:
                return (bool)v!;
            case GoKind.Int:
                return ToInt64(v!) != 0;
            case GoKind.Uint:
                return ToUInt64(v!) != 0;
            case GoKind.Float:
                return ToDouble(v!) != 0;
            case GoKind.String:
                return ((string)v!).Length > 0;
            case GoKind.Map:
                return AsMap(v!)!.Count > 0;
            case GoKind.Slice:
                return AsList(v!).Count > 0;
            default:
                return true;
        }
    }

    public static MapView? AsMap(object v)
    {
        switch (v)
        {
            case Labels labels:
                return new MapView(
                    labels.Count,
                    () => labels.Select(l => new KeyValuePair<object, object?>(l.Name, l.Value)).ToList(),
                    k => k is string s && labels.Get(s) is { } val ? (true, val) : (false, null),
                    "");
            case IReadOnlyDictionary<string, string> sm:
                return new MapView(
                    sm.Count,
                    () => sm.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => new KeyValuePair<object, object?>(kv.Key, kv.Value)).ToList(),
                    k => k is string s && sm.TryGetValue(s, out var val) ? (true, val) : (false, null),
                    "");
            case IReadOnlyDictionary<string, object?> om:
                return new MapView(
                    om.Count,
                    () => om.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => new KeyValuePair<object, object?>(kv.Key, kv.Value)).ToList(),
                    k => k is string s && om.TryGetValue(s, out var val) ? (true, val) : (false, null),
                    null);
            case IDictionary d:
                return new MapView(
                    d.Count,
                    () =>
                    {
                        var entries = new List<KeyValuePair<object, object?>>();
                        foreach (DictionaryEntry e in d)
                        {
                            entries.Add(new KeyValuePair<object, object?>(e.Key, e.Value));
                        }
                        entries.Sort((a, b) => CompareKeys(a.Key, b.Key));
                        return entries;
                    },
                    k => d.Contains(k) ? (true, d[k]) : (false, null),
                    ZeroOfElement(d.GetType()));
            default:
                return null;
        }
    }

    private static int CompareKeys(object a, object b)
    {
        if (a is string sa && b is string sb)
        {
            return string.CompareOrdinal(sa, sb);
        }
        if (Kind(a) == GoKind.Int && Kind(b) == GoKind.Int)
        {
            return ToInt64(a).CompareTo(ToInt64(b));
        }
        return string.CompareOrdinal(a.ToString(), b.ToString());
    }

    private static object? ZeroOfElement(Type dictType)
    {
        var iface = dictType.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IDictionary<,>));
        var elem = iface?.GetGenericArguments()[1];
        return ZeroOf(elem);
    }

    public static object? ZeroOf(Type? t)
    {
        if (t is null || t == typeof(object))
        {
            return null;
        }
        if (t == typeof(string))
        {
            return "";
        }
        return t.IsValueType ? Activator.CreateInstance(t) : null;
    }

    public static IReadOnlyList<object?> AsList(object v)
    {
        if (v is IReadOnlyList<object?> list)
        {
            return list;
        }
        var result = new List<object?>();
        foreach (var item in (IEnumerable)v)
        {
            result.Add(item);
        }
        return result;
    }

    public static object? ElementZero(object list)
    {
        var iface = list.GetType().GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>));
        return ZeroOf(iface?.GetGenericArguments()[0]);
    }

    /// <summary>
    /// A template-visible method or property named <paramref name="name"/>. BCL collection types expose no
    /// members (Go maps and slices have none), so <c>.Count</c> on a map is a key lookup, not a property.
    /// </summary>
    public static MemberInfo? FindMember(object receiver, string name)
    {
        var type = receiver.GetType();
        return MemberCache.GetOrAdd((type, name), static key =>
        {
            var (t, n) = key;
            if (IsSystemType(t))
            {
                return null;
            }
            var methods = t.GetMethods(BindingFlags.Public | BindingFlags.Instance)
                .Where(m => m.Name == n && !m.IsSpecialName && m.DeclaringType != typeof(object) && !m.IsGenericMethodDefinition
                    && m.GetCustomAttribute<TemplateIgnoreAttribute>() is null)
                .ToArray();
            if (methods.Length > 0)
            {
                return methods[0];
            }
            var prop = t.GetProperty(n, BindingFlags.Public | BindingFlags.Instance);
            if (prop is not null && prop.GetIndexParameters().Length == 0 && prop.GetCustomAttribute<TemplateIgnoreAttribute>() is null)
            {
                return prop;
            }
            return null;
        });
    }

    public static bool IsSystemType(Type t) =>
        t.Namespace is { } ns && (ns == "System" || ns.StartsWith("System.", StringComparison.Ordinal));

    /// <summary>Public properties in declaration order, for printing a struct as <c>{a b}</c>.</summary>
    public static IEnumerable<(string Name, object? Value)> Fields(object v)
    {
        foreach (var p in v.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (p.GetIndexParameters().Length > 0 || p.GetCustomAttribute<TemplateIgnoreAttribute>() is not null)
            {
                continue;
            }
            yield return (p.Name, p.GetValue(v));
        }
    }
}
