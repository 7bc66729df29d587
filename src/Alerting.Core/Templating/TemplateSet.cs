namespace Alerting.Core.Templating;

/// <summary>
/// A template function. Arguments arrive as Go would pass them to an <c>interface{}</c> parameter:
/// numbers written in the template are <see cref="long"/> (Go int) or <see cref="double"/> (Go float64),
/// strings are <see cref="string"/>, missing values are <c>null</c>. Throw <see cref="TemplateArgumentException"/>
/// for Go's argument errors (reported verbatim); any other exception becomes "error calling NAME: message".
/// </summary>
public delegate object? TemplateFunction(params object?[] args);

/// <summary>Go's <c>missingkey</c> option: what <c>.key</c> yields for a key absent from a map.</summary>
public enum MissingKeyMode
{
    /// <summary>Go's default: the invalid value, printed as <c>&lt;no value&gt;</c>.</summary>
    Default,

    /// <summary>The zero value of the map's element type (<c>""</c> for string maps); Alertmanager and Prometheus use this.</summary>
    Zero,

    /// <summary>Execution stops with "map has no entry for key".</summary>
    Error,
}

/// <summary>A parse error, worded like Go's: <c>template: NAME:LINE: message</c>.</summary>
public sealed class TemplateParseException(string message) : Exception(message);

/// <summary>An execution error, worded like Go's: <c>template: NAME:LINE:COL: executing "NAME" at &lt;node&gt;: message</c>.</summary>
public sealed class TemplateExecutionException(string message) : Exception(message);

/// <summary>An argument a function cannot use; its message is reported as is (Go's "wrong type for value; ...").</summary>
public sealed class TemplateArgumentException(string message) : Exception(message);

/// <summary>
/// A set of Go text/templates sharing functions and named (<c>define</c>d) templates, like one Go
/// <c>*template.Template</c> with its associated templates. Build it once (AddFile), then execute from
/// any thread.
/// </summary>
public sealed class TemplateSet
{
    private readonly Dictionary<string, TemplateFunction> _functions;
    private Dictionary<string, TemplateTree> _trees = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    // Receivers' inline texts are the same for every notification; keep their parse.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Dictionary<string, TemplateTree>> _inlineCache = new(StringComparer.Ordinal);

    private TemplateSet(Dictionary<string, TemplateFunction> functions, MissingKeyMode missingKey)
    {
        _functions = functions;
        MissingKey = missingKey;
    }

    public MissingKeyMode MissingKey { get; }

    /// <summary>Names of every template in the set (files' top-level templates and <c>define</c>s).</summary>
    public IReadOnlyCollection<string> TemplateNames => _trees.Keys;

    public static TemplateSet Create(IReadOnlyDictionary<string, TemplateFunction>? extraFunctions = null, MissingKeyMode missingKey = MissingKeyMode.Default)
    {
        var funcs = new Dictionary<string, TemplateFunction>(Builtins.Functions, StringComparer.Ordinal);
        if (extraFunctions is not null)
        {
            foreach (var (name, fn) in extraFunctions)
            {
                funcs[name] = fn;
            }
        }
        return new TemplateSet(funcs, missingKey);
    }

    public bool HasTemplate(string name) => _trees.ContainsKey(name);

    /// <summary>A copy sharing the parsed templates, so files added to it do not affect this set (e.g. per-configuration sets built on the defaults).</summary>
    public TemplateSet Clone() => new(_functions, MissingKey) { _trees = _trees };

    private static Func<string, TemplateTree?> Lookup(Dictionary<string, TemplateTree> trees) =>
        name => trees.TryGetValue(name, out var t) ? t : null;

    internal bool TryGetFunction(string name, out TemplateFunction function) => _functions.TryGetValue(name, out function!);

    /// <summary>Parses a template file: its top level becomes template <paramref name="fileName"/>, each <c>define</c> a named template.</summary>
    public void AddFile(string fileName, string text)
    {
        var parsed = Parser.Parse(fileName, text, _functions.ContainsKey);
        lock (_gate)
        {
            _trees = Merge(_trees, parsed);
        }
    }

    /// <summary>Adds trees parsed earlier (parsing does not depend on anything but function names).</summary>
    internal void AddParsed(Dictionary<string, TemplateTree> parsed)
    {
        lock (_gate)
        {
            _trees = Merge(_trees, parsed);
        }
    }

    /// <summary>Parses <paramref name="text"/> without adding it, to report syntax errors early (e.g. while loading configuration).</summary>
    public void Check(string text) => Parser.Parse("", text, _functions.ContainsKey);

    private static Dictionary<string, TemplateTree> Merge(Dictionary<string, TemplateTree> existing, Dictionary<string, TemplateTree> added)
    {
        var result = new Dictionary<string, TemplateTree>(existing, StringComparer.Ordinal);
        foreach (var (name, tree) in added)
        {
            // Go's AddParseTree: an empty redefinition does not replace an existing template.
            if (result.TryGetValue(name, out var old) && tree.IsEmpty && !old.IsEmpty)
            {
                continue;
            }
            result[name] = tree;
        }
        return result;
    }

    public string Execute(string templateName, object? data) => Execute(templateName, data, html: false);

    /// <summary>
    /// Executes with html/template-style contextual escaping of printed values (Alertmanager renders email
    /// HTML this way). See <see cref="HtmlEscaping"/> for how closely it follows Go.
    /// </summary>
    public string ExecuteHtml(string templateName, object? data) => Execute(templateName, data, html: true);

    private string Execute(string templateName, object? data, bool html)
    {
        var trees = _trees;
        if (!trees.TryGetValue(templateName, out var tree))
        {
            throw new TemplateExecutionException($"template: no template {GoQuote.Quote(templateName)} associated with template {GoQuote.Quote("")}");
        }
        return new Executor(this, Lookup(trees), html).Run(tree, data);
    }

    /// <summary>
    /// Alertmanager's <c>ExecuteTextString</c>: parses <paramref name="inlineText"/> as an anonymous template that
    /// may call this set's templates, and executes it. An empty text yields an empty string.
    /// </summary>
    public string ExecuteText(string inlineText, object? data) => ExecuteInline(inlineText, data, html: false);

    /// <summary>Alertmanager's <c>ExecuteHTMLString</c>: like <see cref="ExecuteText"/> with HTML escaping.</summary>
    public string ExecuteHtmlText(string inlineText, object? data) => ExecuteInline(inlineText, data, html: true);

    private string ExecuteInline(string inlineText, object? data, bool html)
    {
        if (inlineText.Length == 0)
        {
            return "";
        }
        if (!_inlineCache.TryGetValue(inlineText, out var parsed))
        {
            parsed = Parser.Parse("", inlineText, _functions.ContainsKey);
            if (_inlineCache.Count > 10_000)
            {
                _inlineCache.Clear();
            }
            _inlineCache[inlineText] = parsed;
        }
        var trees = _trees;
        TemplateTree? Find(string name)
        {
            // The inline text's own definitions win, except empty ones over non-empty (Go's AddParseTree rule).
            var hasOwn = parsed.TryGetValue(name, out var own);
            var hasSet = trees.TryGetValue(name, out var existing);
            return hasOwn && (!hasSet || !own!.IsEmpty || existing!.IsEmpty) ? own : existing;
        }
        return new Executor(this, Find, html).Run(Find("")!, data);
    }
}
