"""README.md and the pages under docs/ match the code. Each check reads the page that holds its
content: every key of the configuration tables (docs/configuration.md) is a field of the config
models (components/config/schema.py) under its camelCase name, with the default and the limits the page
states, and every model field is documented; every stack output of docs/outputs.md is one the
program exports (run under the mocks) and back; docs/troubleshooting.md quotes messages the program
builds; docs/layout.md names every module. The README is one screen and a map: every docs/ page is
linked from it, and every relative link of the README, docs/ and examples/ resolves. Every command
of their shell code blocks runs as written (in a scratch copy of the project), or is listed in
NOT_RUN with the reason it cannot run here; bench/tools commands use the project's virtualenv."""
from __future__ import annotations

import ast
import json
import os
import re
import shlex
import shutil
import subprocess
import typing
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Optional

import annotated_types
import pytest
import yaml
from pydantic import BaseModel

from components.config import schema as cfg
from components.config.loader import parse
from harness.program import ROOT
from scenarios import cached

README = ROOT / "README.md"
DOCS = ROOT / "docs"


def page(name: str) -> Path:
    """A page under docs/ (`configuration` -> docs/configuration.md)."""
    return DOCS / f"{name}.md"


def page_body(name: str) -> str:
    """A page's text below its title."""
    text = page(name).read_text()
    assert text.startswith("# "), f"docs/{name}.md does not start with its title"
    return text.split("\n", 1)[1]


def markdown_files() -> list[Path]:
    """The README, every page under docs/ and every Markdown file under examples/."""
    return [README, *sorted(DOCS.glob("*.md")), *sorted((ROOT / "examples").rglob("*.md"))]

# Defaults docs/configuration.md describes instead of spelling out a value; each is unset (None) in the
# model and means "fall back to" what the page names.
DESCRIBED_DEFAULTS = {
    "clusters.<name>.kubeconfig": "`$KUBECONFIG` / `~/.kube/config`",
    "clusters.<name>.apiServerAddress": "the context's `server`",
    "clusters.<name>.issuerGeneration": "`trust.issuerGeneration`",
}
# Limits of this size are a field's type (ports, counters), not something the page must state.
NATURAL_LOWER = {0, 1}
NATURAL_UPPER = {65535, cfg.INT32_MAX}
# Stack outputs the program exports that "Stack outputs" (a section another change owns) does not
# list yet; reported, tolerated here so as not to fail on it. Remove an entry once documented.
OUTPUTS_NOT_YET_DOCUMENTED: set[str] = set()


# -- reading the pages ------------------------------------------------------------------------

def outside_code(text: str) -> list[str]:
    """A page's lines with fenced code blocks blanked (their '#' lines are not headings)."""
    lines, fenced = [], False
    for line in text.splitlines():
        if re.match(r"\s*(```|~~~)", line):
            fenced = not fenced
            lines.append("")
            continue
        lines.append("" if fenced or line.startswith("    ") else line)
    return lines


def cells(row: str) -> list[str]:
    return [c.strip() for c in re.split(r"(?<!\\)\|", row.strip().strip("|"))]


@dataclass
class Row:
    key: str
    """Full key path: `clusters.<name>.gateway.port`, `links[].source`."""
    default: Optional[str]
    """The default column's cell (None in a table without one)."""
    meaning: str


def _split_keys(cell: str) -> list[str]:
    """`a.b` / `.c` / `.d` -> a.b, a.c, a.d; `x` / `y` -> x, y; `a`, `b` -> a, b."""
    keys = re.findall(r"`([^`]+)`", cell)
    out = []
    for key in keys:
        if key.startswith(".") and out:
            out.append(out[-1].rsplit(".", 1)[0] + key)
        else:
            out.append(key)
    return out


def config_rows() -> list[Row]:
    """Every row of the configuration tables (docs/configuration.md), keyed by its full path."""
    body = page_body("configuration")
    rows: list[Row] = []
    base = ""
    header: list[str] = []
    for line in body.splitlines():
        heading = re.match(r"## (.*)", line)
        if heading:
            names = re.findall(r"`([^`]+)`", heading.group(1))
            base = names[0] if len(names) == 1 else ""
            header = []
            continue
        sub = re.fullmatch(r"`([A-Za-z]+)` keys:", line.strip())
        if sub:
            base = f"{base}.{sub.group(1)}"
            continue
        if not line.startswith("|"):
            header = [] if not line.strip() else header
            continue
        row = cells(line)
        if not header:
            header = [c.lower() for c in row]
            continue
        if set(line) <= set("|-: "):
            continue
        values = dict(zip(header, row))
        keys = _split_keys(values["key"])
        defaults = [d.strip() for d in values["default"].split(" / ")] if "default" in values else None
        if defaults is not None and len(defaults) != len(keys):
            defaults = [values["default"]] * len(keys)
        for i, key in enumerate(keys):
            full = key if not base or key.startswith(base.split(".")[0]) else f"{base}.{key}"
            rows.append(Row(full, None if defaults is None else defaults[i], values["meaning"]))
    return rows


# -- reading the models -----------------------------------------------------------------------

def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """The config models an annotation holds (through Optional, Union, list, dict)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found = []
    for arg in typing.get_args(annotation):
        found += _models_in(arg)
    return found


def _literals(annotation: Any) -> list[Any]:
    if typing.get_origin(annotation) is typing.Literal:
        return list(typing.get_args(annotation))
    return [v for arg in typing.get_args(annotation) for v in _literals(arg)]


def _by_alias(model: type[BaseModel], alias: str):
    for name, field in model.model_fields.items():
        if field.alias == alias:
            return name, field
    return None, None


def resolve(path: str):
    """(model, field name, FieldInfo) of a documented key path, or None if there is no such field."""
    model: type[BaseModel] = cfg.MeshConfig
    parts = path.replace("[]", "").split(".")
    field = name = None
    i = 0
    while i < len(parts):
        if field is not None:
            nested = _models_in(field.annotation)
            if len(nested) != 1:
                return None
            model = nested[0]
        name, field = _by_alias(model, parts[i])
        if field is None:
            return None
        # a map of models (clusters.<name>): the next part is the map key
        if typing.get_origin(field.annotation) is dict and i + 1 < len(parts) and parts[i + 1].startswith("<"):
            i += 1
        i += 1
    return model, name, field


def field_paths(model: type[BaseModel] = cfg.MeshConfig, prefix: str = "") -> list[tuple[str, type[BaseModel], str]]:
    """(path, model, alias) of every field of the config, nested models included."""
    out = []
    for name, field in model.model_fields.items():
        path = f"{prefix}{field.alias}"
        out.append((path, model, field.alias))
        for nested in _models_in(field.annotation):
            sep = ".<name>." if typing.get_origin(field.annotation) is dict else \
                "[]." if typing.get_origin(field.annotation) is list else "."
            out += field_paths(nested, f"{path}{sep}")
    return out


def model_default(field) -> Any:
    if field.is_required():
        return "<required>"
    value = field.get_default(call_default_factory=True)
    return value.model_dump(by_alias=True) if isinstance(value, BaseModel) else value


def bounds(field) -> tuple[Optional[int], Optional[int]]:
    ge = next((m.ge for m in field.metadata if isinstance(m, annotated_types.Ge)), None)
    le = next((m.le for m in field.metadata if isinstance(m, annotated_types.Le)), None)
    return ge, le


def _number(text: str) -> int:
    return int(text.replace(",", ""))


def inline_fields(meaning: str) -> list[str]:
    """Field names of an inline shape in the meaning: `{certPem, keyPem}`, `{hub: <cluster>}`."""
    names = []
    for body in re.findall(r"`\{([^`]*)\}`", meaning):
        for entry in body.split(","):
            name = entry.split(":")[0].strip()
            if re.fullmatch(r"[A-Za-z]+\??", name):
                names.append(name)
    return names


# -- configuration reference ------------------------------------------------------------------

@cache
def rows() -> list[Row]:
    found = config_rows()
    assert len(found) > 40, "the configuration tables were not found"
    return found


def test_every_documented_key_is_a_config_field():
    unknown = [r.key for r in rows() if resolve(r.key) is None]
    assert unknown == [], f"docs/configuration.md keys that are no field of components/config/schema.py: {unknown}"


def test_documented_defaults_are_the_models_defaults():
    wrong = []
    for row in rows():
        model, name, field = resolve(row.key)
        default = model_default(field)
        cell = row.default
        if cell is None:  # no default column: a "Default `x`" in the meaning, if any
            m = re.search(r"Default `([^`]+)`", row.meaning)
            if m and yaml.safe_load(m.group(1)) != default:
                wrong.append((row.key, m.group(0), default))
            continue
        if row.key in DESCRIBED_DEFAULTS:
            if cell != DESCRIBED_DEFAULTS[row.key] or default is not None:
                wrong.append((row.key, cell, default))
        elif cell == "required":
            if default != "<required>":
                wrong.append((row.key, cell, default))
        elif cell in ("unset", "—"):
            if default is not None:
                wrong.append((row.key, cell, default))
        else:
            m = re.fullmatch(r"`([^`]*)`", cell)
            documented = yaml.safe_load(m.group(1)) if m else cell
            if isinstance(documented, dict) and isinstance(default, dict):
                ok = all(default.get(k) == v for k, v in documented.items())
            else:
                ok = documented == default and type(documented) is type(default)
            if not ok:
                wrong.append((row.key, cell, default))
    assert wrong == [], "docs/configuration.md default (key, page, model): " + "; ".join(map(str, wrong))


def test_documented_limits_are_the_models_limits():
    wrong = []
    for row in rows():
        _, _, field = resolve(row.key)
        ge, le = bounds(field)
        # numeric limits (a name's "at most 40 characters" is checked below)
        least = [_number(n) for n in re.findall(r"[Aa]t least ([0-9][0-9,]*)\b(?! characters)", row.meaning)]
        most = [_number(n) for n in re.findall(r"[Aa]t most ([0-9][0-9,]*)\b(?! characters)", row.meaning)]
        if least != ([] if ge is None or (ge in NATURAL_LOWER and not least) else [ge]):
            wrong.append((row.key, "at least", least, ge))
        if most != ([] if le is None or (le in NATURAL_UPPER and not most) else [le]):
            wrong.append((row.key, "at most", most, le))
    assert wrong == [], "docs/configuration.md limits (key, which, page, model): " + "; ".join(map(str, wrong))


def test_documented_choices_are_the_models_choices():
    wrong = []
    for row in rows():
        _, _, field = resolve(row.key)
        for choice in _literals(field.annotation):
            if f"`{choice}`" not in row.meaning + (row.default or ""):
                wrong.append((row.key, choice))
    assert wrong == [], f"docs/configuration.md rows that do not name a value the model accepts: {wrong}"


def test_inline_shapes_name_real_fields():
    wrong = []
    for row in rows():
        _, _, field = resolve(row.key)
        models = _models_in(field.annotation)
        for name in inline_fields(row.meaning):
            found = [f for m in models for f in [_by_alias(m, name.rstrip("?"))[1]] if f is not None]
            if not found:
                wrong.append((row.key, name, "no such field"))
            elif name.endswith("?") and found[0].is_required():
                wrong.append((row.key, name, "documented optional, but required"))
    assert wrong == [], f"docs/configuration.md inline shapes: {wrong}"


def test_every_config_field_is_documented():
    documented = set()
    for row in rows():
        model, _, field = resolve(row.key)
        documented.add((model, field.alias))
        for nested in _models_in(field.annotation):
            documented |= {(nested, name.rstrip("?")) for name in inline_fields(row.meaning)}
    keys = [r.key for r in rows()]

    def has_documented_parts(path: str) -> bool:  # `linkerd`: its keys are the rows `linkerd.*`
        return any(k.startswith((f"{path}.", f"{path}[].")) for k in keys)

    missing = sorted({path for path, model, alias in field_paths()
                      if (model, alias) not in documented and not has_documented_parts(path)})
    assert missing == [], f"config fields docs/configuration.md does not document: {missing}"


def _claim(pattern: str, text: str) -> re.Match:
    m = re.search(pattern, " ".join(text.split()))
    assert m, f"docs/configuration.md: no statement matching {pattern!r}"
    return m


def _invalid(raw: dict) -> bool:
    try:
        parse(raw)
    except cfg.ConfigError:
        return True
    return False


def test_stated_name_and_address_limits_hold():
    body = " ".join(page_body("configuration").split())
    # cluster names
    n = int(_claim(r"`<name>` is a lowercase DNS label of at most ([0-9]+) characters", body).group(1))
    assert not _invalid({"clusters": {"a" * n: {"context": "x"}}})
    assert _invalid({"clusters": {"a" * (n + 1): {"context": "x"}}})
    # exported namespaces and services
    exports = next(r for r in rows() if r.key == "clusters.<name>.exports")
    m = int(_claim(r"at most ([0-9]+) characters", exports.meaning).group(1))
    for key in ("namespace", "service"):
        export = {"namespace": "test", "service": "foobar"}
        assert not _invalid({"clusters": {"east": {"context": "x", "exports": [{**export, key: "a" * m}]}}})
        assert _invalid({"clusters": {"east": {"context": "x", "exports": [{**export, key: "a" * (m + 1)}]}}})
    # the API address other clusters use
    api = next(r for r in rows() if r.key == "clusters.<name>.apiServerAddress")
    _claim(r"(?i)an `https://` URL", api.meaning)
    assert _invalid({"clusters": {"east": {"context": "x", "apiServerAddress": "http://192.0.2.1:6443"}}})
    assert not _invalid({"clusters": {"east": {"context": "x", "apiServerAddress": "https://192.0.2.1:6443"}}})


# -- stack outputs ----------------------------------------------------------------------------

def output_rows() -> dict[str, str]:
    """Output name (or pattern) -> its `secret` cell (docs/outputs.md)."""
    found = {}
    for line in page_body("outputs").splitlines():
        if not line.startswith("|") or set(line) <= set("|-: "):
            continue
        row = cells(line)
        if row[0] == "output":
            continue
        for name in re.findall(r"`([^`]+)`", row[0]):
            found[name] = row[1]
    assert found, "the Stack outputs table was not found"
    return found


def _matches(pattern: str, name: str) -> bool:
    return re.fullmatch(re.sub(r"<[^>]+>", "[a-z0-9-]+", re.escape(pattern).replace(r"\<", "<").replace(r"\>", ">")),
                        name) is not None


def test_stack_outputs_table_matches_the_outputs_the_program_exports():
    runs = [cached("east"), cached("west"), cached("mesh")]
    exported = {name for run in runs for name in run.outputs}
    documented = output_rows()
    undocumented = {n for n in exported if not any(_matches(p, n) for p in documented)}
    assert undocumented <= OUTPUTS_NOT_YET_DOCUMENTED, f"outputs missing from docs/outputs.md: {undocumented}"
    stale = {p for p in documented if not any(_matches(p, n) for n in exported)}
    assert stale == set(), f"docs/outputs.md lists outputs the program does not export: {stale}"
    for pattern, secret in documented.items():
        names = {n for run in runs for n in run.outputs if _matches(pattern, n)}
        if secret == "no":
            assert not any(n in run.secret for run in runs for n in names), pattern
        elif secret == "**yes**":
            assert all(n in run.secret for run in runs for n in names if n in run.outputs), pattern


# -- links and commands -----------------------------------------------------------------------

def github_slug(heading: str) -> str:
    """GitHub's anchor for a heading: link text only, lowercase, punctuation other than '-' and
    '_' dropped, spaces to '-'."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)
    text = re.sub(r"[^\w\- ]", "", text.strip().lower())
    return text.replace(" ", "-")


def anchors(text: str) -> set[str]:
    found: dict[str, int] = {}
    out = set()
    for line in outside_code(text):
        m = re.match(r"#{1,6} (.*)", line)
        if m:
            slug = github_slug(m.group(1))
            n = found.get(slug, 0)
            out.add(slug if n == 0 else f"{slug}-{n}")
            found[slug] = n + 1
    return out


def paragraphs(text: str) -> list[str]:
    """Blocks of text outside code blocks, each joined into one line (code spans may wrap)."""
    return [" ".join(block.split()) for block in "\n".join(outside_code(text)).split("\n\n") if block.strip()]


def code_spans(text: str) -> list[str]:
    """Inline code spans (`x`, or ``x`` when x holds a backtick), whitespace collapsed."""
    return [m.group(2).strip() for m in re.finditer(r"(`+)(.+?)(?<!`)\1(?!`)", text)]


def relative_links(text: str) -> list[str]:
    links = []
    for block in paragraphs(text):
        block = re.sub(r"(`+).+?(?<!`)\1(?!`)", "", block)  # code spans are not links
        links += re.findall(r"\]\(([^)\s]+)\)", block)
    return [l for l in links if not re.match(r"[a-z][a-z0-9+.-]*:", l)]


def test_every_relative_link_resolves():
    """Every relative link of the README, docs/ and examples/ names a file that exists, and its
    fragment, if any, a heading of that file (or of the page itself)."""
    broken, count = [], 0
    for md in markdown_files():
        text = md.read_text()
        for link in relative_links(text):
            count += 1
            path, _, fragment = link.partition("#")
            target = (md.parent / path).resolve() if path else md
            if not target.exists():
                broken.append((str(md.relative_to(ROOT)), link))
            elif fragment and (target.suffix != ".md" or fragment not in anchors(target.read_text())):
                broken.append((str(md.relative_to(ROOT)), link))
    assert count > 50
    assert broken == [], f"links that resolve to no file or heading: {broken}"


def test_every_docs_page_is_linked_from_the_readme():
    linked = {(ROOT / link.partition("#")[0]).resolve() for link in relative_links(README.read_text())}
    pages = sorted(DOCS.glob("*.md"))
    assert len(pages) >= 10
    unlinked = [p.name for p in pages if p.resolve() not in linked]
    assert unlinked == [], f"docs/ pages the README does not link to: {unlinked}"


def test_the_readme_is_one_screen_and_a_map():
    """What it is, the two commands, deploying the shipped stacks, where to go next: the part
    above the rule fits a screen, the map below it is a table of pages."""
    text = README.read_text()
    screen, _, rest = text.partition("\n---\n")
    assert rest, "the README has no `---` rule between its first screen and the map"
    assert len(screen.splitlines()) <= 40, f"the README's first screen is {len(screen.splitlines())} lines"
    assert len(text.splitlines()) <= 60, f"the README is {len(text.splitlines())} lines; move the rest to docs/"
    for command in ("scripts/setup", "scripts/test", "scripts/fleet up"):
        assert command in screen, command
    assert "Linkerd multicluster guide" in " ".join(screen.split())


def test_slugs_follow_githubs_rules():
    assert github_slug("What one `pulumi up` does") == "what-one-pulumi-up-does"
    assert github_slug("`links[]`, `topology`, `protect`") == "links-topology-protect"
    assert github_slug("Continuous delivery (GitHub Actions)") == "continuous-delivery-github-actions"


def test_bench_and_tools_commands_use_the_projects_virtualenv():
    texts = {str(md.relative_to(ROOT)): md.read_text() for md in markdown_files()}
    for folder in ("bench", "tools"):
        for path in sorted((ROOT / folder).glob("*.py")):
            texts[str(path.relative_to(ROOT))] = path.read_text()
    bare = [(name, m.group(0)) for name, text in texts.items()
            for m in re.finditer(r"(?<![\w/.-])python3? (bench|tools)/\S+", text)]
    assert bare == [], f"a bare `python` has none of the project's packages; use .venv/bin/python: {bare}"
    for name, text in texts.items():
        if name.endswith(".md"):
            for script in re.findall(r"\.venv/bin/python ((?:bench|tools)/[\w./-]+\.py)", text):
                assert (ROOT / script).exists(), (name, script)


# -- troubleshooting ------------------------------------------------------------------------------

ANY = None  # a placeholder of a message template: any text


def message_templates() -> list[list[Optional[str]]]:
    """Every string the program's modules build (literals and f-strings), as characters with ANY
    where an f-string puts a value; whitespace collapsed."""
    templates = []
    for path in sorted((ROOT / "components").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            parts: list = []
            if isinstance(node, ast.JoinedStr):
                parts = [v.value if isinstance(v, ast.Constant) else ANY for v in node.values]
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and len(node.value) > 20:
                parts = [node.value]
            chars: list[Optional[str]] = []
            for part in parts:
                if part is ANY:
                    chars.append(ANY)
                else:
                    chars += list(re.sub(r"\s+", " ", part))
            if chars:
                templates.append(chars)
    return templates


PLACEHOLDER_LIMIT = 80
"""Most characters one f-string value stands for in a quoted message (names, keys, URLs)."""


def quotes(template: list[Optional[str]], text: str, anywhere: bool = True, nested=None) -> bool:
    """Whether `text` is a part of a message the template builds (from its start unless
    `anywhere`). ANY stands for a value: one word (a name, key, URL) of at most PLACEHOLDER_LIMIT
    characters, except at the start of a message, where it may be a phrase (`{where}: ...`) that
    the text must not end in. An ANY that ends the template (`{e}`: another message) may also stand
    for the rest of the text if `nested(rest)` says another template builds it."""
    last = len(template) - 1

    def closure(found: set) -> set:
        todo, seen = list(found), set(found)
        while todo:
            i, _, _ = todo.pop()
            if i < len(template) and template[i] is ANY and (i + 1, 0, False) not in seen:
                seen.add((i + 1, 0, False))
                todo.append((i + 1, 0, False))
        return seen

    # a state: (position in the template, characters the ANY there took, whether they had a space)
    states = closure({(i, 0, False) for i in (range(len(template) + 1) if anywhere else [0])})
    for k, ch in enumerate(text):
        if nested is not None and template and template[last] is ANY \
                and any(i == last for i, _, _ in states) and nested(text[k:]):
            return True
        moved = set()
        for i, n, spaced in states:
            if i < len(template):
                if template[i] is ANY:
                    if n < PLACEHOLDER_LIMIT and (i == 0 or not ch.isspace()):
                        moved.add((i, n + 1, spaced or ch.isspace()))
                elif template[i] == ch:
                    moved.add((i + 1, 0, False))
        if not moved:
            return False
        states = closure(moved)
    return any(not spaced for _, _, spaced in moved) if text else True


def quoted_by_program(piece: str, templates: list, anywhere: bool = True) -> bool:
    words = piece.split()
    windows = {" ".join(words[i:i + 3]) for i in range(max(1, len(words) - 2))}
    candidates = [t for t in templates if any(w in "".join(c for c in t if c is not ANY) for w in windows)]
    return any(quotes(t, piece, anywhere, nested=lambda rest: quoted_by_program(rest, templates, False))
               for t in candidates)


def program_messages_quoted() -> list[str]:
    """The messages docs/troubleshooting.md quotes as the program's own: the first code span
    of each item under **The program**, and every other code span that starts with '…'."""
    body = page_body("troubleshooting")
    part = body[body.index("**The program**"):]
    part = part[:part.index("**", len("**The program**"))]
    found = []
    for item in re.split(r"\n- ", part)[1:]:
        spans = code_spans(" ".join(item.split()))
        found += spans[:1] + [s for s in spans[1:] if s.startswith("…")]
    return found


def test_troubleshooting_quotes_the_programs_own_messages():
    quoted = program_messages_quoted()
    assert len(quoted) >= 8, quoted
    templates = message_templates()
    wrong = []
    for message in quoted:
        for piece in (p.strip() for p in message.split("…")):
            if piece and not quoted_by_program(piece, templates):
                wrong.append(piece)
    assert wrong == [], f"docs/troubleshooting.md quotes messages components/ does not build: {wrong}"


def test_the_message_matcher():
    template = list("stack ") + [ANY] + list(" has no output ") + [ANY] + list("!")
    assert quotes(template, "stack a/b/c has no output 'x'!")
    assert quotes(template, "no output 'trustAnchorCertPem'")
    assert not quotes(template, "stack a/b/c has no outputs!")
    assert not quotes(template, "stack " + "x" * (PLACEHOLDER_LIMIT + 1) + " has no output")
    assert not quotes(template, "stack a b has no output 'x'!")  # a value inside a message is one word
    subject = [ANY] + list(" has no token yet")
    assert quotes(subject, "Secret x-token (access for 'west') has no token yet")
    assert not quotes(subject, "Secret x-token (access for 'west') lacks a token")
    outer, inner = list("not usable: ") + [ANY], [ANY] + list(": no address yet")
    assert quoted_by_program("not usable: cluster 'east': no address yet", [outer, inner])
    assert not quoted_by_program("not usable: cluster 'east': no adress yet", [outer, inner])


REPOSITORY_DIRS = ("components/", "tests/", "bench/", "tools/", "scripts/", "fleet/", "policy/", "e2e/", "examples/",
                   "docs/", ".github/", ".ci/")


def test_every_repository_path_the_pages_name_exists():
    """A path of this repository in a code span (`components/trust.py`, `tests/test_fleet.py`,
    `scripts/fleet`) names a file or folder that exists; so do the modules of how-it-works.md's
    table and the first column of layout.md."""
    missing = []
    for md in markdown_files():
        for para in paragraphs(md.read_text()):
            for span in code_spans(para):
                for word in span.split():
                    word = word.strip("(),;:'\"").split("::")[0]
                    if word.startswith(REPOSITORY_DIRS) and not re.search(r"[<>*{}$…]", word) \
                            and not (ROOT / word).exists():
                        missing.append((str(md.relative_to(ROOT)), word))
    table = page_body("how-it-works").split("## Two real-cluster traps")[0]
    for row in (cells(line) for line in table.splitlines() if line.startswith("|")):
        for name in re.findall(r"`([\w/]+\.py)`", row[-1]):
            if not (ROOT / "components" / name.removeprefix("components/")).exists():
                missing.append(("docs/how-it-works.md", name))
    layout = page_body("layout")
    for line in layout.split("```")[1].splitlines():
        first = line.split(" ", 1)[0]
        if first and not (ROOT / first).exists():
            missing.append(("docs/layout.md", first))
    assert missing == [], f"paths the pages name that do not exist: {missing}"


def test_repository_layout_names_every_module():
    layout = " ".join(page_body("layout").split())
    expected = [p.name for p in (ROOT / "components").glob("*.py") if p.name != "__init__.py"]
    expected += [p.name for p in (ROOT / "tests" / "harness").glob("*.py") if p.name != "__init__.py"]
    expected += [p.name for p in (ROOT / "tools").glob("*.py")]
    missing = sorted(name for name in expected if name not in layout)
    assert missing == [], f"docs/layout.md does not name: {missing}"


# -- commands: each runs as written, or is listed with the reason it cannot run here ---------------

SHELL_FENCE = re.compile(r"^\s*```(bash|sh|shell)\s*$")


@dataclass(frozen=True)
class Command:
    where: str
    """The Markdown file it is written in, relative to the project root."""
    block: int
    """Which shell code block of that file (0, 1, ...): a block's commands run in order, in one
    scratch copy, so that a `cp` is there for the command after it."""
    text: str
    """The command as written, its comment and continuation lines included."""


def shell_commands(md: Path) -> list[Command]:
    """The commands of a file's shell code blocks: one per line, a line continued by `\\` or inside
    an open quote joined with the next; comment-only lines dropped."""
    found: list[Command] = []
    block, inside, pending = -1, False, ""
    for line in md.read_text().splitlines():
        if not inside:
            if SHELL_FENCE.match(line):
                inside, block, indent = True, block + 1, len(line) - len(line.lstrip())
            continue
        if line.strip().startswith("```"):
            assert not pending, f"{md}: unfinished command {pending!r}"
            inside = False
            continue
        pending = f"{pending}\n{line[indent:]}" if pending else line[indent:]
        try:
            words = shlex.split(pending, comments=True)
        except ValueError:  # an open quote: the command goes on
            continue
        if pending.rstrip().endswith("\\"):
            continue
        if words:
            found.append(Command(str(md.relative_to(ROOT)), block, pending))
        pending = ""
    return found


def all_commands() -> list[Command]:
    return [c for md in markdown_files() for c in shell_commands(md)]


def inline_commands() -> list[Command]:
    """Benchmark and tool commands written inline (`.venv/bin/python bench/...`), block -1."""
    found = []
    for md in markdown_files():
        for para in paragraphs(md.read_text()):
            found += [Command(str(md.relative_to(ROOT)), -1, span) for span in code_spans(para)
                      if re.match(r"\.venv/bin/python (bench|tools)/", span)]
    return found


NOT_RUN: list[tuple[str, str]] = [
    (r"^scripts/setup\b", "installs the virtualenv, actionlint and Debian packages these tests run with; "
                          ".ci/run runs it on a fresh machine (test_quickstart.py checks that it does)"),
    (r"^scripts/test\b", "is this test suite; .ci/run runs it"),
    (r"^scripts/e2e\b", "needs root (network and PID namespaces) and Go 1.26, and an hour of compiling "
                        "before its cache exists; .ci/run runs `build` and `test`"),
    (r"^scripts/mutation\b", "takes an hour or more (about 25 minutes a module); the weekly workflow "
                             ".github/workflows/mutation.yml runs it"),
    (r"^scripts/fleet (?!.*--dry-run)", "drives the Pulumi CLI (Automation API) against clusters; its --dry-run "
                                        "runs here, its order logic on the engine model (test_fleet.py)"),
    (r"pip install", "downloads the policy pack's packages from PyPI"),
    (r"\bpulumi (login|stack|up|preview|config|destroy|refresh)\b",
     "needs the Pulumi CLI and a backend (and clusters for up and preview); the fast tier has neither: "
     "the program runs under Pulumi mocks and the engine model (tests/harness), the CLI on the real tier"),
    (r"^(kubectl|linkerd)\b", "needs a running cluster (and, for `linkerd`, the linkerd CLI); the tests have none"),
    (r"^examples/local/quickstart\.sh(?!.*--dry-run)", "creates Docker networks and k3d or kind clusters and downloads "
                                                       "the linkerd CLI; its --dry-run runs here (and in test_quickstart.py)"),
    (r"^\.venv/bin/python bench/scale\.py --clusters 2,5,10,20$",
     "minutes on a shared machine; test_bench_smoke.py runs it at N = 2"),
    (r"^\.venv/bin/python bench/typed_floor\.py$",
     "1,000 resources of each kind, most of a minute on a shared machine; test_bench_smoke.py runs it with --count 3"),
    (r"^\.venv/bin/python bench/live_mesh\.py --clusters 2,5,10,20$",
     "minutes on a shared machine; test_live_mesh_model.py runs its main() at N = 2"),
]
"""Commands of the README, docs/ and examples/ that cannot run here: (pattern, the reason)."""


def not_run(command: Command) -> Optional[str]:
    text = re.sub(r"\s+#[^'\"]*$", "", command.text.strip())  # its trailing comment is not part of it
    return next((reason for pattern, reason in NOT_RUN if re.search(pattern, text)), None)


EXPECTED_OUTPUT = {
    r"^scripts/fleet up --dry-run +#": "that is 3 up(s): west, east, west.",
    r"^scripts/fleet up --dry-run -s east -s west -s north": "that is 7 up(s): west, north, east, west, north, east, west.",
    r"tools/diagram\.py Pulumi\.east\.yaml": "flowchart LR",
    r"tools/diagram\.py --markdown": "```mermaid\nflowchart LR",
    r"quickstart\.sh --dry-run": "stack init east",
}
"""What a command run here must print (checked besides its exit status 0)."""


def runnable_blocks() -> dict[str, list[Command]]:
    blocks: dict[str, list[Command]] = {}
    for command in all_commands() + inline_commands():
        if not_run(command) is None:
            blocks.setdefault(f"{command.where}#{command.block}", []).append(command)
    return blocks


def test_every_command_runs_or_says_why_not():
    commands = all_commands() + inline_commands()
    assert len(commands) > 50, "the shell code blocks were not found"
    ran = [c for block in runnable_blocks().values() for c in block]
    assert len(ran) >= 10, [c.text for c in ran]
    for screen_command in ("scripts/setup", "scripts/test"):  # the README's two: CI runs them
        assert any(c.where == "README.md" and c.text.startswith(screen_command) for c in commands)
    unused = [pattern for pattern, _ in NOT_RUN if not any(re.search(pattern, c.text) for c in commands)]
    assert unused == [], f"NOT_RUN entries that match no documented command: {unused}"


def scratch_project(dest: Path) -> Path:
    """A copy of the project (no virtualenv of its own: a link to this one's) to run commands in."""
    skipped = shutil.ignore_patterns(".git", ".venv*", "venv", "mutants", "mutation-report", "node_modules",
                                     ".hypothesis", ".pytest_cache", "__pycache__")
    shutil.copytree(ROOT, dest, ignore=skipped, symlinks=True)
    (dest / ".venv").symlink_to((ROOT / ".venv").resolve())
    return dest


@pytest.mark.parametrize("block", sorted(runnable_blocks()))
def test_documented_commands_run_as_written(block, tmp_path):
    """Each command that can run here runs as written, from the project root of a scratch copy
    (commands of one code block in order, in the same copy), and exits 0."""
    project = scratch_project(tmp_path / "project")
    home = tmp_path / "home"
    home.mkdir()
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(home), "LANG": "C.UTF-8",
           "KUBECONFIG": os.environ.get("KUBECONFIG", "")}
    for command in runnable_blocks()[block]:
        result = subprocess.run(["bash", "-c", command.text], cwd=project, env=env, capture_output=True, text=True,
                                stdin=subprocess.DEVNULL, timeout=180)
        assert result.returncode == 0, f"{command.where}: {command.text}\n{result.stdout}\n{result.stderr}"
        for pattern, expected in EXPECTED_OUTPUT.items():
            if re.search(pattern, command.text):
                assert expected in result.stdout, f"{command.where}: {command.text}\n{result.stdout}"
        words = shlex.split(command.text, comments=True)
        if words[0] == "cp":  # the copies are the examples' files, where Pulumi looks for them
            target = project / words[-1]
            for source in words[1:-1]:
                copied = target / Path(source).name if target.is_dir() else target
                assert copied.parent == project and copied.read_bytes() == (project / source).read_bytes()
                # and the program reads it from there (tools/diagram.py validates as the program does)
                check = subprocess.run([".venv/bin/python", "tools/diagram.py", copied.name], cwd=project, env=env,
                                       capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=120)
                assert check.returncode == 0, f"{command.where}: {copied.name}: {check.stderr}"
        if "policy-config.json" in words:
            check_policy_config(json.loads((project / "policy-config.json").read_text()))
    assert not (home / ".local" / "state").exists(), "a documented dry run left state behind"


def check_policy_config(config: dict) -> None:
    """The policy pack config docs/policy-pack.md writes names the pack's policies and their keys."""
    sources = "\n".join(p.read_text() for p in sorted((ROOT / "policy").rglob("*.py")) if "venv" not in p.parts)
    assert config, "empty policy config"
    for policy, settings in config.items():
        assert f'"{policy}"' in sources, f"no policy named {policy!r} in policy/"
        for key in settings:
            assert f'"{key}"' in sources, f"policy {policy!r}: no config key {key!r} in policy/"


# -- pages against the code they describe -----------------------------------------------------------

def test_policy_pack_page_lists_the_packs_policies():
    """docs/policy-pack.md's list is the pack's policies (the names policy/ registers), no more."""
    sources = "\n".join(p.read_text() for p in sorted((ROOT / "policy").rglob("*.py")) if "venv" not in p.parts)
    registered = set(re.findall(r'\bname="([a-z0-9-]+)"', sources)) - {"linkerd-multicluster"}  # the pack's own
    listed = set(re.findall(r"^- `([a-z0-9-]+)`:", page_body("policy-pack"), re.M))
    assert len(registered) >= 10
    assert listed == registered, f"listed, not registered: {listed - registered}; registered, not listed: {registered - listed}"


def test_link_health_page_shows_the_expression_the_program_writes():
    from components.link_health import mirrored_expression

    assert mirrored_expression("test", "foobar") in page_body("link-health").split("```")[1]


def test_every_example_stack_file_is_named_on_an_examples_page():
    """Examples as documentation: each stack file under examples/ is linked from its folder's
    README (or examples/README.md for the top level)."""
    missing = []
    for stack_file in sorted((ROOT / "examples").rglob("Pulumi.*.yaml")):
        readme = stack_file.parent / "README.md"
        linked = readme.exists() and any((readme.parent / l.partition("#")[0]).resolve() == stack_file.resolve()
                                         for l in relative_links(readme.read_text()))
        if not linked:
            missing.append(str(stack_file.relative_to(ROOT)))
    assert missing == [], f"example stack files no examples README links to: {missing}"
