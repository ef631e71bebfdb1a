"""bench/scale.py runs end to end (CI smoke test at N=2; no timing is asserted: CI machines vary)."""
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
