"""`fleet preview`: every stack's preview as one summary, as text for a terminal and as Markdown for
one pull-request comment."""
from __future__ import annotations

from typing import Mapping

from .order import held_back
from .runner import CHANGE_KINDS, Result

# The engine's step kinds (pulumi/pulumi sdk/go/common/apitype `OpType`, `automation.OpType` in the
# Python SDK) as the summary counts them. `same`, `read`, `refresh` and the discards change no
# resource. A replacement is one `replace`; its halves (`create-replacement`, `delete-replaced`)
# count only where no `replace` is reported, and then once.
_KIND_OF = {"create": "create", "import": "create", "update": "update", "delete": "delete"}
_REPLACEMENT_HALVES = ("create-replacement", "delete-replaced", "import-replacement")


def fleet_changes(change_summary: Mapping[str, int]) -> dict[str, int]:
    """A preview's `change_summary` (step kind -> count, keys as the engine names them, or
    `automation.OpType`s) as the fleet's four kinds."""
    counts = {str(getattr(k, "value", k)): int(n) for k, n in change_summary.items() if n}
    out: dict[str, int] = {}
    for kind, n in counts.items():
        if kind in _KIND_OF:
            out[_KIND_OF[kind]] = out.get(_KIND_OF[kind], 0) + n
    out["replace"] = counts.get("replace") or max((counts.get(h, 0) for h in _REPLACEMENT_HALVES), default=0)
    return {k: out[k] for k in CHANGE_KINDS if out.get(k)}


def _note(result: Result) -> str:
    if result.error is None:
        return ""
    why = held_back(result.error)
    return why.message if why else f"error: {' '.join(result.error.split())[:400]}"


def text(results: Mapping[str, Result]) -> str:
    width = max((len(s) for s in results), default=5)
    lines = [f"{'stack':<{width}}  create  update  replace  delete  note"]
    for stack, r in results.items():
        counts = "  ".join(f"{r.changes.get(k, 0):>{len(k)}}" for k in CHANGE_KINDS)
        lines.append(f"{stack:<{width}}  {counts}  {_note(r) or ('no changes' if not r.has_changes else '')}".rstrip())
    lines.append(_verdict(results))
    return "\n".join(lines) + "\n"


def markdown(results: Mapping[str, Result], title: str = "Fleet preview") -> str:
    lines = [f"### {title}", "", "| stack | create | update | replace | delete | note |", "|---|---:|---:|---:|---:|---|"]
    for stack, r in results.items():
        note = _note(r).replace("|", "\\|") or ("no changes" if not r.has_changes else "")
        lines.append(f"| `{stack}` | " + " | ".join(str(r.changes.get(k, 0)) for k in CHANGE_KINDS) + f" | {note} |")
    warned = [(s, w) for s, r in results.items() for w in r.warnings]
    if warned:
        lines += ["", "<details><summary>Warnings</summary>", ""]
        lines += [f"- `{s}`: {' '.join(w.split())}".replace("|", "\\|") for s, w in warned]
        lines += ["", "</details>"]
    lines += ["", _verdict(results)]
    return "\n".join(lines) + "\n"


def _verdict(results: Mapping[str, Result]) -> str:
    errors = [s for s, r in results.items() if r.error and not held_back(r.error)]
    held = [s for s, r in results.items() if r.error and held_back(r.error)]
    changed = [s for s, r in results.items() if r.has_changes]
    if errors:
        return f"Failed: {', '.join(errors)}."
    parts = [f"{len(changed)} of {len(results)} stacks would change" if changed else "No stack would change"]
    if held:
        parts.append(f"held back: {', '.join(held)} (run `fleet up`, which runs the stacks they wait for first)")
    return "; ".join(parts) + "."
