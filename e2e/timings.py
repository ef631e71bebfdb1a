"""Wall times of the install program (e2e/tests/install_program.py: every cluster's namespaces, CRDs,
Gateway API CRDs, issuer and webhook Secrets and the three charts) on the real tier, one stack for
all the clusters `scripts/e2e run` started:

    scripts/e2e run --clusters c1,c2,c3 -- .venv-e2e/bin/python e2e/timings.py

prints preview and `up` of a fresh stack, then preview and `up` with nothing to change, each with
its resource count and the ops planned, then destroys the stack. Compare with the model of
bench/live_mesh.py (`.venv/bin/python e2e/timings.py --model N`: the same latencies and slots the
README's "Time to a live mesh" table uses, for the program's install of N clusters without links).
"""
from __future__ import annotations

import collections
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "e2e" / "tests"), str(ROOT / "tests")]


def measure() -> None:
    from install_program import Install, program
    from real import Stack, delete_gateway_api_crds

    clusters = os.environ["LMC_E2E_CLUSTERS"].split(",")
    run = program(*[Install(c) for c in clusters])
    stack = Stack(f"timings-{len(clusters)}", run)
    rows = []
    try:
        for what, step in (("preview (first)", stack.preview), ("up (first)", stack.up),
                           ("preview (no change)", stack.preview), ("up (no change)", stack.up)):
            start = time.monotonic()
            plan = step()
            seconds = time.monotonic() - start
            ops = collections.Counter(plan.ops.values())
            rows.append((what, seconds, len(plan.ops), dict(ops)))
            print(f"{len(clusters)} clusters  {what:<20} {seconds:7.1f} s  {len(plan.ops):4d} resources  {dict(ops)}", flush=True)
    finally:
        start = time.monotonic()
        stack.destroy()
        stack.remove()
        print(f"{len(clusters)} clusters  destroy {time.monotonic() - start:7.1f} s", flush=True)
        for c in clusters:
            delete_gateway_api_crds(c)


def model(n: int) -> None:
    """bench/live_mesh.py's prediction for the program's install of n clusters, no links."""
    from bench import live_mesh
    from bench.scale import mesh_config, mesh_world
    from harness.program import run_program

    config = mesh_config(n, 0)
    config["links"] = []
    run = run_program(config, stack="bench", world=mesh_world(n, 0))
    tasks = live_mesh.tasks_from_run(run)
    bounded = live_mesh.simulate(tasks, live_mesh.DEFAULT_PARALLEL).makespan
    unbounded = live_mesh.simulate(tasks, None).makespan
    kinds = collections.Counter(t.latency_class for t in tasks if t.slot)
    print(f"model {n} clusters: {len(run.monitor.registrations)} resources, {sum(t.slot for t in tasks)} steps; "
          f"up {bounded:.0f} s at --parallel {live_mesh.DEFAULT_PARALLEL}, {unbounded:.0f} s unbounded")
    print("  steps by latency class:", dict(sorted(kinds.items())))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--model":
        model(int(sys.argv[2]))
    else:
        measure()
