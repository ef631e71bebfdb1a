"""The `fleet` command line: `scripts/fleet up|rotate|preview` (or `.venv/bin/python -m fleet`).

Exit status: 0 done (or, for `preview`, every preview ran); 1 a stack failed (its stack, step and
message are printed), or `preview --expect-no-changes` found changes; 2 the stack files or the
arguments are wrong, or there is no Pulumi CLI.
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Optional

from . import commands, pr_comment, summary
from .converge import DEFAULT_MAX_ROUNDS, FleetError, Progress
from .order import STEPS, deploy_order, held_back
from .stacks import ROOT, FleetConfigError, load_fleet

_DURATION = re.compile(r"(?P<n>[0-9]+)(?P<unit>[smh]?)")


def duration_seconds(text: str) -> Optional[int]:
    """`90`, `90s`, `30m`, `24h` in seconds; None if `text` is not a duration."""
    m = _DURATION.fullmatch(text)
    return None if m is None else int(m["n"]) * {"": 1, "s": 1, "m": 60, "h": 3600}[m["unit"]]


def make_pause(between: str, write: Callable[[str], None], read: Callable[[], str] = input,
               sleep: Callable[[float], None] = time.sleep) -> commands.Pause:
    """What `rotate --all` does between two steps: `prompt` (Enter goes on, end of input stops),
    `stop`, or a duration to wait."""
    def pause(step: str, todo: str) -> bool:
        write(f"after {step}: {todo}")
        if between == "stop":
            write("stopping here (--between stop); run `scripts/fleet rotate --all` to go on")
            return False
        seconds = duration_seconds(between)
        if seconds is not None:
            write(f"waiting {between} (--between {between})")
            sleep(seconds)
            return True
        write("press Enter to go on with the next step, or end the input (Ctrl-D) to stop here")
        try:
            read()
            return True
        except EOFError:
            write("stopped; run `scripts/fleet rotate --all` to go on")
            return False
    return pause


def _between(text: str) -> str:
    if text in ("prompt", "stop") or duration_seconds(text) is not None:
        return text
    raise argparse.ArgumentTypeError("prompt, stop, or a duration such as 90s, 30m, 24h")


def parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-s", "--stack", action="append", dest="stacks", metavar="STACK",
                        help="a stack of the fleet (repeat it); default: every Pulumi.<stack>.yaml of the project")
    common.add_argument("--dir", type=Path, default=ROOT, help="the project directory (default: this repository)")
    common.add_argument("--organization", help="Pulumi Cloud organization of the stacks (default: the CLI's)")
    common.add_argument("--policy-pack", action="append", default=[], help="run this policy pack too")
    common.add_argument("--max-rounds", type=int, default=DEFAULT_MAX_ROUNDS, help="bound on rounds (default: %(default)s)")
    common.add_argument("--dry-run", action="store_true", help="print the plan only")
    p = argparse.ArgumentParser(prog="fleet", description="Deploy, rotate and preview per-cluster stacks in order.")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("up", parents=[common], help="deploy every stack until every preview is empty")
    rotate = sub.add_parser("rotate", parents=[common], help="run anchor-rotation steps through the fleet")
    which = rotate.add_mutually_exclusive_group(required=True)
    which.add_argument("step", nargs="?", choices=STEPS, help="one step")
    which.add_argument("--all", action="store_true", help="every step from the current one")
    rotate.add_argument("--anchor", help="the stack whose anchor to rotate (default: the one with trust.members)")
    rotate.add_argument("--between", type=_between, default="prompt",
                        help="between steps: prompt (default), stop, or a duration to wait (e.g. 24h)")
    preview = sub.add_parser("preview", parents=[common], help="every stack's preview as one summary")
    preview.add_argument("--markdown", type=Path, help="also write the summary as Markdown to this file")
    preview.add_argument("--pr-comment", type=int, metavar="NUMBER",
                         help="merge this preview into the fleet's comment on pull request NUMBER "
                              "(gh CLI, GH_TOKEN, GITHUB_REPOSITORY)")
    preview.add_argument("--expect-no-changes", action="store_true", help="exit 1 if any stack would change")
    return p


def main(argv: Optional[list[str]] = None, runner=None, write: Callable[[str], None] = print) -> int:
    args = parser().parse_args(argv)
    try:
        fleet = load_fleet(args.dir, args.stacks)
    except FleetConfigError as e:
        write(f"fleet: {e}")
        return 2
    progress = Progress(write)
    if runner is None and not args.dry_run:
        from .automation import AutomationRunner, CliMissing

        try:
            runner = AutomationRunner(args.dir, args.organization, policy_packs=args.policy_pack)
        except CliMissing as e:
            write(f"fleet: {e}")
            return 2
    try:
        if args.command == "up":
            commands.up(runner, fleet, progress=progress, write=write, max_rounds=args.max_rounds, dry_run=args.dry_run)
        elif args.command == "rotate":
            done = commands.rotate(runner, fleet, None if args.all else [args.step], progress=progress,
                                   pause=make_pause(args.between, write), write=write, anchor=args.anchor,
                                   between=args.between, max_rounds=args.max_rounds, dry_run=args.dry_run)
            if done is not None:
                write(f"rotation: {', '.join(done.steps_done)} done, {len(done.ups)} up(s) "
                      f"({', '.join(done.ups) or 'none'}), {progress.clock() - progress.start:.0f}s")
            if done is not None and done.stopped_before:
                write(f"stopped before {done.stopped_before}: run `scripts/fleet rotate {done.stopped_before}` "
                      "(or `rotate --all`) when ready")
        else:
            return _preview(runner, fleet, args, progress, write)
    except ValueError as e:  # a rotation step out of order, or no anchor to rotate
        write(f"fleet: {e}")
        return 2
    except FleetError as e:
        write(f"fleet: stopped at stack {e.stack}, step {e.step}:\n{e.message}")
        write(f"(after {len(e.report.ups)} up(s): {', '.join(e.report.ups) or 'none'}; {e.report.seconds:.0f}s)")
        return 1
    return 0


def _preview(runner, fleet, args, progress: Progress, write: Callable[[str], None]) -> int:
    if args.dry_run:
        write(f"would preview: {', '.join(deploy_order(fleet))}")
        return 0
    results = commands.preview(runner, fleet, progress=progress)
    write(summary.text(results))
    if args.markdown:
        args.markdown.write_text(summary.markdown(results))
    if args.pr_comment is not None:
        try:
            pr_comment.post(os.environ["GITHUB_REPOSITORY"], args.pr_comment, results)
        except (OSError, KeyError, subprocess.CalledProcessError) as e:  # no gh, no repository, API error
            write(f"fleet: the pull-request comment was not posted: {getattr(e, 'stderr', '') or e}")
            return 1
    failed = any(r.error and not held_back(r.error) for r in results.values())
    changed = any(r.has_changes for r in results.values())
    return 1 if failed or (args.expect_no_changes and changed) else 0


if __name__ == "__main__":
    sys.exit(main())
