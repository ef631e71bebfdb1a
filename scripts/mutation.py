"""Mutation testing with mutmut (3.x), one module at a time, each against the tests that exercise it.

Why one run per module in a scratch copy: mutmut runs, for each mutant, the tests that called the
mutated function while it collected its statistics. Nearly every test runs the whole program, so
without a narrower selection each mutant of a certificate check would rerun hundreds of program
runs. Each module below names the test files whose job is to check what that module decides; mutmut
then picks, among those, the tests that reach the mutated function. Working in a copy keeps
mutmut's `mutants/` folder and its config out of the work tree.

Why `process_isolation = forkserver`: the test modules cache whole program runs
(`functools.cache`); forking each mutant from a process that already ran the tests would reuse
those runs and let every mutant pass. The fork server only collects the tests, so every mutant
starts with empty caches.

Counting: killed = mutmut's "killed" and "timeout" (the tests stopped the mutant); a mutant listed
in tests/mutation_equivalents.md (with the reason it cannot change behaviour) counts as
equivalent; every other outcome (survived, no tests, suspicious) is a survivor and is printed.
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EQUIVALENTS = ROOT / "tests" / "mutation_equivalents.md"

# module -> the test files that check what it decides (what reaches the cluster, what the user is told)
MODULES: dict[str, list[str]] = {
    "cert_checks": ["tests/test_trust_checks.py", "tests/test_trust_lifecycle.py", "tests/test_config.py"],
    "config/supplied_certs": ["tests/test_trust_checks.py", "tests/test_trust_lifecycle.py", "tests/test_config.py"],
    "trust": ["tests/test_trust_checks.py", "tests/test_trust_lifecycle.py", "tests/test_config.py"],
    # test_trust_across_stacks.py's tests of the protocol (not its link removals, which check
    # link.py and access.py): its three-stack mesh is deployed once per mutant (about 10 s), its
    # rotations take 15 s each, and mutmut runs the slow ones last, only for a mutant the rest missed
    "trust_exchange": ["tests/test_trust_checks.py", "tests/test_trust_attacks.py"] + [
        f"tests/test_trust_across_stacks.py::{t}" for t in (
            "test_no_private_key_in_any_output_and_no_stack_holds_another_stacks_key",
            "test_a_member_publishes_a_request_for_its_own_key_and_installs_the_certificate_east_signed",
            "test_a_member_refuses_a_certificate_signed_for_another_key_and_keeps_its_issuer",
            "test_a_member_with_a_supplied_issuer_of_another_anchor_installs_nothing",
            "test_three_step_anchor_rotation_goes_through_every_stack_without_breaking_mtls",
            "test_the_anchors_stack_holds_back_each_step_while_a_member_lags_and_names_it",
            "test_finishing_is_refused_while_a_member_runs_on_an_issuer_of_the_old_anchor",
            "test_a_member_keeps_its_installed_key_until_the_anchors_stack_signed_the_new_one",
            "test_the_anchors_stack_signs_only_usable_requests_for_the_members_own_clusters",
            "test_a_member_deployed_before_the_protocol_keeps_its_running_issuer_until_east_signs",
        )],
    "access": ["tests/test_remote_access.py", "tests/test_graph.py"],
    # the unlink (mirror cleanup, what goes and in which order) is test_topology's, the gateway
    # fields of other gateways test_gateways', the wait annotations next to created-by
    # test_link_health's, the Link's fields (the CRD's schema, the gateway identity) test_upstream_conformance's
    "link": ["tests/test_remote_access.py", "tests/test_stacks.py", "tests/test_graph.py",
             "tests/test_topology.py::TestChangingTheMesh::test_removing_a_link_deletes_exactly_its_objects_in_order",
             "tests/test_topology.py::TestChangingTheMesh::test_mirror_cleanup_deletes_what_the_controller_leaves_behind",
             "tests/test_gateways.py::TestBundledGateway", "tests/test_gateways.py::TestNoGateway",
             "tests/test_link_health.py::TestHealthyLink",
             "tests/test_upstream_conformance.py::test_links_validate_against_the_v1alpha3_schema",
             "tests/test_upstream_conformance.py::test_link_identity_is_the_one_the_chart_annotates"],
    # a missing Service and a removed export are test_day2's, the labels of the other modes test_gateways'
    "exports": ["tests/test_remote_access.py", "tests/test_stacks.py", "tests/test_graph.py",
                "tests/test_day2.py::TestPatches", "tests/test_gateways.py::TestNoGateway::test_export_modes_use_their_labels"],
    "values": ["tests/test_stacks.py", "tests/test_upstream_conformance.py"],
    "link_health": ["tests/test_link_health.py"],
}

# What the tests read besides components/ and tests/ (mutmut copies only what it is told to).
ALSO_COPY = ["__main__.py", "Pulumi.yaml", "Pulumi.east.yaml", "Pulumi.west.yaml", "README.md", "docs/", "examples/",
             "policy/", "bench/", "tools/", "scripts/", "requirements.txt", "requirements-dev.txt", ".github/"]

KILLED = {"killed", "timeout"}
_MUTANT = re.compile(r"`(components\.[^`\s]+__mutmut_\d+)`")


def listed_equivalents() -> set[str]:
    if not EQUIVALENTS.exists():
        return set()
    return set(_MUTANT.findall(EQUIVALENTS.read_text()))


def scratch_copy(dest: Path) -> None:
    """The work tree as git sees it (tracked and new files, nothing ignored), plus the virtualenv."""
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, check=True,
                           capture_output=True).stdout.decode().split("\0")
    for name in filter(None, files):
        src = ROOT / name
        if src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)
    (dest / ".venv").symlink_to((ROOT / ".venv").resolve())


def config(module: str, tests: list[str]) -> str:
    lines = ["[mutmut]", "source_paths = components/", f"only_mutate = components/{module}.py",
             "also_copy ="] + [f"    {p}" for p in ALSO_COPY]
    lines += ["process_isolation = forkserver",
              # test order is pytest-randomly's business in scripts/test; here it would only add noise
              "pytest_add_cli_args =", "    -p", "    no:randomly", "    -p", "    no:cacheprovider",
              "pytest_add_cli_args_test_selection ="] + [f"    {t}" for t in tests]
    return "\n".join(lines) + "\n"


def run_module(module: str, tests: list[str], max_children: int, log) -> dict[str, tuple[str, str]]:
    """{mutant: (status, diff)} of one module's mutants."""
    with tempfile.TemporaryDirectory(prefix=f"mutation-{module.replace('/', '-')}-") as tmp:
        work = Path(tmp)
        scratch_copy(work)
        (work / "setup.cfg").write_text(config(module, tests))
        mutmut = str(ROOT / ".venv" / "bin" / "mutmut")
        started = time.monotonic()
        proc = subprocess.run([mutmut, "run", "--max-children", str(max_children)], cwd=work,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        log.write(proc.stdout.decode(errors="replace").replace("\r", "\n"))
        print(f"  {module}: mutmut run took {time.monotonic() - started:.0f}s (exit {proc.returncode})", flush=True)
        listing = subprocess.run([mutmut, "results", "--all", "true"], cwd=work, capture_output=True, text=True)
        found: dict[str, tuple[str, str]] = {}
        for line in listing.stdout.splitlines():
            name, _, status = line.strip().rpartition(": ")
            if name.startswith("components."):
                found[name] = (status, "")
        if not found:
            raise SystemExit(f"scripts/mutation: mutmut produced no results for {module}; see the log")
        for name, (status, _) in list(found.items()):
            if status not in KILLED:
                diff = subprocess.run([mutmut, "show", name], cwd=work, capture_output=True, text=True).stdout
                found[name] = (status, diff)
        return found


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="scripts/mutation", description=__doc__.split("\n")[0])
    parser.add_argument("modules", nargs="*", help=f"modules of components/ (default: {' '.join(MODULES)})")
    parser.add_argument("--max-children", type=int, default=2, help="mutants tested in parallel (default 2)")
    parser.add_argument("--report", default="mutation-report", help="folder for the report (default mutation-report)")
    args = parser.parse_args(argv)
    unknown = [m for m in args.modules if m not in MODULES]
    if unknown:
        parser.error(f"not a mutated module: {', '.join(unknown)} (choose from {', '.join(MODULES)})")
    modules = args.modules or list(MODULES)
    report = Path(args.report)
    report.mkdir(parents=True, exist_ok=True)

    results: dict[str, dict[str, tuple[str, str]]] = {}
    with open(report / "mutmut.log", "w") as log:
        for module in modules:
            print(f"mutating components/{module}.py against {' '.join(MODULES[module])}", flush=True)
            results[module] = run_module(module, MODULES[module], args.max_children, log)

    equivalents = listed_equivalents()  # read now: the file may be edited while mutmut runs
    lines, summary, survivors_total = [], {}, 0
    totals = {"total": 0, "killed": 0, "equivalent": 0}
    for module, found in results.items():
        killed = [n for n, (s, _) in found.items() if s in KILLED]
        equivalent = [n for n, (s, _) in found.items() if s not in KILLED and n in equivalents]
        survivors = {n: v for n, v in found.items() if v[0] not in KILLED and n not in equivalents}
        survivors_total += len(survivors)
        summary[module] = {"total": len(found), "killed": len(killed), "equivalent": len(equivalent),
                           "survived": len(survivors)}
        for k in totals:
            totals[k] += summary[module][k]
        for name, (status, diff) in sorted(survivors.items()):
            lines.append(f"SURVIVED ({status}) {name}\n{diff.rstrip()}\n")

    def score(s: dict) -> str:
        scored = s["total"] - s["equivalent"]
        pct = 100.0 * s["killed"] / scored if scored else 100.0
        return f"{s['killed']}/{scored} killed ({pct:.1f} %), {s['equivalent']} listed as equivalent, {s['total']} mutants"

    out = ["Mutation score (mutmut; equivalents: tests/mutation_equivalents.md)"]
    out += [f"  {m:15} {score(s)}" for m, s in summary.items()]
    out += [f"  {'all':15} {score(totals)}", ""]
    out += lines or ["No survivors outside tests/mutation_equivalents.md."]
    text = "\n".join(out) + "\n"
    (report / "report.txt").write_text(text)
    (report / "summary.json").write_text(json.dumps({"modules": summary, "all": totals}, indent=2) + "\n")
    print(text)
    return 1 if survivors_total else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
