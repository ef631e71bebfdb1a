"""bench/scale.py runs end to end (CI smoke test at N=2, typed baseline by default; no timing is asserted: CI machines vary)."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from bench import scale

ROOT = Path(__file__).resolve().parents[1]
COLUMNS = ["N", "resources", "program s", "baseline s", "time ×", "program MiB", "baseline MiB", "mem ×",
           "peak RSS MiB", "critical path"]


def test_scale_script_at_two_clusters():
    proc = subprocess.run(
        [sys.executable, "bench/scale.py", "--clusters", "2", "--services", "2"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    header = next(line for line in out.splitlines() if line.lstrip().startswith("N  resources"))
    assert all(col in header for col in COLUMNS), header

    row = re.search(r"^\s+2\s+(\d+)\s+[\d.]+\s+[\d.]+\s+[\d.]+\s", out, re.MULTILINE)
    assert row, out
    assert int(row.group(1)) > 0

    found = re.search(r"^critical path \(N=2\): (\d+) resources$", out, re.MULTILINE)
    assert found, out
    steps = re.findall(r"^\s+\d+\. (\S+) (\S+)", out[found.end():], re.MULTILINE)
    assert len(steps) == int(found.group(1)) > 1
    assert steps[0][0] == "tls:index/privateKey:PrivateKey"
    assert steps[-1][0] == "kubernetes:multicluster.linkerd.io/v1alpha3:Link"
    assert "targets:" in out


def test_a_failing_program_run_fails_the_worker():
    # Zero clusters: the program's config validation raises, as any program error would.
    proc = subprocess.run(
        [sys.executable, "bench/scale.py", "--worker", "program", "--n", "0", "--services", "1"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 1
    assert "list at least one cluster" in proc.stderr
    assert scale.RESULT_MARK not in proc.stdout


def test_a_failing_worker_fails_the_script(monkeypatch, capsys):
    def failing(*args: str):
        raise scale.WorkerFailed("`--worker program` exited with 1:\nTraceback ...")

    monkeypatch.setattr(scale, "run_worker", failing)
    assert scale.main(["--clusters", "2", "--services", "1"]) == 1
    assert "exited with 1" in capsys.readouterr().err


def test_typed_floor_script_runs():
    """bench/typed_floor.py (the README's typed-resource floor) runs; no timing assertions."""
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[1] / "bench" / "typed_floor.py"
    out = subprocess.run([sys.executable, str(script), "--count", "3"], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "3 plain custom resources:" in out.stdout and "3 typed Kubernetes Secrets:" in out.stdout


def test_the_typed_baseline_has_a_typed_class_for_every_type_the_program_registers():
    """The typed baseline registers the program's own resources; a type it cannot build would make
    the comparison meaningless, so the benchmark refuses it (here: caught before any timing)."""
    from bench import typed_program
    from harness.program import run_program

    run = run_program(scale.mesh_config(2, 1), stack="bench", world=scale.mesh_world(2, 1))
    entries = scale.workload(run.monitor.registrations)
    factories = typed_program._typed_factories()
    missing = {e["typ"] for e in entries if not e["read"]} - factories.keys()
    assert missing == set()
    assert {e["typ"] for e in entries if e["read"]} == {"kubernetes:core/v1:Service"}
    # Components are the program's own cost, not the SDK's: not part of the workload.
    assert not any(e["typ"].startswith("linkerd-multicluster:") for e in entries)
    assert len(entries) < len(run.monitor.registrations)


def test_a_baseline_registering_other_resources_fails_the_script(monkeypatch, capsys):
    def worker(*args: str):
        if "program" in args:
            return {"resources": 3, "types": {"a": 2, "b": 1}, "seconds": 1.0}
        return {"resources": 3, "types": {"a": 3}, "seconds": 1.0}

    monkeypatch.setattr(scale, "run_worker", worker)
    assert scale.main(["--clusters", "2", "--services", "1"]) == 1
    assert "other resources than the program" in capsys.readouterr().err
