"""Issue 15's spec reproducers: each hostile or odd input is one positioned diagnostic,
never a traceback, a hang, a MemoryError or text injected into the compiled files."""

from __future__ import annotations

import pytest
from ideko.compiler.load import SpecError, load_spec
from ideko.schema.limits import MAX_EXPANDED_CHARS, MAX_NODES
from spec_texts import MINIMAL, tuned

LINE_RULE = "must be one line of text: no line breaks, tabs or other control characters"


def _with_path(value: str) -> str:
    return MINIMAL.replace("path: data/synthetic", f"path: {value}")


@pytest.mark.parametrize(
    "value",
    [
        '"data/tiny\\nx"',
        '"data/tiny\\ndefaultPipelineRoot: s3://attacker-bucket/\\n#"',
        '"data/tiny\\vx"',
        '"data/tiny\\x85x"',
        '"data/tiny\\u2028x"',
        '"data/tiny\\n"',  # a trailing line break: '$' means the end of the text (ECMA-262)
    ],
)
def test_line_breaks_and_control_characters_cannot_reach_the_ir(errors_of, value) -> None:
    (line,) = errors_of(_with_path(value))
    assert line.startswith("specs/spec.yaml:9:13: data.source.local.path: 'data/tiny\\")
    assert line.endswith(LINE_RULE) and line.isprintable()


def test_name_patterns_refuse_a_trailing_newline(errors_of) -> None:
    (line,) = errors_of(MINIMAL.replace("name: tiny", 'name: "tiny\\n"'))
    assert line.startswith("specs/spec.yaml:3:9: metadata.name: 'tiny\\n' ")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("!!bool maybe", "'maybe' is not a valid bool for the YAML tag '!!bool'"),
        ("!!int 0x", "'0x' is not a valid int for the YAML tag '!!int'"),
        ("!!omap x", "YAML tag '!!omap' is not allowed; specs hold plain values only"),
        ("!!set x", "YAML tag '!!set' is not allowed; specs hold plain values only"),
        ("!!set {a}", "YAML tag '!!set' is not allowed on a mapping"),
        ("!!binary aGk=", "YAML tag '!!binary' is not allowed"),
        ("1" + "0" * 400, "integer '10000000000000000000...' is too large; at most "
         "9223372036854775807 (a 64-bit integer)"),
        ("9223372036854775808", "integer 9223372036854775808... is too large"),
        (".nan", "nan is not a finite number; a spec's numbers travel as JSON"),
        ("-.inf", "-inf is not a finite number"),
        ("1e400", "inf is not a finite number"),
    ],
)
def test_odd_tags_and_scalars_are_positioned(errors_of, value, message) -> None:
    (line,) = errors_of(MINIMAL.replace("epochs: 2", f"epochs: {value}"))
    assert line.startswith("specs/spec.yaml:19:15: models.LSTM.training_parameters.epochs: ")
    assert message in line


def test_core_tags_that_fit_their_value_are_accepted(write, repo, monkeypatch) -> None:
    monkeypatch.chdir(repo)
    text = MINIMAL.replace("epochs: 2", "epochs: !!int 2").replace("name: tiny", "name: !!str tiny")
    spec = load_spec(write(text).relative_to(repo))
    assert spec.metadata.name == "tiny"


def test_a_date_like_value_stays_the_text_written(write, repo, monkeypatch) -> None:
    monkeypatch.chdir(repo)  # 2024-13-45 is no date: ruamel's timestamp constructor would fail
    spec = load_spec(write(_with_path("2024-13-45")).relative_to(repo))
    assert spec.data.source.location() == "2024-13-45"


def test_lone_surrogate_in_registry_uri_is_positioned(errors_of) -> None:
    (line,) = errors_of(MINIMAL + 'registry:\n  uri: "reg\\udc80"\n')
    assert line == ("specs/spec.yaml:22:8: registry.uri: text contains \\udc80, a lone UTF-16 "
                    "surrogate that is not a character; remove the escape")


@pytest.mark.parametrize(
    ("include", "why"),
    [
        ('"a\\0b.yaml"', "(embedded null byte)"),
        ('"a\\udc80b.yaml"', "a lone UTF-16 surrogate"),
        ('"' + "a" * 300 + '.yaml"', "(File name too long)"),
    ],
)
def test_unusable_include_paths_are_positioned(errors_of, include, why) -> None:
    text = MINIMAL.replace("models:\n", f"models:\n  include: {include}\n")
    (line,) = errors_of(text)
    assert line.startswith("specs/spec.yaml:15:12: models.include: ") and why in line


def test_ideko_run_reports_a_too_long_include_without_a_traceback(write, repo, monkeypatch):
    from ideko.cli.run_spec import compile_spec_file
    from ideko.local.runner.errors import RunnerError

    monkeypatch.chdir(repo)
    path = write(MINIMAL.replace("models:\n", f"models:\n  include: {'a' * 300}.yaml\n"))
    with pytest.raises(RunnerError, match="File name too long"):
        compile_spec_file(path.relative_to(repo))


def test_billion_laughs_with_a_duplicated_key_stops_at_the_node_cap(errors_of) -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for name, prev in zip("bcdefghi", "abcdefgh", strict=True):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    lines += ["? *i\n: 1", "? *i\n: 2"]  # ruamel would print the expanded key in its message
    (line,) = errors_of("\n".join(lines) + "\n")
    assert f"document expands to more than {MAX_NODES} nodes (aliases?)" in line


def test_many_aliases_to_a_long_string_stop_at_the_character_cap(errors_of) -> None:
    text = "s: &s " + "x" * 100_000 + "\nl: [" + ",".join(["*s"] * 90_000) + "]\n"
    (line,) = errors_of(text)
    assert line == (f"specs/spec.yaml:2:4: l: document expands to more than {MAX_EXPANDED_CHARS}"
                    " characters of text (aliases?); too large for a spec")


def test_a_recursive_alias_is_positioned(errors_of) -> None:
    (line,) = errors_of("a: &a [1, *a]\n")
    assert "an alias refers to the node that contains it" in line


@pytest.mark.parametrize("value", ["-1", "1.5", "abc", "4294967296"])
def test_random_state_ideko_tune_refuses_is_a_compile_error(errors_of, value) -> None:
    extra = f"      algorithm_settings: {{random_state: {value}}}\n"
    (line,) = errors_of(tuned("epochs: {type: int, min: 4, max: 8}", extra=extra))
    assert line == ("specs/spec.yaml:24:42: models.LSTM.hpo.algorithm_settings.random_state: "
                    "random setting random_state must be an integer from 0 to 4294967295 "
                    f"(a numpy seed), got '{value}'")


def test_grid_default_budget_above_the_combinations_is_a_compile_error(errors_of) -> None:
    (line,) = errors_of(tuned("epochs: {type: int, min: 4, max: 5}", algorithm="grid"))
    assert line.startswith("specs/spec.yaml:21:5: models.LSTM.hpo: max_trials (12) exceeds the "
                           "2 combinations of the grid")


def test_control_character_in_the_file_is_reported_at_its_line_escaped(errors_of) -> None:
    (line,) = errors_of(MINIMAL.replace("name: tiny", "name: ti\x01ny"))
    assert line == ("specs/spec.yaml:3:11: invalid YAML: character \\x01 is not allowed in a "
                    "YAML file (control or non-printable character)")


def test_key_with_a_line_break_is_echoed_escaped(errors_of) -> None:
    (line,) = errors_of(MINIMAL.replace("  name: tiny", '  name: tiny\n  "x\\ny": 1'))
    assert line == ("specs/spec.yaml:4:3: metadata.x\\ny: unknown key 'x\\ny'; allowed keys: "
                    "name, description, version")


def test_a_spec_error_is_one_printable_line_per_problem(write, repo, monkeypatch) -> None:
    monkeypatch.chdir(repo)
    path = write(MINIMAL.replace("  name: tiny", '  name: tiny\n  "\\u2028\\x1b[31m": 1'))
    with pytest.raises(SpecError) as info:
        load_spec(path.relative_to(repo))
    assert all(str(d).isprintable() for d in info.value.diagnostics)
