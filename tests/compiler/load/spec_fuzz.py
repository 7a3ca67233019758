"""Seeded mutation fuzzing of specs: the shared engine of the suite's fuzz test and
``bench/fuzz_bench.py`` (issue 15).

Each case is a golden spec (``tests/golden/*/spec.yaml``, ``specs/ideko.yaml``) changed by one
to three mutations: hostile YAML values (tags, aliases, huge numbers, control characters,
``$(VAR)``, lone surrogates, line breaks), character insertions and deletions, indentation
slips, key typos, truncation. The case is loaded like ``ideko-compile`` does; when it
loads it is rendered (every generated file must parse back to its documents) and each
Katib manifest must be accepted by ``ideko tune``'s loader. The outcome is one of:

- ``compiled`` / ``invalid`` (a SpecError whose every line is ``file:line:col: ...``);
- ``not_positioned``: an error without a position (or a line that is not printable);
- ``traceback``: any other exception, i.e. a bug.

A case is the same text for the same ``(seed, index)`` on every machine.
"""

from __future__ import annotations

import random
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[3]
SEEDS = [*sorted((REPO / "tests" / "golden").glob("*/spec.yaml")), REPO / "specs" / "ideko.yaml"]

JUNK = [
    "null", "~", "[]", "{}", "''", "0", "-1", "5", "2.5", "1e400", "-1e400", ".inf", "-.inf",
    ".nan", "1" + "0" * 400, "9223372036854775808", "4294967296", "0x1F", "0o17", "1_000",
    "+.5", "true", "yes", "'x'", "x" * 300, "include", "models.yaml", "../../etc/passwd",
    "!!bool maybe", "!!int 0x", "!!int x", "!!float abc", "!!omap x", "!!set x",
    "!!omap [a: 1]", "!!set {a}", "!!binary aGk=", "!!timestamp 2024-13-45", "2024-13-45",
    "2024-01-01", "!!python/object:os.system ls", "!custom x", "!!str 5", "!!null ''",
    '"a\\nb"', '"data/tiny\\ndefaultPipelineRoot: s3://attacker/\\n#"', '"\\v"', '"\\x85"',
    '"\\u2028"', '"\\0"', '"\\udc80"', '"\\t"', '"$(AWS_SECRET_ACCESS_KEY)"', '"$$(X)"',
    "*nowhere", "&a x", "{a: *a}", "[1, [2, [3]]]", "'", '"', "{", "[", "? [a]", "<<: {a: 1}",
    "|\n  block\n  text", ">\n  folded", "- a\n- b", "a: b: c",
]
# Text that keeps a string field valid, so the case reaches the builders and the writers.
STRINGS = [
    '"$(AWS_SECRET_ACCESS_KEY)"', '"$$(HOME)"', '"${trialParameters.learning_rate}"',
    '"{{$}}"', "\"{{$.inputs.parameters['seed']}}\"", '"# not a comment"', '"key: value"',
    '"a\'b\\"c"', '"é 😀 ü"', '"--seed"', '"; rm -rf /"', '"%s %d"', '"\\n"', '"*x"',
    '"&x"', '"!x"', '" leading space"', '"trailing space "', '"x" ', "x" * 70,
]
INSERTS = ["\t", "\0", "\x01", "\x7f", "\x85", "\u2028", "\ufeff", "\ufffe", ":", "- ", "#",
           "&", "*", "!", "%", "@", "`", "'", '"', "{", "}", "[", "]", ",", "?", "|", ">",
           "\n", "\r", "\r\n", " ", "  ", "é", "😀", "$(", "\\", "\x1b[31m"]
LIMIT_SECONDS = 5.0
OUTCOMES = ("compiled", "invalid", "not_positioned", "traceback")


@dataclass
class Result:
    """One case: where it came from, what happened, how long it took.

    ``seconds`` is the CPU time of the case (the machine is shared: wall time measures the
    neighbours too); ``wall`` is kept beside it.
    """

    index: int
    seed_spec: str
    outcome: str
    seconds: float
    detail: str = ""
    wall: float = 0.0


def _value_slot(line: str) -> int | None:
    """Index just after ``key:`` on a mapping line, or None."""
    match = re.match(r"^\s*(- )?[^#:\s][^:#]*:(\s|$)", line)
    return match.end() if match else None


def mutate(text: str, rng: random.Random) -> str:
    """One to three random mutations of ``text``."""
    lines = text.split("\n")
    for _ in range(rng.choices((1, 2, 3), weights=(60, 25, 15))[0]):
        j = rng.randrange(len(lines))
        op = rng.random()
        slot = _value_slot(lines[j])
        value = lines[j][slot:].strip() if slot is not None else ""
        if op < 0.25 and slot is not None and re.fullmatch(r"[A-Za-z][\w ./:-]*", value):
            lines[j] = lines[j][:slot].rstrip() + " " + rng.choice(STRINGS)
        elif op < 0.45 and slot is not None:
            indent = "\n" + " " * (len(lines[j]) - len(lines[j].lstrip()) + 2)
            lines[j] = lines[j][:slot].rstrip() + " " + rng.choice(JUNK).replace("\n", indent)
        elif op < 0.55:
            at = rng.randint(0, len(lines[j]))
            lines[j] = lines[j][:at] + rng.choice(INSERTS) + lines[j][at:]
        elif op < 0.63:
            del lines[j]
            if not lines:
                lines = [""]
        elif op < 0.70:
            lines.insert(j, lines[rng.randrange(len(lines))])
        elif op < 0.78:
            lines[j] = ("  " + lines[j]) if rng.random() < 0.5 else lines[j][2:]
        elif op < 0.86 and slot is not None:
            key = lines[j][:slot]
            at = rng.randrange(max(1, len(key.strip())))
            lines[j] = key.replace(key.strip()[at:at + 1] or "x", rng.choice("xyz_-Q"), 1) + (
                lines[j][slot:])
        elif op < 0.93:
            j2 = rng.randrange(len(lines))
            lines[j], lines[j2] = lines[j2], lines[j]
        else:
            cut = rng.randint(0, len("\n".join(lines)))
            lines = "\n".join(lines)[:cut].split("\n")
    return "\n".join(lines)


def cases(seed: int, count: int) -> Iterator[tuple[int, Path, str]]:
    """``count`` mutated spec texts; the same ones for the same ``seed``."""
    texts = [(path, path.read_text(encoding="utf-8")) for path in SEEDS]
    for index in range(count):
        rng = random.Random(f"{seed}:{index}")
        path, text = texts[index % len(texts)]
        yield index, path, mutate(text, rng)


_POSITIONED = re.compile(r"^[^\n]+:\d+:\d+: \S")


def _positioned(line: str, file: str) -> bool:
    return line.startswith(file + ":") and bool(_POSITIONED.match(line)) and line.isprintable()


class Runner:
    """Loads, renders and checks cases inside one scratch repository."""

    def __init__(self, workdir: Path, render: bool = True, tune_check: bool = True) -> None:
        self.root = workdir
        (workdir / "pyproject.toml").write_text("[project]\nname = 'fuzz'\n")
        (workdir / "specs").mkdir(exist_ok=True)
        include = REPO / "tests" / "golden" / "models-include" / "models.yaml"
        shutil.copy(include, workdir / "specs" / "models.yaml")
        self.render = render
        self.tune_check = tune_check

    def warm(self) -> None:
        """Import and compile once, so no case is timed with the first import of kfp."""
        self.run(-1, SEEDS[-1], SEEDS[-1].read_text(encoding="utf-8"))

    def run(self, index: int, seed_spec: Path, text: str) -> Result:
        """Run one case; never raises."""
        from ideko.compiler.api import SpecError, load_spec, render

        path = self.root / "specs" / "case.yaml"
        path.write_text(text, encoding="utf-8", errors="surrogateescape")
        name = seed_spec.parent.name if seed_spec.name == "spec.yaml" else seed_spec.name
        start, wall = time.process_time(), time.perf_counter()
        try:
            spec = load_spec(path)
            outcome, detail = "compiled", ""
            if self.render:
                files = render(spec)
                if self.tune_check:
                    detail = _tune_problems(files)
                    outcome = "traceback" if detail else outcome
        except SpecError as exc:
            lines = [str(d) for d in exc.diagnostics] or [str(exc)]
            bad = [line for line in lines if not _positioned(line, str(path))]
            outcome = "not_positioned" if bad else "invalid"
            detail = (bad or lines)[0][:300]
        except ValueError as exc:  # render's "cannot compile": one line, but not positioned
            outcome, detail = "not_positioned", f"ValueError: {exc}"[:300]
        except Exception as exc:  # the point of a fuzzer: any other exception is a bug
            outcome, detail = "traceback", f"{type(exc).__name__}: {exc}"[:300]
        return Result(index, name, outcome, time.process_time() - start, detail,
                      time.perf_counter() - wall)


def _tune_problems(files: dict[str, str]) -> str:
    """What ``ideko tune`` would refuse in the compiled Katib manifests ('' when nothing)."""
    from ideko.runtime.katib.errors import TuneError
    from ideko.runtime.katib.experiment import parse_experiment

    for rel, text in files.items():
        if "/katib/" not in rel or rel.endswith("rbac.yaml"):
            continue
        try:
            parse_experiment(text, rel)
        except TuneError as exc:
            return f"ideko tune refuses {rel}: {exc}"[:300]
    return ""


def summary(results: list[Result]) -> dict[str, Any]:
    """Counts per outcome, the slow cases and the worst times."""
    counts = {outcome: sum(r.outcome == outcome for r in results) for outcome in OUTCOMES}
    slow = [r for r in results if r.seconds > LIMIT_SECONDS]
    times = sorted(r.seconds for r in results)
    return {
        "cases": len(results),
        **counts,
        "over_5s": len(slow),
        "median_s": times[len(times) // 2] if times else 0.0,
        "max_s": times[-1] if times else 0.0,
        "max_wall_s": max((r.wall for r in results), default=0.0),
    }
