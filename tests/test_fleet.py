"""`fleet` on the engine model: the order logic drives real runs of the program across per-cluster
stacks (two, three and five; hub and full mesh) until every preview is empty, and each sequence of
`up`s it runs is the one docs/fleet.md documents, or the fewest the protocol allows where it has none.

Each scenario asserts the exact sequence of `up`s (an order defect costs an `up` or a stall), that
the mesh is whole at the end (every link established, every preview empty), and where the order
matters for trust, what each cluster installed.
"""
from __future__ import annotations

import copy
import re
from typing import Any, Optional

import pytest

from components.config.loader import parse
from fleet import commands, pr_comment, summary
from fleet.cli import duration_seconds, main, make_pause
from fleet.converge import FleetError, Progress, converge
from fleet.model import first_deployment
from fleet.order import deploy_order, held_back, rotation_plan, step_edits
from fleet.runner import Result
from fleet.stacks import Fleet, from_configs
from harness.engine import Engine
from harness.fleet_runner import EngineRunner
from harness.once import once_per_process
from harness.program import ROOT, config_file
from test_topology import cluster

THREE = ROOT / "examples" / "three-clusters"
FLEET_PAGE = (ROOT / "docs" / "fleet.md").read_text()
"""docs/fleet.md: what `fleet` runs (the table of sequences)."""
STACKS_PAGE = (ROOT / "docs" / "stacks.md").read_text()
"""docs/stacks.md: the same orders by hand."""


class Scenario:
    """Stacks on one engine-model backend, their configs in memory, and the fleet over them."""

    def __init__(self, configs: dict[str, dict[str, Any]], organization: str = "organization"):
        self.engine = Engine(organization=organization)
        self.runner = EngineRunner(self.engine, configs)
        self.lines: list[str] = []

    def fleet(self, *names: str) -> Fleet:
        wanted = names or tuple(self.runner.configs)
        return from_configs({n: parse(copy.deepcopy(self.runner.configs[n])) for n in wanted})

    def up(self, *names: str) -> list[str]:
        before = len(self.runner.ups())
        commands.up(self.runner, self.fleet(*names), progress=Progress(self.lines.append), write=self.lines.append)
        return self.runner.ups()[before:]

    def rotate(self, steps: Optional[list[str]], *names: str) -> list[str]:
        before = len(self.runner.ups())
        commands.rotate(self.runner, self.fleet(*names), steps, progress=Progress(self.lines.append),
                        pause=lambda step, todo: True, write=self.lines.append)
        return self.runner.ups()[before:]

    def outputs(self, stack: str) -> dict[str, Any]:
        return self.engine.stacks[self.engine.fq(stack)].outputs

    def assert_whole(self, *names: str) -> None:
        """Every configured link established, and no stack's preview shows a change."""
        for stack in names or tuple(self.runner.configs):
            links = self.outputs(stack)["links"]
            assert links and all(l["established"] for l in links if l["installedHere"]), (stack, links)
            assert not self.runner.preview(stack).has_changes, stack


def example(*names: str) -> dict[str, dict[str, Any]]:
    return {n: config_file(THREE / f"Pulumi.{n}.yaml") for n in names}


# -- the documented sequences (docs/fleet.md) ---------------------------------------------------------------------

def documented() -> dict[str, list[str]]:
    """docs/fleet.md's table of what `fleet` runs: change -> the `up`s, in order."""
    rows = re.findall(r"^\| (?P<change>[^|]+?) \| `scripts/fleet [^`]+` \| (?P<ups>[a-z, ()×0-9]+) \|$", FLEET_PAGE, re.M)
    out = {}
    for change, ups in rows:
        m = re.fullmatch(r"\((.*)\) × ([0-9])", ups)
        out[change] = [s.strip() for s in (m.group(1) if m else ups).split(",")] * (int(m.group(2)) if m else 1)
    return out


def test_the_docs_document_every_sequence_the_tests_run():
    assert set(documented()) == set(SEQUENCES), sorted(documented())


# Each sequence below is run once per test process (harness/once.py) and every caller gets a deep copy
# of the scenario it left: the parametrized test of the documented sequences and the tests of what a
# sequence installs share one run of it, and the sequences that start from the three stacks'
# first deployment start from a copy of it.

@once_per_process
def first_two() -> tuple[Scenario, list[str]]:
    s = Scenario({"east": config_file(ROOT / "Pulumi.east.yaml"), "west": config_file(ROOT / "Pulumi.west.yaml")})
    return s, s.up()


@once_per_process
def first_three() -> tuple[Scenario, list[str]]:
    s = Scenario(example("east", "west", "north"))
    return s, s.up()


@once_per_process
def rekey() -> tuple[Scenario, list[str]]:
    s, _ = first_three()
    s.runner.configs["west"]["clusters"]["west"]["issuerGeneration"] = 1
    return s, s.up()


@once_per_process
def add_member() -> tuple[Scenario, list[str]]:
    """east and west meshed, then north joins: east lists it and the three link both ways."""
    s = Scenario(example("east", "west", "north"))
    full = copy.deepcopy(s.runner.configs)
    for name in ("east", "west"):
        cfg = s.runner.configs[name]
        cfg["links"] = [l for l in cfg["links"] if "north" not in (l["source"], l["target"])]
    s.runner.configs["east"]["trust"]["members"] = [{"stack": "organization/linkerd-multicluster/west", "clusters": ["west"]}]
    s.up("east", "west")
    s.runner.configs.update(full)
    return s, s.up()


@once_per_process
def remove_member() -> tuple[Scenario, list[str]]:
    s, _ = first_three()
    for name in ("east", "west"):
        cfg = s.runner.configs[name]
        cfg["links"] = [l for l in cfg["links"] if "north" not in (l["source"], l["target"])]
    s.runner.configs["east"]["trust"]["members"] = [{"stack": "organization/linkerd-multicluster/west", "clusters": ["west"]}]
    return s, s.up("east", "west")


@once_per_process
def rotation_step() -> tuple[Scenario, list[str]]:
    s, _ = first_three()
    return s, s.rotate(["add-anchor"])


@once_per_process
def rotation_all() -> tuple[Scenario, list[str]]:
    s, _ = first_three()
    return s, s.rotate(None)


@once_per_process
def held_back_step() -> tuple[Scenario, list[str]]:
    """add-anchor went through east and west, not north; then the next step."""
    s, _ = first_three()
    s.runner.configs["east"]["trust"]["rotation"] = "add-anchor"
    for stack in ("east", "west"):
        s.runner.up(stack)
    return s, s.rotate(["reissue-issuers"])


SEQUENCES = {
    "first deployment, `east` and `west`": first_two,
    "first deployment, three clusters": first_three,
    "re-key west's issuer": rekey,
    "north joins east and west": add_member,
    "north leaves the mesh": remove_member,
    "one rotation step": rotation_step,
    "a whole anchor rotation": rotation_all,
    "a rotation step while north lags": held_back_step,
}


@pytest.mark.parametrize("change", SEQUENCES)
def test_each_documented_sequence_comes_out_of_the_fleet(change):
    scenario, ups = SEQUENCES[change]()
    assert ups == documented()[change]
    if change.startswith("first deployment"):  # and the plan said so before it ran
        assert f"that is {len(ups)} up(s): {', '.join(ups)}." in "\n".join(scenario.lines)
    scenario.assert_whole(*(("east", "west") if "leaves" in change else ()))


def test_the_by_hand_orders_of_the_per_cluster_sections_are_the_fleets():
    """docs/stacks.md's by-hand commands (kept as what `fleet up` does) are the documented rows."""
    assert "`up` west, east, west" in " ".join(STACKS_PAGE.split())
    assert "for round in 1 2; do for s in west north east; do pulumi up -s $s; done; done\npulumi up -s west" in STACKS_PAGE
    assert documented()["first deployment, three clusters"] == ["west", "north", "east"] * 2 + ["west"]


# -- what each sequence leaves installed -------------------------------------------------------------

def test_a_whole_rotation_leaves_every_stack_on_the_new_anchor_and_the_stack_file_finished():
    before = first_three()[0].outputs("east")["trustAnchorsPem"]
    s, _ = rotation_all()
    after = {n: s.outputs(n)["trustAnchorsPem"] for n in ("east", "west", "north")}
    assert len(set(after.values())) == 1 and after["east"] != before
    assert after["east"].count("BEGIN CERTIFICATE") == 1
    assert s.runner.configs["east"]["trust"] == {
        "members": [{"stack": "organization/linkerd-multicluster/west", "clusters": ["west"]},
                    {"stack": "organization/linkerd-multicluster/north", "clusters": ["north"]}],
        "anchorGeneration": 1}


def test_a_held_back_step_is_waited_out_and_named_not_reported_as_an_error():
    s, ups = held_back_step()
    assert ups[0] == "north"  # the lagging member ran before the anchor's stack went on
    assert any("held back (reissue-issuers), waiting for organization/linkerd-multicluster/north" in l
               for l in s.lines), s.lines


def test_a_rekey_installs_the_new_key_only_after_east_signed_it():
    s, _ = rekey()
    request = s.outputs("west")["issuerRequests"]["west"]
    assert request["generation"] == 1 and s.outputs("west")["issuerCertsPem"]["west"]["generation"] == 1


# -- two, three and five stacks, hub and full mesh ---------------------------------------------------

def per_cluster(n: int, hub: Optional[int]) -> dict[str, dict[str, Any]]:
    """c1 owns the trust, c2..cn are its members; full mesh, or every cluster linked both ways
    with the hub c<hub> only (the hub a member, so the order has to find it)."""
    names = [f"c{i}" for i in range(1, n + 1)]
    ref = {c: f"org/linkerd-multicluster/{c}" for c in names}

    def linked(a: str, b: str) -> bool:
        return a != b and (hub is None or f"c{hub}" in (a, b))

    return {me: {
        "trust": {"members": [{"stack": ref[c], "clusters": [c]} for c in names[1:]]} if me == "c1"
        else {"fromStack": ref["c1"]},
        "clusters": {me: cluster(int(me[1:]))},
        "links": [{"source": o, "target": me} for o in names if linked(o, me)]
        + [{"source": me, "target": o, "targetStack": ref[o]} for o in names if linked(me, o)],
    } for me in names}


MESHES = {
    # (stacks, hub): the `up`s. Round 1 publishes the requests and c1 signs; round 2 installs and
    # links what it can; round 3 the links to stacks installed later in round 2.
    # Both ways: c1's Link to c2 waits for c2's install (the shipped east/west link one way: 3).
    (2, None): ["c2", "c1", "c2", "c1"],
    (3, None): ["c2", "c3", "c1", "c2", "c3", "c1", "c2"],
    (3, 3): ["c3", "c2", "c1", "c3", "c2", "c1", "c3"],
    (5, None): ["c2", "c3", "c4", "c5", "c1"] * 2 + ["c2", "c3", "c4"],
    # The hub goes first among the members: only it needs round 3 (spokes first would cost 3).
    (5, 5): ["c5", "c2", "c3", "c4", "c1"] * 2 + ["c5"],
}


@once_per_process
def first_deployment_of(n: int, hub: Optional[int]) -> tuple[Scenario, list[str]]:
    s = Scenario(per_cluster(n, hub), organization="org")
    return s, s.up()


@pytest.mark.parametrize("n, hub", MESHES)
def test_first_deployment_converges_in_the_fewest_ups_and_as_the_plan_predicts(n, hub):
    s, ups = first_deployment_of(n, hub)
    assert ups == MESHES[(n, hub)]
    s.assert_whole()
    fleet = s.fleet()
    assert first_deployment(fleet, deploy_order(fleet), 6) == MESHES[(n, hub)]  # the model, config only
    assert f"that is {len(MESHES[(n, hub)])} up(s): {', '.join(MESHES[(n, hub)])}." in "\n".join(s.lines)


def test_the_hub_is_placed_first_and_a_full_mesh_keeps_the_members_order():
    assert deploy_order(from_configs({k: parse(v) for k, v in per_cluster(5, 5).items()})) == \
        ["c5", "c2", "c3", "c4", "c1"]
    assert deploy_order(from_configs({k: parse(v) for k, v in per_cluster(5, None).items()})) == \
        ["c2", "c3", "c4", "c5", "c1"]


def test_a_five_stack_hub_rotates_through_every_member_after_the_anchor():
    s, _ = first_deployment_of(5, 5)
    assert s.rotate(["add-anchor"]) == ["c1", "c2", "c3", "c4", "c5"]
    s.assert_whole()


# -- errors and bounds -------------------------------------------------------------------------------

def test_the_first_real_error_stops_the_fleet_with_stack_step_and_message():
    configs = example("east", "west", "north")
    configs["west"]["links"].append({"source": "west", "target": "south",
                                     "targetStack": "organization/linkerd-multicluster/south"})
    s = Scenario(configs)
    with pytest.raises(FleetError) as stopped:
        s.up()
    # West reads the stacks it links to once it installs (round 2); nothing runs after the error.
    assert (stopped.value.stack, stopped.value.step) == ("west", "preview (round 2)")
    assert 'unknown stack "organization/linkerd-multicluster/south"' in stopped.value.message
    assert s.runner.ups() == ["west", "north", "east"] == stopped.value.report.ups


class Scripted:
    """A runner whose previews say what the test tells them to."""

    def __init__(self, previews: dict[str, Result]):
        self.previews, self.ups = previews, []

    def preview(self, stack: str) -> Result:
        return self.previews[stack]

    def up(self, stack: str) -> Result:
        self.ups.append(stack)
        return Result()


def test_rounds_are_bounded_when_a_preview_never_empties():
    runner = Scripted({"a": Result(changes={"update": 1}), "b": Result()})
    with pytest.raises(FleetError, match=r"still not converged after 3 rounds") as stopped:
        converge(runner, ["a", "b"], max_rounds=3)
    assert runner.ups == ["a", "a", "a"] and stopped.value.stack == "a"


def test_a_hold_back_with_nothing_left_to_run_is_an_error():
    message = ("trust rotation held back (reissue-issuers): org/linkerd-multicluster/x does not trust the new "
               "anchor yet (its clusters have the bundle of an earlier step). Run `pulumi up` on those stacks "
               "(they install the current step), then run this stack again")
    runner = Scripted({"a": Result(error=message), "b": Result()})
    with pytest.raises(FleetError, match=r"no stack of the fleet has anything left to run"):
        converge(runner, ["a", "b"])
    assert held_back(message).lagging == ("org/linkerd-multicluster/x",)
    assert held_back("error: unknown stack") is None


# -- pure parts ---------------------------------------------------------------------------------------

def test_rotation_steps_go_in_order_and_none_is_skipped():
    plan = rotation_plan(None, 0, ["add-anchor", "reissue-issuers", "finish"])
    assert [(s, [(e.key, e.value) for e in edits]) for s, edits in plan] == [
        ("add-anchor", [("trust.rotation", "add-anchor")]),
        ("reissue-issuers", [("trust.rotation", "reissue-issuers")]),
        ("finish", [("trust.anchorGeneration", 1), ("trust.rotation", None)])]
    assert step_edits("add-anchor", 0, "add-anchor") == []  # run again, nothing to set
    with pytest.raises(ValueError, match="runs after add-anchor"):
        step_edits(None, 0, "reissue-issuers")
    with pytest.raises(ValueError, match="runs after reissue-issuers"):
        step_edits("add-anchor", 0, "finish")


def test_change_summaries_become_the_fleets_four_kinds():
    from pulumi.automation import OpType

    assert summary.fleet_changes({"same": 40, "create": 2, "read": 3, "replace": 1, "create-replacement": 1,
                                  "delete-replaced": 1, "delete": 4}) == {"create": 2, "replace": 1, "delete": 4}
    assert summary.fleet_changes({OpType.UPDATE: 3, OpType.SAME: 1}) == {"update": 3}
    assert summary.fleet_changes({"create-replacement": 2, "delete-replaced": 2}) == {"replace": 2}
    assert summary.fleet_changes({}) == {}


def test_the_automation_runner_reads_warnings_and_errors_from_engine_events():
    from pulumi.automation.events import EngineEvent

    from fleet.automation import config_value, diagnostics

    def event(severity: str, message: str, ephemeral: bool = False) -> EngineEvent:
        return EngineEvent.from_json({"sequence": 1, "timestamp": 1, "diagnosticEvent": {
            "message": message, "color": "never", "severity": severity, "ephemeral": ephemeral}})

    events = [event("warning", "link west -> east skipped\n"), event("info", "x"), event("error", "held"),
              event("warning", "progress", ephemeral=True), event("warning", "link west -> east skipped")]
    assert diagnostics(events) == (("link west -> east skipped",), ("held",))
    assert (config_value("add-anchor"), config_value(1), config_value(True)) == ("add-anchor", "1", "true")


def test_summaries_as_text_and_markdown():
    results = {"west": Result(changes={"create": 5}, warnings=("waits for east",)),
               "east": Result(error="trust rotation held back (add-anchor): a/b/c lags. Run `pulumi up` on those stacks"),
               "north": Result()}
    text = summary.text(results)
    assert re.search(r"west\s+5\s+0\s+0\s+0", text) and "north" in text and "no changes" in text
    assert "held back: east" in text and "1 of 3 stacks would change" in text
    md = summary.markdown(results)
    assert "| `west` | 5 | 0 | 0 | 0 |  |" in md and "- `west`: waits for east" in md
    assert summary.text({"a": Result(error="boom")}).rstrip().endswith("Failed: a.")


def test_one_pull_request_comment_gathers_every_stacks_row():
    body = pr_comment.merge(None, {"east": Result(changes={"update": 2})})
    body = pr_comment.merge(body, {"west": Result(error="a --> b")})
    body = pr_comment.merge(body, {"east": Result()})
    assert body.startswith(pr_comment.MARKER) and body.count("<!-- fleet-results: ") == 1
    assert body.split("<!-- fleet-results: ")[1].count("-->") == 1  # a message cannot end the hidden part
    rows = pr_comment.results_in(body)
    assert rows == {"east": Result(), "west": Result(error="a --> b")}
    assert "| `east` | 0 | 0 | 0 | 0 | no changes |" in body and "Failed: west." in body


def test_pauses_between_rotation_steps_are_the_users_choice():
    said: list[str] = []
    assert make_pause("stop", said.append)("add-anchor", "restart") is False
    slept: list[float] = []
    assert make_pause("24h", said.append, sleep=slept.append)("reissue-issuers", "renew") is True
    assert slept == [86400]

    def eof() -> str:
        raise EOFError

    assert make_pause("prompt", said.append, read=eof)("add-anchor", "restart") is False
    assert make_pause("prompt", said.append, read=lambda: "")("add-anchor", "restart") is True
    assert (duration_seconds("90"), duration_seconds("30m"), duration_seconds("x")) == (90, 1800, None)


# -- the command line ---------------------------------------------------------------------------------

def test_dry_run_prints_the_plan_and_runs_nothing():
    lines: list[str] = []
    assert main(["up", "--dry-run"], write=lines.append) == 0
    plan = "\n".join(lines)
    assert "west -> east" in plan and "east  owns its trust anchor; signs for west" in plan
    assert "From nothing (no stack deployed yet) that is 3 up(s): west, east, west." in plan
    lines.clear()
    assert main(["rotate", "--all", "--dry-run", "--dir", str(THREE), "-s", "east", "-s", "west", "-s", "north"],
                write=lines.append) == 0
    plan = "\n".join(lines)
    assert "3. finish: in Pulumi.east.yaml set trust.anchorGeneration: 1; remove trust.rotation; then east -> west -> north" in plan


def test_the_command_line_rotates_on_a_runner_and_stops_where_asked():
    s, _ = first_three()
    lines: list[str] = []
    code = main(["rotate", "--all", "--between", "stop", "--dir", str(THREE), "-s", "east", "-s", "west", "-s", "north"],
                runner=s.runner, write=lines.append)
    assert code == 0 and s.runner.configs["east"]["trust"]["rotation"] == "add-anchor"
    assert "stopped before reissue-issuers" in lines[-1]
    assert re.match(r"rotation: add-anchor done, 3 up\(s\) \(east, west, north\), [0-9]+s$", lines[-2]), lines[-2]
    assert any(re.match(r"\[ *[0-9.]+s\] rotate add-anchor · round 1 · east: up \(", l) for l in lines), lines


def test_preview_of_a_converged_fleet_has_no_changes():
    s, _ = first_two()
    lines: list[str] = []
    assert main(["preview", "--expect-no-changes"], runner=s.runner, write=lines.append) == 0
    assert "No stack would change." in "\n".join(lines)
    s.runner.configs["west"]["clusters"]["west"]["issuerGeneration"] = 1
    assert main(["preview", "--expect-no-changes"], runner=s.runner, write=lines.append) == 1


def test_the_comment_is_created_once_then_edited_through_gh(tmp_path, monkeypatch):
    """`post` with a stand-in `gh` that keeps the pull request's comments in a file."""
    import json
    import os
    import stat
    import sys

    store = tmp_path / "comments.json"
    store.write_text("[]")
    gh = tmp_path / "gh"
    gh.write_text(f"""#!{sys.executable}
import json, sys
args, store = sys.argv[2:], {str(store)!r}
comments = json.load(open(store))
if "-F" in args:  # create or edit, the body on stdin
    body = sys.stdin.read()
    if "PATCH" in args:
        cid = int(args[args.index("PATCH") + 1].rsplit("/", 1)[1])
        comments[cid]["body"] = body
    else:
        comments.append({{"id": len(comments), "body": body}})
    json.dump(comments, open(store, "w"))
elif args[0] == "--paginate":
    print("\\n".join(str(c["id"]) for c in comments if {pr_comment.MARKER!r} in c["body"]))
else:
    print(comments[int(args[0].rsplit("/", 1)[1])]["body"])
""")
    gh.chmod(gh.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{tmp_path}:{os.environ['PATH']}")
    store.write_text(json.dumps([{"id": 0, "body": "an unrelated comment"}]))
    pr_comment.post("o/r", 7, {"east": Result(changes={"update": 1})})
    pr_comment.post("o/r", 7, {"west": Result()})
    comments = json.loads(store.read_text())
    assert len(comments) == 2 and comments[0]["body"] == "an unrelated comment"
    assert set(pr_comment.results_in(comments[1]["body"])) == {"east", "west"}


def test_the_automation_runner_drives_a_cli_shaped_stand_in(tmp_path, monkeypatch):
    """The Automation API runner against tests/fixtures/fake_pulumi.py: the commands it makes the
    SDK run, and what it reads back (changes, warnings, a hold-back). Not the real CLI."""
    import json
    import os
    import stat
    import sys

    from fleet.automation import AutomationRunner

    held = ("trust rotation held back (reissue-issuers): organization/linkerd-multicluster/west does not trust "
            "the new anchor yet (its clusters have the bundle of an earlier step). Run `pulumi up` on those stacks "
            "(they install the current step), then run this stack again")
    state = tmp_path / "state.json"
    state.write_text(json.dumps({"calls": [], "stacks": ["east"], "last_changes": {}, "script": {
        "east": {"preview": [{"errors": [held]}, {"changes": {"same": 9, "update": 2}}, {"changes": {"same": 11}}],
                 "up": [{"changes": {"same": 9, "update": 2}}]},
        "west": {"preview": [{"changes": {"create": 5}, "warnings": ["stack … publishes no trust bundle yet"]},
                             {"changes": {"same": 5}}],
                 "up": [{"changes": {"create": 5}}]}}}))
    cli = tmp_path / "bin" / "pulumi"
    cli.parent.mkdir()
    cli.write_text(f"#!/bin/sh\nexec {sys.executable} {ROOT / 'tests' / 'fixtures' / 'fake_pulumi.py'} \"$@\"\n")
    cli.chmod(cli.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{cli.parent}:{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_PULUMI_STATE", str(state))

    runner = AutomationRunner(tmp_path, policy_packs=["policy"])
    assert runner.ensure_stack("west") is True and runner.ensure_stack("east") is False
    runner.set_config("east", "trust.rotation", "reissue-issuers")
    runner.set_config("east", "trust.anchorGeneration", 1)
    runner.set_config("east", "trust.rotation", None)
    report = converge(runner, ["east", "west"])
    assert report.ups == ["west", "east"] and report.held["east"].lagging == ("organization/linkerd-multicluster/west",)
    assert report.warnings["west"] == ()  # the latest run's: west's last preview warned of nothing
    calls = json.loads(state.read_text())["calls"]
    assert ["stack", "init", "west"] in calls
    assert ["config", "set", "--path", "linkerd-multicluster:trust.rotation", "--plaintext", "--stack", "east",
            "--", "reissue-issuers"] in calls
    assert ["config", "set", "--path", "linkerd-multicluster:trust.anchorGeneration", "--plaintext", "--stack",
            "east", "--", "1"] in calls
    assert ["config", "rm", "linkerd-multicluster:trust.rotation", "--stack", "east", "--path"] in calls
    ups = [c for c in calls if c[0] == "up"]
    assert all(c[:3] == ["up", "--yes", "--skip-preview"] and c[c.index("--policy-pack") + 1] == "policy"
               for c in ups)
    state_now = json.loads(state.read_text())
    state_now["script"]["west"]["preview"] = [{"changes": {"create": 5}, "warnings": ["waits for east"]}]
    state.write_text(json.dumps(state_now))
    assert runner.preview("west") == Result(changes={"create": 5}, warnings=("waits for east",))
