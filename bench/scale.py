"""How the program's evaluation scales with the number of clusters, against the Pulumi SDK's own cost.

    .venv/bin/python bench/scale.py --clusters 2,5,10,20 [--services 10]

For each N it runs, each in a fresh Python process so that no measurement inherits another's heap,
caches or certificate state:
- *program*: the real `__main__.py` under the test harness's mocks (tests/harness), for a full mesh
  of N clusters (every cluster links to every other, N·(N-1) links), each exporting `--services`
  Services;
- *baseline* (`--baseline typed`, the default): a minimal Pulumi program under the same mocks and
  the same recording monitor that registers the SAME resources the program registered at that N,
  with the bare SDK: every provider, custom resource, read and Chart the program's run recorded
  (its components aside: grouping is the program's own cost), each as the typed class of its type
  (`pulumi_kubernetes`, `pulumi_tls`, `pulumi_command`) with the recorded inputs, on an explicit
  provider where the program used one, and no dependencies between them. The program's run writes
  that workload to a file the baseline reads, so the counts per type are the program's own. The
  ratio is then the program's overhead over the SDK's cost for its resources (issue 13: ≤ 1.2× at
  N ≥ 5);
- `--baseline plain` (issue 6's): as many plain custom resources (`bench:index:Plain`, no inputs
  to speak of) as the program registered, the SDK's floor for that many registrations of any kind.

Measured per run (imports of pulumi, the harness and the program's modules done beforehand, and
reported separately, so that both sides time only the evaluation; modules that pulumi_kubernetes
loads lazily on first use are imported *during* the program's run and so are part of its time,
shown separately from `python -X importtime`):
- wall time: `time.perf_counter()` around the run;
- memory: `resource.getrusage().ru_maxrss` (the process's peak resident set) after the run, minus
  the resident set just before it (`/proc/self/statm`): what the run added at its peak. tracemalloc
  is not used because it slows every allocation and would distort the timing.

It then prints the critical path of the program's dependency graph (bench/graph.py) for every N.
The exit status is non-zero if the program or the baseline raised; missed targets are reported,
not turned into a failure (CI runs this as a smoke test, on machines of unknown speed).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
for _path in (ROOT / "tests", ROOT):  # ROOT ends up first: `components` and `bench` resolve here
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

RESULT_MARK = "BENCH-RESULT "
RUN_MARK = "BENCH-RUN-START"
"""Written to stderr when the timed run starts: `-X importtime` lines after it are imports the run
triggered."""
KUBECONFIG = ROOT / "tests" / "fixtures" / "kubeconfig.yaml"

# The targets, checked (and reported) after the runs: issue 13's against the typed baseline,
# issue 6's against plain resources.
MAX_RATIO = {"typed": 1.2, "plain": 1.5}
MIN_N_FOR_RATIO = {"typed": 5, "plain": 1}
MAX_SECONDS_AT_20 = 10.0


# -- the workload ---------------------------------------------------------------------------------
def cluster_names(n: int) -> list[str]:
    width = max(2, len(str(n)))
    return [f"c{i:0{width}d}" for i in range(1, n + 1)]


def mesh_config(n: int, services: int) -> dict[str, Any]:
    """Stack config (top-level key -> object) of a full mesh of `n` clusters in one stack.

    Every cluster has a fixed API address and gateway address, so neither a kubeconfig context nor
    an emulated LoadBalancer is needed for arbitrary cluster names.
    """
    names = cluster_names(n)
    clusters = {
        name: {
            "context": name,
            "apiServerAddress": f"https://10.{i // 256}.{i % 256}.1:6443",
            "gateway": {"addresses": [f"10.{i // 256}.{i % 256}.2"]},
            "exports": [{"namespace": "app", "service": f"svc{j}"} for j in range(services)],
        }
        for i, name in enumerate(names)
    }
    links = [{"source": s, "target": t} for s in names for t in names if s != t]
    return {"clusters": clusters, "links": links}


def mesh_world(n: int, services: int):
    """The emulated clusters: each already runs the application Services the config exports
    (the mocks refuse to patch a Service that does not exist, as the Kubernetes API would)."""
    from harness.mocks import World

    return World(application_services={
        name: {f"app/svc{j}" for j in range(services)} for name in cluster_names(n)
    })


# -- measurement, inside a worker process ----------------------------------------------------------
def _rss_bytes() -> int:
    """Current resident set size; falls back to the peak where /proc is unavailable."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return _peak_rss_bytes()


def _peak_rss_bytes() -> int:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # bytes on macOS, KiB on Linux


def _measure(run) -> dict[str, Any]:
    print(RUN_MARK, file=sys.stderr, flush=True)
    before = _rss_bytes()
    start = time.perf_counter()
    value = run()
    seconds = time.perf_counter() - start
    peak = _peak_rss_bytes()
    return {"seconds": seconds, "peak_rss": peak, "delta_rss": max(0, peak - before), "value": value}


def workload(registrations) -> list[dict[str, Any]]:
    """What the typed baseline registers: the program's providers, custom resources, reads and
    remote components (charts), with their plain inputs, in registration order."""
    from bench.graph import is_node

    return [
        {"typ": r.typ, "name": r.name, "read": r.read, "read_id": r.read_id, "provider": r.provider_name,
         "inputs": r.inputs}
        for r in registrations if is_node(r)
    ]


def worker_program(n: int, services: int, workload_out: str | None = None) -> dict[str, Any]:
    start = time.perf_counter()
    from harness.program import run_program  # noqa: E402  (pulumi, harness)
    import components.mesh  # noqa: F401,E402  (pulumi_kubernetes, pulumi_tls, pydantic)
    imports = time.perf_counter() - start

    config, world = mesh_config(n, services), mesh_world(n, services)
    m = _measure(lambda: run_program(config, stack="bench", world=world))
    registrations = m.pop("value").monitor.registrations

    from bench.graph import critical_path, is_node

    path = critical_path(registrations)
    if workload_out:
        Path(workload_out).write_text(json.dumps(workload(registrations)))
    return {
        **m,
        "imports": imports,
        "resources": len(registrations),
        "types": _type_counts([r for r in registrations if is_node(r)]),
        "critical_path": [node.describe() for node in path],
    }


def worker_baseline(count: int) -> dict[str, Any]:
    start = time.perf_counter()
    import pulumi
    from pulumi.runtime import settings

    from harness.mocks import MeshMocks, World
    from harness.program import PROJECT
    from harness.recording import RecordingMonitor
    imports = time.perf_counter() - start

    def run() -> RecordingMonitor:
        # The same set-up as harness.program.run_program, minus the program.
        settings.ROOT.set(None)
        mocks = MeshMocks(world=World())
        monitor = RecordingMonitor(mocks)
        pulumi.runtime.set_mocks(mocks, project=PROJECT, stack="bench", preview=False, monitor=monitor)

        @pulumi.runtime.test
        async def execute():
            resources = [
                pulumi.CustomResource("bench:index:Plain", f"plain-{i}", {"index": i}) for i in range(count)
            ]
            # Wait for every registration, as run_program waits for the stack's outputs.
            await pulumi.Output.all(*(r.urn for r in resources)).future()

        execute()
        return monitor

    m = _measure(run)
    monitor = m.pop("value")
    return {**m, "imports": imports, "resources": len(monitor.registrations)}


def worker_typed_baseline(workload_path: str, n: int, services: int) -> dict[str, Any]:
    start = time.perf_counter()
    import harness.program
    from harness.engine import Engine
    import bench.typed_program  # noqa: F401  (pulumi_kubernetes, pulumi_tls, pulumi_command)
    imports = time.perf_counter() - start

    # The same harness as the program's run (run_program: the engine model over the mocks), with
    # bench/typed_program.py in place of __main__.py, so that both sides pay the same harness costs.
    engine = Engine(world=mesh_world(n, services))
    engine.init("bench")
    os.environ[bench.typed_program.WORKLOAD_ENV] = workload_path
    harness.program.MAIN = Path(bench.typed_program.__file__)
    m = _measure(lambda: engine.up("bench", {}, skip_preview=True))
    registrations = m.pop("value").monitor.registrations
    return {**m, "imports": imports, "resources": len(registrations), "types": _type_counts(registrations)}


def _type_counts(registrations) -> dict[str, int]:
    from collections import Counter

    return dict(Counter(f"{r.typ}{' (read)' if r.read else ''}" for r in registrations))


def _worker_main(args: argparse.Namespace) -> int:
    try:
        if args.worker == "program":
            result = worker_program(args.n, args.services, args.workload)
        elif args.worker == "typed":
            result = worker_typed_baseline(args.workload, args.n, args.services)
        else:
            result = worker_baseline(args.count)
    except BaseException:  # noqa: BLE001 - report anything, the parent decides the exit status
        traceback.print_exc()
        return 1
    print(RESULT_MARK + json.dumps(result), flush=True)
    return 0


# -- orchestration, in the parent process -----------------------------------------------------------
class WorkerFailed(RuntimeError):
    pass


def _worker_env() -> dict[str, str]:
    # As the tests do: no PULUMI_K8S_* from the developer's shell, and the fixture kubeconfig, so
    # that nothing on this machine changes the work the program does.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULUMI_K8S_")}
    env["KUBECONFIG"] = str(KUBECONFIG)
    env["PYTHONHASHSEED"] = "0"
    return env


def imports_during_run(stderr: str) -> float:
    """Seconds spent importing modules after RUN_MARK, from `-X importtime` output (top-level
    entries only: nested ones are included in their parent's cumulative time)."""
    _, found, after = stderr.partition(RUN_MARK)
    total_us = 0
    for line in after.splitlines() if found else []:
        if not line.startswith("import time:"):
            continue
        fields = line[len("import time:"):].split("|")
        if len(fields) == 3 and not fields[2].startswith("  ") and fields[1].strip().isdigit():
            total_us += int(fields[1])  # `| name` has one space; nested imports are indented more
    return total_us / 1e6


def run_worker(*worker_args: str) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", str(Path(__file__).resolve()), *worker_args],
        capture_output=True, text=True, env=_worker_env(), cwd=ROOT,
    )
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(RESULT_MARK):
            if proc.returncode == 0:
                return {**json.loads(line[len(RESULT_MARK):]), "lazy_imports": imports_during_run(proc.stderr)}
            break
    stderr = "\n".join(l for l in proc.stderr.splitlines() if not l.startswith("import time:") and l != RUN_MARK)
    raise WorkerFailed(
        f"`{' '.join(worker_args)}` exited with {proc.returncode}:\n{stderr.strip() or proc.stdout.strip()}"
    )


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return "?"


def _mib(n: float) -> float:
    return n / (1024 * 1024)


def _ratio(a: float, b: float) -> float:
    return a / b if b > 0 else float("inf")


COLUMNS = [
    ("N", ">4"), ("resources", ">9"), ("program s", ">9"), ("baseline s", ">10"), ("time ×", ">7"),
    ("program MiB", ">11"), ("baseline MiB", ">12"), ("mem ×", ">6"), ("peak RSS MiB", ">12"),
    ("critical path", ">13"),
]


def _row(values: list[str]) -> str:
    return "  ".join(format(v, spec) for v, (_, spec) in zip(values, COLUMNS))


def report(results: list[tuple[int, dict, dict]], services: int, baseline: str = "typed") -> list[str]:
    """The table, the critical paths and the targets, as lines."""
    lines = [
        _row([name for name, _ in COLUMNS]),
        "  ".join("-" * len(format(name, spec)) for name, spec in COLUMNS),
    ]
    for n, prog, base in results:
        lines.append(_row([
            str(n), str(prog["resources"]),
            f"{prog['seconds']:.2f}", f"{base['seconds']:.2f}", f"{_ratio(prog['seconds'], base['seconds']):.2f}",
            f"{_mib(prog['delta_rss']):.1f}", f"{_mib(base['delta_rss']):.1f}",
            f"{_ratio(prog['delta_rss'], base['delta_rss']):.2f}",
            f"{_mib(prog['peak_rss']):.0f}/{_mib(base['peak_rss']):.0f}",
            str(len(prog["critical_path"])),
        ]))
    def per_n(key: str, side: int = 1) -> str:
        return ", ".join(f"{r[side][key]:.2f} s" for r in results)

    lines += [
        "",
        f"workload: N clusters in one stack, full mesh (N·(N-1) links), {services} exported Services each.",
        *(["baseline (typed): the program's own providers, custom resources, reads and charts, each as its",
           "  typed class with the recorded inputs and explicit provider, no dependencies, bare Pulumi SDK",
           f"  ({', '.join(str(r[2]['resources']) for r in results)} registrations: the program's, less its components),",
           "  under the same harness (the test engine model over the mocks, recording monitor):",
           "  the SDK's own cost for the program's resources. × = program / baseline."]
          if baseline == "typed" else
          ["baseline (plain): as many plain custom resources (no dependencies) registered with the bare",
           "  Pulumi SDK, under the same mocks and recording monitor (no engine model). × = program / baseline."]),
        "s: wall time of the evaluation (time.perf_counter), each side in a fresh process.",
        f"  Imports before the run are excluded (program: {per_n('imports')}); modules first imported",
        f"  during the run are included (program: {per_n('lazy_imports')}; baseline: {per_n('lazy_imports', 2)}).",
        "MiB: peak RSS during the run (getrusage ru_maxrss) minus the RSS just before it;",
        "  peak RSS MiB: the whole process's peak, program/baseline.",
    ]
    for n, prog, _ in results:
        path = prog["critical_path"]
        lines += ["", f"critical path (N={n}): {len(path)} resources"]
        lines += [f"  {i:>2}. {step}" for i, step in enumerate(path, 1)]

    lines += ["", "targets:"]
    limit, from_n = MAX_RATIO[baseline], MIN_N_FOR_RATIO[baseline]
    where = "every N" if from_n <= 1 else f"N ≥ {from_n}"
    judged = [r for r in results if r[0] >= from_n]
    if judged:
        worst = max(judged, key=lambda r: _ratio(r[1]["seconds"], r[2]["seconds"]))
        ratio = _ratio(worst[1]["seconds"], worst[2]["seconds"])
        lines.append(f"  time ≤ {limit}× {baseline} baseline at {where}: {'met' if ratio <= limit else 'MISSED'} "
                     f"(worst {ratio:.2f}× at N={worst[0]})")
        worst_mem = max(judged, key=lambda r: _ratio(r[1]["delta_rss"], r[2]["delta_rss"]))
        mem_ratio = _ratio(worst_mem[1]["delta_rss"], worst_mem[2]["delta_rss"])
        lines.append(f"  memory ≤ {limit}× {baseline} baseline at {where}: {'met' if mem_ratio <= limit else 'MISSED'} "
                     f"(worst {mem_ratio:.2f}× at N={worst_mem[0]})")
    else:
        lines.append(f"  time and memory ≤ {limit}× {baseline} baseline at {where}: not judged (no such N run)")
    at_20 = [p for n, p, _ in results if n == 20]
    if at_20:
        s = at_20[0]["seconds"]
        lines.append(f"  N=20 in < {MAX_SECONDS_AT_20:.0f} s: {'met' if s < MAX_SECONDS_AT_20 else 'MISSED'} "
                     f"({s:.2f} s on {os.cpu_count()} CPUs)")
    lengths = sorted({len(p["critical_path"]) for _, p, _ in results})
    lines.append(f"  critical path independent of N: {'met' if len(lengths) == 1 else 'MISSED'} "
                 f"(lengths {', '.join(map(str, lengths))})")
    return lines


def cluster_counts(parser: argparse.ArgumentParser, text: str) -> list[int]:
    """`--clusters 2,5,10,20` as integers; a usage error (exit 2) otherwise."""
    try:
        counts = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        parser.error(f"--clusters: {text!r} is not a comma-separated list of integers")
    if not counts or min(counts) < 1:
        parser.error("--clusters: give at least one cluster count, each at least 1")
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clusters", default="2,5,10,20", help="comma-separated cluster counts (default 2,5,10,20)")
    parser.add_argument("--services", type=int, default=10, help="exported services per cluster (default 10)")
    parser.add_argument("--baseline", choices=["typed", "plain"], default="typed",
                        help="typed: the program's own resources as typed classes, bare SDK (default); "
                             "plain: as many plain custom resources")
    # Internal: one measurement in this (fresh) process.
    parser.add_argument("--worker", choices=["program", "typed", "baseline"], help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--workload", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return _worker_main(args)

    counts = cluster_counts(parser, args.clusters)
    if args.services < 0:
        parser.error("--services must not be negative")

    print(f"linkerd-multicluster scale benchmark: Python {platform.python_version()}, "
          f"pulumi {_version('pulumi')}, pulumi-kubernetes {_version('pulumi-kubernetes')}, "
          f"{os.cpu_count()} CPUs, {platform.platform()}")
    results: list[tuple[int, dict, dict]] = []
    for n in counts:
        with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
            workload_file = str(Path(tmp) / "workload.json")
            try:
                prog = run_worker("--worker", "program", "--n", str(n), "--services", str(args.services),
                                  "--workload", workload_file)
                if args.baseline == "typed":
                    base = run_worker("--worker", "typed", "--workload", workload_file, "--n", str(n),
                                      "--services", str(args.services))
                else:
                    base = run_worker("--worker", "baseline", "--count", str(prog["resources"]))
            except WorkerFailed as e:
                print(f"\nN={n}: {e}", file=sys.stderr)
                return 1
        # The comparison would be meaningless if the baseline registered other resources.
        expected = prog["types"] if args.baseline == "typed" else None
        if (base["types"] != expected) if expected is not None else (base["resources"] != prog["resources"]):
            print(f"\nN={n}: the {args.baseline} baseline registered other resources than the program: "
                  f"{base.get('types') or base['resources']} vs {expected or prog['resources']}", file=sys.stderr)
            return 1
        print(f"  N={n}: {prog['resources']} resources, program {prog['seconds']:.2f} s, "
              f"baseline {base['seconds']:.2f} s", flush=True)
        results.append((n, prog, base))
    print()
    print("\n".join(report(results, args.services, args.baseline)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
