namespace Alerting.Core.Query;

/// <summary>
/// The parameters of one API request as Go's <c>r.Form</c> holds them: the form-encoded body's values
/// first, then the URL's, so <see cref="Value"/> is Go's <c>r.FormValue</c> (body wins) and
/// <see cref="Values"/> is <c>r.Form["match[]"]</c> (both, body first).
/// </summary>
public sealed class ApiForm
{
    private readonly Dictionary<string, List<string>> _values = new(StringComparer.Ordinal);

    public static readonly ApiForm Empty = new([]);

    public ApiForm(IEnumerable<KeyValuePair<string, string>> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        foreach (var (name, value) in values)
        {
            if (!_values.TryGetValue(name, out var list))
            {
                list = [];
                _values[name] = list;
            }
            list.Add(value);
        }
    }

    /// <summary>The first value of <paramref name="name"/>, or empty when absent (Go's FormValue).</summary>
    public string Value(string name) => _values.TryGetValue(name, out var list) && list.Count > 0 ? list[0] : string.Empty;

    public IReadOnlyList<string> Values(string name) => _values.TryGetValue(name, out var list) ? list : [];
}
