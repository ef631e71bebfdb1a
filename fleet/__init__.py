"""`fleet`: deploy, rotate and preview a set of per-cluster stacks of this project in the right order.

Layout (each module small, the order logic free of any Pulumi call):
- `stacks.py`     the stacks' own config, read from their `Pulumi.<stack>.yaml` with the program's
                  config loader (`components.config.loader`), and who is whose anchor, member, link target;
- `order.py`      pure decisions: the order of a round, rotation steps, what a hold-back message says;
- `converge.py`   rounds of preview-then-up until every preview is empty, behind a `Runner`;
- `model.py`      the protocol as facts per stack: predicts a first deployment's `up`s for the plan;
- `runner.py`     the `Runner` interface and what a preview or an update reports;
- `summary.py`    a preview's change counts as one text or Markdown summary;
- `automation.py` the `Runner` on the Pulumi Automation API (the real CLI, local program);
- `plan.py`, `commands.py`, `pr_comment.py`: the printed plan, the three commands, the CI comment;
- `cli.py`        the command line (`scripts/fleet`, or `.venv/bin/python -m fleet`).
"""
