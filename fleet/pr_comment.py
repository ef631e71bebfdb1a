"""One pull-request comment for the whole fleet, to which each stack's preview adds its row.

In CI every stack previews in a job of its own (each behind its own environment, with only its own
credentials: docs/ci-cd.md), so no job sees every stack. Each job therefore merges
its stack's result into the one comment: the results so far ride along in the comment itself, in
a hidden HTML comment, and the table is rendered again from all of them. The jobs run one at a
time (the workflow's `max-parallel: 1`), so two never edit the comment at once.
"""
from __future__ import annotations

import json
import re
import subprocess
from dataclasses import asdict
from typing import Mapping, Optional

from .runner import Result
from .summary import markdown

MARKER = "<!-- linkerd-multicluster fleet preview -->"
_DATA = re.compile(r"<!-- fleet-results: (?P<json>.*?) -->", re.S)


def _hide(data: object) -> str:
    # "--" may appear only inside JSON strings (a message); "-\u002d" keeps `-->` out of the HTML comment.
    return json.dumps(data, sort_keys=True).replace("--", "-\\u002d")


def results_in(body: Optional[str]) -> dict[str, Result]:
    m = _DATA.search(body or "")
    if m is None:
        return {}
    try:
        data = json.loads(m.group("json"))
    except ValueError:
        return {}  # edited by hand: start again from this job's rows
    return {stack: Result(changes=dict(r.get("changes") or {}), warnings=tuple(r.get("warnings") or ()),
                          error=r.get("error")) for stack, r in data.items() if isinstance(r, dict)}


def merge(body: Optional[str], results: Mapping[str, Result]) -> str:
    """The comment with `results` in place of those stacks' earlier rows, the others kept."""
    combined = {**results_in(body), **results}
    data = {stack: {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(r).items()}
            for stack, r in combined.items()}
    return f"{MARKER}\n{markdown(combined)}\n<!-- fleet-results: {_hide(data)} -->\n"


def _gh(*args: str, body: Optional[str] = None) -> str:
    command = ["gh", "api", *args] + (["-F", "body=@-"] if body is not None else [])
    return subprocess.run(command, input=body, capture_output=True, text=True, check=True).stdout


def post(repository: str, pull_request: int, results: Mapping[str, Result]) -> None:
    """Create or update the fleet's comment on the pull request (the `gh` CLI, with GH_TOKEN)."""
    found = _gh("--paginate", f"repos/{repository}/issues/{pull_request}/comments",
                "--jq", f'.[] | select(.body | contains("{MARKER}")) | .id').split()
    if found:
        old = _gh(f"repos/{repository}/issues/comments/{found[0]}", "--jq", ".body")
        _gh("-X", "PATCH", f"repos/{repository}/issues/comments/{found[0]}", body=merge(old, results))
    else:
        _gh(f"repos/{repository}/issues/{pull_request}/comments", body=merge(None, results))
