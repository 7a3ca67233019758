"""Warm trial launches: forks of a preloaded server behave like fresh processes.

The fake trial module (written per test) reports what a trial process can observe about
itself: parent, process group, environment, working directory, argv, stdin, and whether its
declared warm import is already loaded.
"""

import os
import signal
import sys
import textwrap
import time

import pytest
from hpo_helpers import ScriptedSuggester
from ideko.local.katib.tuner import TuneOptions, Tuner
from ideko.local.launch.launcher import FreshProcess, Launcher, WarmProcess
from ideko.local.launch.warm_server import declared_tuples, warm_plan
from ideko.runtime.katib.experiment import plan_from_dict
from proc_table import wait_gone

FAKE = '''
"""A fake trial for launcher tests."""
import os
import sys
import time

WARM_IMPORTS = ("warm_marker:touch",)
WARM_ENV = ("FAKE_FROZEN",)

if __name__ == "__main__":
    args = dict(a.split("=", 1) for a in sys.argv[1:])
    print(f"ppid {os.getppid()} pid {os.getpid()} pgid {os.getpgid(0)}")
    print(f"env {os.environ.get('FAKE_X', '')} cwd {os.getcwd()}")
    print(f"argv {' '.join(sys.argv[1:])} stdin {sys.stdin.read()!r}")
    print(f"preloaded {'warm_marker' in sys.modules}")
    spin_until = time.process_time() + float(args.get("spin", "0"))
    while time.process_time() < spin_until:
        pass
    for epoch in range(int(args.get("epochs", "2"))):
        print(f"epoch={epoch} accuracy={float(args.get('q', '0.5')) * (epoch + 1) / 2:.4f}")
        time.sleep(float(args.get("sleep", "0")))
    if args.get("mode") == "raise":
        raise ValueError("trial blew up")
    if args.get("mode") == "message":
        sys.exit("bad data")
    sys.exit(int(args.get("exit", "0")))
'''

MARKER = '''
import os


def touch():
    with open(os.environ["FAKE_MARKER"], "a") as f:
        f.write(f"{os.getpid()}\\n")
'''


@pytest.fixture
def modules(tmp_path, monkeypatch):
    """``warm_fake`` and ``warm_marker`` importable here and in the server it starts."""
    (tmp_path / "warm_fake.py").write_text(textwrap.dedent(FAKE))
    (tmp_path / "warm_marker.py").write_text(textwrap.dedent(MARKER))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    monkeypatch.setenv("FAKE_MARKER", str(tmp_path / "marker.log"))
    monkeypatch.setenv("FAKE_FROZEN", "a")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def report(handle) -> dict[str, str]:
    """The fake trial's self-report, keyed by first word; plus the raw output."""
    out = handle.stdout.read()
    handle.code = handle.wait()
    lines = {line.split(" ", 1)[0]: line for line in out.splitlines()}
    lines["_all"] = out
    return lines


def launch(launcher, *args, env=None, container_env=None):
    return launcher.launch(
        [sys.executable, "-m", "warm_fake", *args],
        {**os.environ, **(env or {})},
        container_env or {},
    )


def test_warm_trials_are_forks_of_one_preloaded_server(modules):
    launcher = Launcher("warm", modules)
    try:
        handles = [launch(launcher, f"q=0.{i}", env={"FAKE_X": f"x{i}"}) for i in range(3)]
        server_pid = launcher.server._proc.pid
        reports = [report(h) for h in handles]
    finally:
        launcher.close()
    assert all(isinstance(h, WarmProcess) for h in handles)
    assert len({h.pid for h in handles}) == 3
    for i, (handle, lines) in enumerate(zip(handles, reports, strict=True)):
        assert handle.code == 0
        assert lines["ppid"] == f"ppid {server_pid} pid {handle.pid} pgid {handle.pid}"
        assert lines["env"] == f"env x{i} cwd {modules}"
        assert lines["argv"] == f"argv q=0.{i} stdin ''"
        assert lines["preloaded"] == "preloaded True"
        assert f"epoch=1 accuracy=0.{i}000" in lines["_all"]
    # the declared set-up ran once, in the server, not per trial
    assert (modules / "marker.log").read_text().split() == [str(server_pid)]


def test_process_mode_starts_fresh_interpreters(modules):
    launcher = Launcher("process", modules)
    handle = launch(launcher, "q=0.4")
    lines = report(handle)
    launcher.close()
    assert isinstance(handle, FreshProcess)
    assert lines["ppid"] == f"ppid {os.getpid()} pid {handle.pid} pgid {handle.pid}"
    assert lines["preloaded"] == "preloaded False"
    assert not (modules / "marker.log").exists()


@pytest.mark.parametrize("mode", ["warm", "process"])
def test_exit_status_and_cpu_time_as_a_fresh_process_reports_them(modules, mode):
    launcher = Launcher(mode, modules)
    try:
        codes = {}
        for name, args in {
            "exit3": ["exit=3"],
            "raise": ["mode=raise"],
            "message": ["mode=message"],
            "spin": ["spin=0.3"],
        }.items():
            handle = launch(launcher, *args)
            lines = report(handle)
            codes[name] = (handle.code, lines["_all"], handle.cpu_seconds)
    finally:
        launcher.close()
    assert codes["exit3"][0] == 3
    assert codes["raise"][0] == 1 and "ValueError: trial blew up" in codes["raise"][1]
    assert codes["message"][0] == 1 and "bad data" in codes["message"][1]
    assert codes["spin"][0] == 0 and codes["spin"][2] >= 0.3


@pytest.mark.parametrize("mode", ["warm", "process"])
def test_signalling_the_group_stops_the_trial(modules, mode):
    from ideko.local.launch.process_group import signal_group as _signal_group

    launcher = Launcher(mode, modules)
    try:
        handle = launch(launcher, "epochs=100", "sleep=0.2")
        assert handle.stdout.readline().startswith("ppid")
        assert handle.running()
        _signal_group(handle.pid, signal.SIGTERM)
        handle.stdout.read()
        assert handle.wait() == -signal.SIGTERM
        assert not handle.running()
    finally:
        launcher.close()


def test_a_trial_with_other_set_up_variables_starts_fresh(modules):
    launcher = Launcher("warm", modules)
    try:
        warm = launch(launcher, "q=0.1")
        report(warm)
        frozen = launch(launcher, "q=0.1", env={"FAKE_FROZEN": "b"})
        hashed = launch(launcher, "q=0.1", env={"PYTHONHASHSEED": "3"})
        reports = [report(frozen), report(hashed)]
    finally:
        launcher.close()
    assert isinstance(warm, WarmProcess)
    for handle, lines in zip((frozen, hashed), reports, strict=True):
        assert isinstance(handle, FreshProcess)
        assert lines["preloaded"] == "preloaded False"


def test_warm_plan_needs_python_dash_m_and_a_declared_module(modules):
    py = sys.executable
    plan = warm_plan([py, "-m", "warm_fake", "x=1"], {})
    assert plan is not None and plan.imports == ("warm_marker:touch",)
    assert plan.env == ("FAKE_FROZEN",)
    assert warm_plan([py, str(modules / "warm_fake.py")], {}) is None  # a script
    assert warm_plan([py, "-m", "warm_marker"], {}) is None  # declares nothing
    assert warm_plan([py, "-m", "no_such_module_here"], {}) is None
    assert warm_plan(["/usr/bin/python3-other", "-m", "warm_fake"], {}) is None
    assert warm_plan([py, "-m", "warm_fake"], {"PYTHONPATH": "/elsewhere"}) is None
    # the declaration is read, never run
    assert not (modules / "marker.log").exists()


def test_declarations_must_be_literal_string_tuples():
    source = textwrap.dedent(
        """
        WARM_IMPORTS = ("a", "b:setup")
        WARM_ENV = [name for name in ("X",)]
        OTHER = ("c",)
        def f():
            WARM_IMPORTS = ("inner",)
        """
    )
    assert declared_tuples(source) == {"WARM_IMPORTS": ("a", "b:setup")}
    assert declared_tuples('WARM_IMPORTS = ("a", 1)') == {}


def test_trial_threads_asking_for_plans_at_once_parse_one_at_a_time(monkeypatch):
    """A tuner's trial threads each read the trial module's declarations; CPython 3.11's
    AST constructor is not safe to run from two threads at once (``SystemError: AST
    constructor recursion depth mismatch`` in the suite), so parses are serialised and a
    source is parsed once."""
    import ast
    import threading

    from ideko.local.launch import warm_server

    inside, most, calls = [0], [0], []
    real_parse = ast.parse

    def slow_parse(source: str, *args, **kwargs):
        inside[0] += 1
        most[0] = max(most[0], inside[0])
        calls.append(source)
        time.sleep(0.02)  # a thread switch mid-parse, as a collection's finalizer makes
        try:
            return real_parse(source, *args, **kwargs)
        finally:
            inside[0] -= 1

    monkeypatch.setattr(warm_server.ast, "parse", slow_parse)
    sources = [f'WARM_IMPORTS = ("m{n % 3}",)\n' for n in range(12)]
    seen: list[dict[str, tuple[str, ...]]] = [{}] * len(sources)

    def ask(n: int) -> None:
        seen[n] = declared_tuples(sources[n])

    threads = [threading.Thread(target=ask, args=(n,)) for n in range(len(sources))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == [{"WARM_IMPORTS": (f"m{n % 3}",)} for n in range(len(sources))]
    assert most[0] == 1  # never two parses at once
    assert sorted(calls) == sorted(set(sources))  # each source once


def test_a_server_that_dies_mid_experiment_hands_over_to_fresh_processes(modules, capsys):
    launcher = Launcher("warm", modules)
    try:
        first = launch(launcher, "q=0.2")
        report(first)
        launcher.server._proc.kill()
        launcher.server._proc.wait()
        time.sleep(0.1)
        second = launch(launcher, "q=0.2")
        lines = report(second)
    finally:
        launcher.close()
    assert isinstance(first, WarmProcess)
    assert isinstance(second, FreshProcess) and second.code == 0
    assert "epoch=1 accuracy=0.2000" in lines["_all"]
    assert "trials start fresh interpreters" in capsys.readouterr().err


def fake_manifest(early_stopping: dict[str, str] | None = None) -> dict:
    from hpo_helpers import manifest

    document = manifest(
        args=["q=${trialParameters.q}", "sleep=0.05", "epochs=6"],
        max_trials=5,
        parallel=2,
        early_stopping=early_stopping,
    )
    container = document["spec"]["trialTemplate"]["trialSpec"]["spec"]["template"]["spec"][
        "containers"
    ][0]
    container["command"] = ["python", "-m", "warm_fake"]
    return document


def test_the_tuner_gets_the_same_experiment_from_both_launchers(modules, tmp_path):
    assignments = [{"q": q} for q in ("0.8", "0.7", "0.9", "0.1", "0.2")]
    outcomes = {}
    for mode in ("warm", "process"):
        plan = plan_from_dict(fake_manifest({"min_trials_required": "2", "start_step": "2"}))
        options = TuneOptions(out_dir=tmp_path / mode, show_progress=False, launcher=mode)
        tuner = Tuner(plan, options, suggester=ScriptedSuggester(assignments))
        result = tuner.run()
        outcomes[mode] = [
            (t.state, t.observation.values("accuracy"), t.cpu_seconds is not None)
            for t in result.trials
        ]
    assert outcomes["warm"] == outcomes["process"]
    states = [state for state, _, _ in outcomes["warm"]]
    assert states.count("EarlyStopped") >= 1 and states[:3] == ["Succeeded"] * 3
    assert all(has_cpu for _, _, has_cpu in outcomes["warm"])
    assert (tmp_path / "warm" / "trials" / "warm-server.log").exists()


@pytest.mark.slow
def test_a_warm_keras_trial_computes_exactly_what_a_fresh_one_does(tmp_path, monkeypatch):
    """TensorFlow's set-up runs in the server before its import, as in a fresh process.

    Importing TensorFlow before the step's set-up (oneDNN switch, thread limits) made forks
    differ from fresh processes in the fourth significant digit; this pins equality.
    """
    import json

    from ideko.runtime.baseline import data_config
    from ideko.runtime.data.dataset_io import save_dataset
    from ideko.runtime.data.prepare import prepare
    from ideko.runtime.data.synth import SynthOptions, generate

    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "2")
    monkeypatch.setenv("IDEKO_NUM_THREADS", "1")
    monkeypatch.delenv("TF_ENABLE_ONEDNN_OPTS", raising=False)
    generate(tmp_path / "raw", SynthOptions(series=36, min_length=20, max_length=40, seed=5))
    train, _, _, _ = prepare(tmp_path / "raw", data_config(["f3", "f4", "f5"], 2), 2)
    save_dataset(tmp_path / "train.npz", train)
    config = {
        "name": "cnn",
        "key": "CNN",
        "architecture": "cnn",
        "name_parameters": {"folder_name": "cnn", "model_name": "model_cnn.keras"},
        "model_parameters": {
            "activation_function": "relu",
            "filters": [8, 16],
            "kernel_size": 3,
            "pool_size": 2,
        },
        "training_parameters": {
            "epochs": 3,
            "batch_size": 8,
            "optimizer": "adam",
            "learning_rate": 0.004,
            "patience": 10,
        },
    }
    argv = [
        sys.executable,
        "-m",
        "ideko.runtime.steps.train",
        "--model-config",
        json.dumps(config),
        "--train-data",
        str(tmp_path / "train.npz"),
        "--seed",
        "2",
    ]
    epochs = {}
    for mode in ("warm", "process"):
        launcher = Launcher(mode, tmp_path)
        try:
            handle = launcher.launch(argv, {**os.environ, "PYTHONUNBUFFERED": "1"}, {})
            out = handle.stdout.read()
            assert handle.wait() == 0, out
        finally:
            launcher.close()
        assert isinstance(handle, WarmProcess if mode == "warm" else FreshProcess)
        epochs[mode] = [line for line in out.splitlines() if line.startswith("epoch=")]
    assert len(epochs["warm"]) == 3
    assert epochs["warm"] == epochs["process"]


def test_sigterm_to_the_tuner_stops_its_trials_and_the_warm_server(modules, tmp_path):
    """A runner stopping the tune step must not leave trials running in their sessions."""
    import subprocess

    import yaml

    document = fake_manifest()
    container = document["spec"]["trialTemplate"]["trialSpec"]["spec"]["template"]["spec"][
        "containers"
    ][0]
    container["args"] = ["q=${trialParameters.q}", "sleep=0.2", "epochs=300"]
    (tmp_path / "exp.yaml").write_text(yaml.safe_dump(document))
    tuner = subprocess.Popen(
        [sys.executable, "-m", "ideko.cli.main", "tune", "exp.yaml", "--out", "out", "--quiet"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    logs = [tmp_path / "out" / "trials" / f"{i}.log" for i in (1, 2)]
    deadline = time.monotonic() + 60
    pids: list[tuple[int, int]] = []
    while time.monotonic() < deadline and len(pids) < 2:
        pids = []
        for log in logs:
            for line in log.read_text().splitlines() if log.exists() else []:
                if line.startswith("ppid"):
                    words = line.split()
                    pids.append((int(words[1]), int(words[3])))
        time.sleep(0.1)
    assert len(pids) == 2, "trials did not start"
    tuner.send_signal(signal.SIGTERM)
    _, err = tuner.communicate(timeout=30)
    assert tuner.returncode == 130, err
    assert "running trials were stopped" in err
    for server, trial in pids:
        for pid in (server, trial):
            assert not wait_gone({pid}, 10, poll=0.1)[1], f"process {pid} outlived the tuner"


SERVE_HERE = """
import json, os, sys
from pathlib import Path

from hpo_helpers import ScriptedSuggester
from ideko.local.katib.tuner import TuneOptions, Tuner
from ideko.runtime.katib.experiment import plan_from_dict

document, out = json.loads(sys.argv[1]), Path(sys.argv[2])
seen = {}
for case, frozen in (("same", os.environ["FAKE_FROZEN"]), ("other", "b")):
    containers = document["spec"]["trialTemplate"]["trialSpec"]["spec"]["template"]["spec"]
    containers["containers"][0]["env"] = [{"name": "FAKE_FROZEN", "value": frozen}]
    options = TuneOptions(out_dir=out / case, show_progress=False, serve_here=True)
    tuner = Tuner(plan_from_dict(document), options, ScriptedSuggester([{"q": "0.8"}] * 2))
    launcher = tuner.launcher
    servers = []
    real = launcher._server

    def spy(plan, env, start=True, real=real):
        server = real(plan, env, start)
        if server is not None:
            status = Path(f"/proc/{server.pid}/status").read_text()
            ppid = next(line.split()[1] for line in status.splitlines() if line.startswith("PPid"))
            cmdline = Path(f"/proc/{server.pid}/cmdline").read_bytes().split(b"\\0")
            spawned = cmdline[1:3] == [b"-m", b"ideko.local.launch.fork_server"]
            servers.append((server.pid, int(ppid), not spawned))
        return server

    launcher._server = spy
    result = tuner.run()
    seen[case] = {"states": [t.state for t in result.trials], "servers": sorted(set(servers))}
print(json.dumps({"pid": os.getpid(), **seen}))
"""


def test_a_tune_steps_trial_server_is_a_fork_of_the_tuner_when_its_set_up_is_the_same(modules):
    """``serve_here`` (the tune step inside ``ideko run``): the trials' server is forked from
    the tuner process itself (its imports, here the fake's, kept: no second interpreter), so
    long as the trials' set-up variables are the tuner's; otherwise a fresh server, started
    with the first trial's environment, still serves every trial. Run in a child interpreter:
    the tuner must be single-threaded when it forks, which pytest's process need not be."""
    import json
    import subprocess
    from pathlib import Path

    helpers = Path(__file__).resolve().parents[1] / "katib"
    document = fake_manifest()
    document["spec"]["parallelTrialCount"] = 1
    document["spec"]["maxTrialCount"] = 2
    env = {**os.environ, "PYTHONPATH": f"{modules}{os.pathsep}{helpers}"}
    done = subprocess.run(
        [sys.executable, "-c", SERVE_HERE, json.dumps(document), str(modules / "out")],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.splitlines()[-1])
    for case in ("same", "other"):
        assert seen[case]["states"] == ["Succeeded", "Succeeded"], done.stderr
        [(server, parent, forked_here)] = seen[case]["servers"]  # one server for both trials
        assert parent == seen["pid"]
        assert forked_here is (case == "same")  # a fork keeps the tuner's `python -c`
        for number in (1, 2):
            log = (modules / "out" / case / "trials" / f"{number}.log").read_text()
            assert f"ppid {server} " in log and "preloaded True" in log
