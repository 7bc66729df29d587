using Alerting.Core.Config;
using Alerting.Core.Model;

namespace Alerting.Core.Tests.Config;

/// <summary>The shared strict reader behaves as go-yaml: repeated keys, unknown fields, positions, first document only.</summary>
public sealed class YamlReaderTests
{
    private static ConfigException Decode(string yaml, YamlDialect dialect, params string[] fields)
    {
        var (ctx, root) = YamlContext.Load(yaml, "f.yml", dialect);
        return Assert.Throws<ConfigException>(() =>
        {
            var m = YamlMap.Open(ctx, root, string.Empty)!;
            foreach (var f in fields)
            {
                m.String(f);
            }
            m.Done();
            ctx.ThrowIfTypeErrors();
        });
    }

    [Fact]
    public void A_repeated_field_keeps_the_first_value_and_is_reported_at_its_line()
    {
        var (ctx, root) = YamlContext.Load("a: 1\nb: 2\na: 3\n", "f.yml", YamlDialect.GoYamlV2);
        var m = YamlMap.Open(ctx, root, string.Empty)!;
        Assert.Equal("1", m.String("a"));
        m.String("b");
        m.Done();
        var e = Assert.Throws<ConfigException>(ctx.ThrowIfTypeErrors);
        Assert.Equal("yaml: unmarshal errors:\n  line 3: field a already set in type config.plain", e.Detail);
        Assert.Equal((3, 1, "a"), (e.Line, e.Column, e.Key));
    }

    [Fact]
    public void Yaml_v3_names_the_first_occurrence_of_a_repeated_key()
    {
        var e = Decode("a: 1\na: 2\n", YamlDialect.GoYamlV3, "a");
        Assert.Equal("yaml: unmarshal errors:\n  line 2: mapping key \"a\" already defined at line 1", e.Detail);
    }

    [Fact]
    public void Unknown_fields_are_collected_across_the_document_in_line_order()
    {
        var e = Decode("x: 1\na: 2\ny: 3\n", YamlDialect.GoYamlV2, "a");
        Assert.Equal("yaml: unmarshal errors:\n  line 1: field x not found in type config.plain\n  line 3: field y not found in type config.plain", e.Detail);
        Assert.StartsWith("f.yml:1:1: x: ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Our_own_formats_name_the_first_unknown_key_in_plain_words()
    {
        var (ctx, root) = YamlContext.Load("a: 1\nnotfy: 2\n", "f.yml", YamlDialect.Own);
        var e = Assert.Throws<ConfigException>(() => YamlMap.Open(ctx, root, string.Empty)!.Known("a", "notify"));
        Assert.Equal("unknown key 'notfy' (expected one of: a, notify)", e.Detail);
        Assert.Equal((2, "notfy"), (e.Line, e.Key));
    }

    [Fact]
    public void Type_errors_quote_the_value_as_go_yaml_does()
    {
        var (ctx, root) = YamlContext.Load("b: \"true\"\nl: abcdefghijklmnop\n", "f.yml", YamlDialect.GoYamlV2);
        var m = YamlMap.Open(ctx, root, string.Empty)!;
        Assert.Null(m.Bool("b"));
        Assert.Null(m.StringList("l"));
        m.Done();
        var e = Assert.Throws<ConfigException>(ctx.ThrowIfTypeErrors);
        Assert.Equal("yaml: unmarshal errors:\n  line 1: cannot unmarshal !!str `true` into bool\n  line 2: cannot unmarshal !!str `abcdefg...` into []string", e.Detail);
    }

    [Fact]
    public void Only_the_first_document_is_read_as_in_go_yaml()
    {
        var root = YamlLoader.Load("  a: 1\n  b: 2\nc: 3\n---\nd: [\n", "f.yml", YamlDialect.GoYamlV2);
        var map = Assert.IsType<YamlMapping>(root);
        Assert.Equal(["a", "b"], map.Children.Select(kv => ((YamlScalar)kv.Key).Value));
    }

    [Fact]
    public void A_syntax_error_is_reported_in_go_yaml_words_with_its_position()
    {
        var e = Assert.Throws<ConfigException>(() => YamlLoader.Load("a:\n  - b\n c: d\n", "f.yml", YamlDialect.GoYamlV2));
        Assert.StartsWith("yaml: line ", e.Detail, StringComparison.Ordinal);
        Assert.True(e.Line > 0);
        Assert.Equal("f.yml", e.File);
    }

    [Fact]
    public void Aliases_resolve_to_their_anchored_node()
    {
        var root = (YamlMapping)YamlLoader.Load("a: &x [1, 2]\nb: *x\n", "f.yml", YamlDialect.GoYamlV2)!;
        Assert.Same(root.Get("a"), root.Get("b"));
    }
}

/// <summary>Prometheus' model.ParseDuration and Duration.String, the one duration syntax of every file.</summary>
public sealed class PromDurationTests
{
    [Theory]
    [InlineData("1h30m", 90 * 60_000L)]
    [InlineData("1y", 365 * 86_400_000L)]
    [InlineData("2w", 14 * 86_400_000L)]
    [InlineData("1d12h", 36 * 3_600_000L)]
    [InlineData("1s500ms", 1500L)]
    [InlineData("0", 0L)]
    [InlineData("0s", 0L)]
    public void Parses_ordered_units(string text, long ms) =>
        Assert.Equal(TimeSpan.FromMilliseconds(ms), PromDuration.Parse(text));

    [Theory]
    [InlineData("30m1h", "not a valid duration string: \"30m1h\"")]
    [InlineData("1h1h", "not a valid duration string: \"1h1h\"")]
    [InlineData("1.5h", "not a valid duration string: \"1.5h\"")]
    [InlineData("-1m", "not a valid duration string: \"-1m\"")]
    [InlineData("5 mins", "not a valid duration string: \"5 mins\"")]
    [InlineData("", "empty duration string")]
    [InlineData("300y", "duration out of range")]
    public void Rejects_what_Prometheus_rejects_with_its_message(string text, string message)
    {
        Assert.False(PromDuration.TryParse(text, out _, out var error));
        Assert.Equal(message, error);
    }

    [Theory]
    [InlineData(90 * 86_400_000L, "90d")]
    [InlineData(14 * 86_400_000L, "2w")]
    [InlineData(365 * 86_400_000L, "1y")]
    [InlineData(90 * 60_000L, "1h30m")]
    [InlineData(-300_000L, "-5m")]
    [InlineData(0L, "0s")]
    public void Formats_as_model_Duration_String(long ms, string text) => Assert.Equal(text, PromDuration.Format(ms));
}
