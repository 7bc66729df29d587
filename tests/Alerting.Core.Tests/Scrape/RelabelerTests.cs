using Alerting.Core.Relabel;
using Alerting.Core.Model;

namespace Alerting.Core.Tests.Scrape;

public sealed class RelabelerTests
{
    private static Labels L(params (string, string)[] pairs) => Labels.From(pairs);

    [Fact]
    public void Seed_002_strips_the_port_from_the_address_into_instance()
    {
        var cfg = new RelabelConfig
        {
            SourceLabels = ["__address__"],
            TargetLabel = "instance",
            Regex = new RelabelRegex("([^:]+):.*"),
            Replacement = "${1}",
        };
        var result = Relabeler.Process(L(("__address__", "instance1:5000"), ("job", "portfolio_manager")), [cfg]);
        Assert.Equal("instance1", result!["instance"]);
        Assert.Equal("instance1:5000", result["__address__"]);
    }

    [Fact]
    public void Seed_002_regex_that_does_not_match_leaves_labels_alone()
    {
        var cfg = new RelabelConfig { SourceLabels = ["__address__"], TargetLabel = "instance", Regex = new RelabelRegex("([^:]+):.*"), Replacement = "${1}" };
        var input = L(("__address__", "instance1"));
        Assert.Equal(input, Relabeler.Process(input, [cfg]));
    }

    [Fact]
    public void Seed_000_copies_fly_meta_labels_with_default_regex_and_replacement()
    {
        RelabelConfig[] cfgs =
        [
            new() { SourceLabels = ["__meta_fly_app_name"], TargetLabel = "app" },
            new() { SourceLabels = ["__meta_fly_machine_id"], TargetLabel = "machine_id" },
        ];
        var result = Relabeler.Process(
            L(("__address__", "fdaa::3:8080"), ("__meta_fly_app_name", "vyx-user-35682909"), ("__meta_fly_machine_id", "e784079b449483")),
            cfgs);
        Assert.Equal("vyx-user-35682909", result!["app"]);
        Assert.Equal("e784079b449483", result["machine_id"]);
    }

    [Fact]
    public void Replace_with_empty_result_deletes_the_target_label()
    {
        var cfg = new RelabelConfig { SourceLabels = ["missing"], TargetLabel = "env" };
        var result = Relabeler.Process(L(("env", "prod")), [cfg]);
        Assert.False(result!.Has("env"));
    }

    [Fact]
    public void Source_labels_are_joined_with_the_separator_and_missing_ones_are_empty()
    {
        var cfg = new RelabelConfig
        {
            SourceLabels = ["a", "missing", "b"],
            Separator = "|",
            TargetLabel = "joined",
            Regex = new RelabelRegex("(.*)"),
        };
        Assert.Equal("x||y", Relabeler.Process(L(("a", "x"), ("b", "y")), [cfg])!["joined"]);
    }

    [Fact]
    public void Regex_is_fully_anchored_and_dot_matches_newline()
    {
        var keep = new RelabelConfig { SourceLabels = ["v"], Regex = new RelabelRegex("foo"), Action = RelabelAction.Keep };
        Assert.Null(Relabeler.Process(L(("v", "foobar")), [keep]));
        Assert.NotNull(Relabeler.Process(L(("v", "foo")), [keep]));
        Assert.Null(Relabeler.Process(L(("v", "foo\n")), [keep]));

        var dotAll = new RelabelConfig { SourceLabels = ["v"], Regex = new RelabelRegex("a.b"), Action = RelabelAction.Keep };
        Assert.NotNull(Relabeler.Process(L(("v", "a\nb")), [dotAll]));
    }

    [Fact]
    public void Keep_and_drop_filter_targets()
    {
        var keep = new RelabelConfig { SourceLabels = ["__meta_fly_app_name"], Regex = new RelabelRegex("vyx-user-.*"), Action = RelabelAction.Keep };
        var drop = new RelabelConfig { SourceLabels = ["__name__"], Regex = new RelabelRegex("go_.*|process_.*"), Action = RelabelAction.Drop };
        Assert.NotNull(Relabeler.Process(L(("__meta_fly_app_name", "vyx-user-1")), [keep]));
        Assert.Null(Relabeler.Process(L(("__meta_fly_app_name", "other-app")), [keep]));
        Assert.Null(Relabeler.Process(L(("__name__", "go_goroutines")), [drop]));
        Assert.NotNull(Relabeler.Process(L(("__name__", "trader_errors_total")), [drop]));
    }

    [Fact]
    public void Keepequal_and_dropequal_compare_source_with_target_label()
    {
        var keepEq = new RelabelConfig { SourceLabels = ["__meta_port"], TargetLabel = "__meta_expected_port", Action = RelabelAction.KeepEqual };
        Assert.NotNull(Relabeler.Process(L(("__meta_port", "8080"), ("__meta_expected_port", "8080")), [keepEq]));
        Assert.Null(Relabeler.Process(L(("__meta_port", "8080"), ("__meta_expected_port", "9090")), [keepEq]));

        var dropEq = keepEq with { Action = RelabelAction.DropEqual };
        Assert.Null(Relabeler.Process(L(("__meta_port", "8080"), ("__meta_expected_port", "8080")), [dropEq]));
    }

    [Theory]
    [InlineData("instance1:5000", 3UL, "0")]
    [InlineData("instance2:5000", 3UL, "1")]
    [InlineData("instance3:5000", 3UL, "2")]
    [InlineData("vyx-user-35682909", 10UL, "8")]
    [InlineData("", 7UL, "1")]
    public void Hashmod_shards_like_prometheus(string value, ulong modulus, string expected)
    {
        // Expected values computed independently with Python: int.from_bytes(md5(v).digest()[8:], 'big') % m
        var cfg = new RelabelConfig { SourceLabels = ["__address__"], Modulus = modulus, TargetLabel = "__tmp_hash", Action = RelabelAction.HashMod };
        var result = Relabeler.Process(L(("__address__", value), ("job", "j")), [cfg])!;
        Assert.Equal(expected, result["__tmp_hash"]);
    }

    [Fact]
    public void Labelmap_copies_matching_labels_under_new_names()
    {
        var cfg = new RelabelConfig { Regex = new RelabelRegex("__meta_fly_(.+)"), Action = RelabelAction.LabelMap };
        var result = Relabeler.Process(L(("__meta_fly_app_name", "vyx"), ("__meta_fly_region", "ams"), ("job", "j")), [cfg]);
        Assert.Equal("vyx", result!["app_name"]);
        Assert.Equal("ams", result["region"]);
        Assert.Equal("vyx", result["__meta_fly_app_name"]);
    }

    [Fact]
    public void Labeldrop_and_labelkeep_match_on_names()
    {
        var input = L(("__name__", "m"), ("pod_template_hash", "x"), ("kernelVersion", "6"), ("job", "j"));
        var drop = new RelabelConfig { Regex = new RelabelRegex("pod_template_hash|kernelVersion"), Action = RelabelAction.LabelDrop };
        Assert.Equal(L(("__name__", "m"), ("job", "j")), Relabeler.Process(input, [drop]));

        var keep = new RelabelConfig { Regex = new RelabelRegex("__name__|job"), Action = RelabelAction.LabelKeep };
        Assert.Equal(L(("__name__", "m"), ("job", "j")), Relabeler.Process(input, [keep]));
    }

    [Fact]
    public void Lowercase_and_uppercase_write_the_joined_source()
    {
        var lower = new RelabelConfig { SourceLabels = ["env"], TargetLabel = "env_lower", Action = RelabelAction.Lowercase };
        var upper = new RelabelConfig { SourceLabels = ["env"], TargetLabel = "env_upper", Action = RelabelAction.Uppercase };
        var result = Relabeler.Process(L(("env", "Prod")), [lower, upper]);
        Assert.Equal("prod", result!["env_lower"]);
        Assert.Equal("PROD", result["env_upper"]);
    }

    [Theory]
    [InlineData("$1", "ab")]
    [InlineData("${1}x", "abx")]
    [InlineData("$1x", "")] // Go: "$1x" is the group named "1x", which does not exist
    [InlineData("$2-$1", "cd-ab")]
    [InlineData("${name}", "cd")]
    [InlineData("$name", "cd")]
    [InlineData("$$1", "$1")]
    [InlineData("${1", "${1")] // malformed reference keeps its '$'
    [InlineData("$-", "$-")]
    [InlineData("$9", "")]
    [InlineData("$01", "")] // leading zero makes it a name
    [InlineData("$0", "ab:cd")]
    public void Replacement_expands_like_go_regexp_expand(string replacement, string expected)
    {
        var cfg = new RelabelConfig
        {
            SourceLabels = ["v"],
            Regex = new RelabelRegex("(ab):(?P<name>cd)"),
            TargetLabel = "out",
            Replacement = replacement,
        };
        Assert.Equal(expected, Relabeler.Process(L(("v", "ab:cd")), [cfg])!["out"]);
    }

    [Theory]
    [InlineData("\\d+", "123", true)]
    [InlineData("\\d+", "\u0661\u0662", false)] // RE2's \d is ASCII-only; .NET's would match Arabic-Indic digits
    [InlineData("\\w+", "caf\u00e9", false)]
    [InlineData("[[:alpha:]]+-[[:digit:]]+", "vyx-42", true)]
    [InlineData("[^[:space:]]+", "a b", false)]
    [InlineData("\\pL+", "\u00e9t\u00e9", true)]
    [InlineData("\\Q1.5\\E", "1.5", true)]
    [InlineData("\\Q1.5\\E", "105", false)]
    [InlineData("[]a]+", "]a]", true)]
    [InlineData("foo$", "foo\n", false)]
    [InlineData("(?i)FOO", "foo", true)]
    public void Regexes_follow_re2_semantics(string pattern, string value, bool matches)
    {
        var keep = new RelabelConfig { SourceLabels = ["v"], Regex = new RelabelRegex(pattern), Action = RelabelAction.Keep };
        Assert.Equal(matches, Relabeler.Process(L(("v", value)), [keep]) is not null);
    }

    [Fact]
    public void Groups_are_numbered_left_to_right_even_when_named()
    {
        var cfg = new RelabelConfig
        {
            SourceLabels = ["v"],
            Regex = new RelabelRegex("(?P<first>a)(b)(?<third>c)"),
            TargetLabel = "out",
            Replacement = "$1.$2.$3.${third}",
        };
        Assert.Equal("a.b.c.c", Relabeler.Process(L(("v", "abc")), [cfg])!["out"]);
    }

    [Fact]
    public void Target_label_may_be_built_from_groups_and_invalid_results_are_skipped()
    {
        var cfg = new RelabelConfig { SourceLabels = ["k"], Regex = new RelabelRegex("(.*)=(.*)"), TargetLabel = "tag_$1", Replacement = "$2" };
        Assert.Equal("blue", Relabeler.Process(L(("k", "color=blue")), [cfg])!["tag_color"]);
        var invalid = Relabeler.Process(L(("k", "bad-name=blue")), [cfg]);
        Assert.Equal(L(("k", "bad-name=blue")), invalid);
    }

    [Theory]
    [InlineData(RelabelAction.HashMod, "t", "$1", 0UL, "relabel configuration for hashmod requires non-zero modulus")]
    [InlineData(RelabelAction.Replace, "", "$1", 0UL, "relabel configuration for replace action requires 'target_label' value")]
    [InlineData(RelabelAction.Replace, "1bad", "$1", 0UL, "\"1bad\" is invalid 'target_label' for replace action")]
    [InlineData(RelabelAction.Lowercase, "t", "x", 0UL, "'replacement' can not be set for lowercase action")]
    [InlineData(RelabelAction.LabelMap, "", "bad-name", 0UL, "\"bad-name\" is invalid 'replacement' for labelmap action")]
    [InlineData(RelabelAction.HashMod, "$1", "$1", 3UL, "\"$1\" is invalid 'target_label' for hashmod action")]
    [InlineData(RelabelAction.LabelDrop, "t", "$1", 0UL, "labeldrop action requires only 'regex', and no other fields")]
    public void Invalid_configs_are_rejected_with_prometheus_messages(RelabelAction action, string target, string replacement, ulong modulus, string message)
    {
        var cfg = new RelabelConfig { Action = action, TargetLabel = target, Replacement = replacement, Modulus = modulus };
        var ex = Assert.Throws<FormatException>(cfg.Validate);
        Assert.Equal(message, ex.Message);
    }

    [Fact]
    public void Keepequal_with_other_fields_is_rejected()
    {
        var cfg = new RelabelConfig { Action = RelabelAction.KeepEqual, SourceLabels = ["a"], TargetLabel = "b", Regex = new RelabelRegex("x") };
        Assert.Equal("keepequal action requires only 'source_labels' and `target_label`, and no other fields",
            Assert.Throws<FormatException>(cfg.Validate).Message);
    }

    [Fact]
    public void Documented_default_replace_config_validates()
    {
        new RelabelConfig { TargetLabel = "${1}_suffix" }.Validate();
        new RelabelConfig { Action = RelabelAction.LabelMap, Regex = new RelabelRegex("__meta_(.+)") }.Validate();
    }
}
