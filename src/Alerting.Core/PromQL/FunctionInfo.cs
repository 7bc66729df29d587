using System.Collections.Frozen;

namespace Alerting.Core.PromQL;

/// <summary>The signature of a PromQL function: argument types, arity and result type.</summary>
public sealed record FunctionInfo(string Name, PromQlValueType[] ArgTypes, int MinArgs, int MaxArgs, PromQlValueType ReturnType, bool Experimental = false)
{
    /// <summary>The expected type of argument <paramref name="i"/>; the last type repeats for variadic tails.</summary>
    public PromQlValueType ArgType(int i) => ArgTypes[Math.Min(i, ArgTypes.Length - 1)];

    private static readonly PromQlValueType V = PromQlValueType.Vector;
    private static readonly PromQlValueType M = PromQlValueType.Matrix;
    private static readonly PromQlValueType S = PromQlValueType.Scalar;
    private static readonly PromQlValueType Str = PromQlValueType.String;

    public static FrozenDictionary<string, FunctionInfo> All { get; } = Build();

    private static FrozenDictionary<string, FunctionInfo> Build()
    {
        var list = new List<FunctionInfo>();
        void Add(string name, PromQlValueType[] args, PromQlValueType ret, int? min = null, int? max = null, bool experimental = false) =>
            list.Add(new FunctionInfo(name, args, min ?? args.Length, max ?? args.Length, ret, experimental));

        foreach (var name in new[]
                 {
                     "abs", "ceil", "exp", "floor", "ln", "log2", "log10", "sqrt", "sgn", "deg", "rad",
                     "acos", "acosh", "asin", "asinh", "atan", "atanh", "cos", "cosh", "sin", "sinh", "tan", "tanh",
                     "absent", "sort", "sort_desc", "timestamp",
                     "histogram_count", "histogram_sum", "histogram_avg", "histogram_stddev", "histogram_stdvar",
                 })
        {
            Add(name, [V], V);
        }
        foreach (var name in new[]
                 {
                     "rate", "increase", "delta", "irate", "idelta", "deriv", "changes", "resets",
                     "avg_over_time", "min_over_time", "max_over_time", "sum_over_time", "count_over_time",
                     "stddev_over_time", "stdvar_over_time", "last_over_time", "present_over_time", "absent_over_time",
                 })
        {
            Add(name, [M], V);
        }
        foreach (var name in new[] { "first_over_time", "mad_over_time", "ts_of_min_over_time", "ts_of_max_over_time", "ts_of_last_over_time", "ts_of_first_over_time" })
        {
            Add(name, [M], V, experimental: true);
        }
        foreach (var name in new[] { "day_of_month", "day_of_week", "day_of_year", "days_in_month", "hour", "minute", "month", "year" })
        {
            Add(name, [V], V, min: 0, max: 1);
        }
        Add("clamp", [V, S, S], V);
        Add("clamp_max", [V, S], V);
        Add("clamp_min", [V, S], V);
        Add("round", [V, S], V, min: 1, max: 2);
        Add("predict_linear", [M, S], V);
        Add("quantile_over_time", [S, M], V);
        Add("double_exponential_smoothing", [M, S, S], V, experimental: true);
        Add("holt_winters", [M, S, S], V);
        Add("histogram_quantile", [S, V], V);
        Add("histogram_fraction", [S, S, V], V);
        Add("histogram_quantiles", [V, Str, S], V, min: 3, max: int.MaxValue, experimental: true);
        Add("label_replace", [V, Str, Str, Str, Str], V);
        Add("label_join", [V, Str, Str, Str], V, min: 3, max: int.MaxValue);
        Add("sort_by_label", [V, Str], V, min: 1, max: int.MaxValue, experimental: true);
        Add("sort_by_label_desc", [V, Str], V, min: 1, max: int.MaxValue, experimental: true);
        Add("scalar", [V], S);
        Add("vector", [S], V);
        Add("time", [], S);
        Add("pi", [], S);
        foreach (var name in new[] { "step", "range", "start", "end" })
        {
            Add(name, [], S, experimental: true);
        }
        Add("min_of", [S], S, min: 1, max: int.MaxValue, experimental: true);
        Add("max_of", [S], S, min: 1, max: int.MaxValue, experimental: true);
        return list.ToFrozenDictionary(f => f.Name, StringComparer.Ordinal);
    }
}
