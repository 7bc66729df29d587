namespace Alerting.Core.Templating;

/// <summary>
/// A Go parameter type, so a function's arguments are checked and reported exactly as Go's reflection-based
/// calls do ("expected string; found 3", "wrong type for value; expected float64; got string").
/// </summary>
public sealed class GoParamType
{
    private readonly Func<object, object?>? _convert;

    private GoParamType(string name, LiteralKind literal, bool nilable, Func<object, object?>? convert)
    {
        Name = name;
        Literal = literal;
        Nilable = nilable;
        _convert = convert;
    }

    internal enum LiteralKind
    {
        Any,
        String,
        Int,
        Float,
        Bool,
        None,
    }

    /// <summary>Go's name for the type, used in error messages.</summary>
    public string Name { get; }

    internal LiteralKind Literal { get; }

    internal bool Nilable { get; }

    /// <summary>The value converted to this type, or <c>null</c> when it is not assignable.</summary>
    internal bool TryConvert(object value, out object? converted)
    {
        if (_convert is null)
        {
            converted = value;
            return true;
        }
        converted = _convert(value);
        return converted is not null;
    }

    /// <summary><c>interface {}</c>: anything, including nil.</summary>
    public static readonly GoParamType Any = new("interface {}", LiteralKind.Any, nilable: true, null);

    /// <summary>Go's reflect.Value parameters of the builtins: like <c>interface {}</c>.</summary>
    internal static readonly GoParamType Value = new("reflect.Value", LiteralKind.Any, nilable: true, null);

    public static readonly GoParamType String = new("string", LiteralKind.String, nilable: false, v => v as string);

    public static readonly GoParamType Float64 = new("float64", LiteralKind.Float, nilable: false, v => v is double d ? d : v is float f ? (double)f : null);

    public static readonly GoParamType Int = new("int", LiteralKind.Int, nilable: false, v => v is long or int ? Convert.ToInt64(v, System.Globalization.CultureInfo.InvariantCulture) : null);

    public static readonly GoParamType Bool = new("bool", LiteralKind.Bool, nilable: false, v => v is bool b ? b : null);

    public static readonly GoParamType StringSlice = new("[]string", LiteralKind.None, nilable: true, v => v is not string && v is IEnumerable<string> s ? s.ToList() : null);

    public static readonly GoParamType AnySlice = new("[]interface {}", LiteralKind.None, nilable: true, v => v is System.Collections.IEnumerable and not string and not System.Collections.IDictionary && GoValues.Kind(v) == GoKind.Slice ? v : null);

    public static readonly GoParamType Time = new("time.Time", LiteralKind.None, nilable: false, v => v is DateTimeOffset or ZonedTime ? v : null);

    /// <summary>A parameter of a named Go type accepting values of <typeparamref name="T"/>.</summary>
    public static GoParamType Of<T>(string goName, bool nilable = true) => new(goName, LiteralKind.None, nilable, v => v is T ? v : null);
}

/// <summary>The parameter list of a template function; the last parameter repeats when <see cref="Variadic"/>.</summary>
public sealed class GoSignature(IReadOnlyList<GoParamType> parameters, bool variadic)
{
    public IReadOnlyList<GoParamType> Parameters { get; } = parameters;
    public bool Variadic { get; } = variadic;
}

/// <summary>Builds template functions whose arguments are checked like a Go function with the given parameter types.</summary>
public static class GoFunction
{
    private sealed class Typed(GoSignature signature, TemplateFunction body)
    {
        public GoSignature Signature { get; } = signature;

        public object? Invoke(params object?[] args) => body(args);
    }

    /// <summary>A function with fixed Go parameter types.</summary>
    public static TemplateFunction Of(TemplateFunction body, params GoParamType[] parameters) =>
        new Typed(new GoSignature(parameters, variadic: false), body).Invoke;

    /// <summary>A function whose last parameter type repeats (Go's <c>...T</c>).</summary>
    public static TemplateFunction Variadic(TemplateFunction body, params GoParamType[] parameters) =>
        new Typed(new GoSignature(parameters, variadic: true), body).Invoke;

    /// <summary>Gives each named function its Go signature ("..." before the last type marks it variadic).</summary>
    internal static Dictionary<string, TemplateFunction> Sign(Dictionary<string, TemplateFunction> functions, IReadOnlyDictionary<string, GoParamType[]> signatures, ISet<string>? variadic = null)
    {
        foreach (var (name, parameters) in signatures)
        {
            functions[name] = variadic?.Contains(name) == true ? Variadic(functions[name], parameters) : Of(functions[name], parameters);
        }
        return functions;
    }

    /// <summary>The signature of <paramref name="function"/>; plain delegates behave as <c>func(...interface {})</c>.</summary>
    public static GoSignature SignatureOf(TemplateFunction function) =>
        function.Target is Typed t ? t.Signature : new GoSignature([GoParamType.Any], variadic: true);
}
