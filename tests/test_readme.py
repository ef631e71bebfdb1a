"""README.md matches the code: every key of the "Configuration reference" tables is a field of the
config models (components/config/schema.py) under its camelCase name, with the default and the limits the
README states, and every model field is documented; every stack output in "Stack outputs" is one
the program exports (run under the mocks) and back; every relative link resolves; bench/tools
commands run with the project's virtualenv."""
from __future__ import annotations

import ast
import re
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

# Defaults the README describes instead of spelling out a value; each is unset (None) in the
# model and means "fall back to" what the README names.
DESCRIBED_DEFAULTS = {
    "clusters.<name>.kubeconfig": "`$KUBECONFIG` / `~/.kube/config`",
    "clusters.<name>.apiServerAddress": "the context's `server`",
    "clusters.<name>.issuerGeneration": "`trust.issuerGeneration`",
}
# Limits of this size are a field's type (ports, counters), not something the README must state.
NATURAL_LOWER = {0, 1}
NATURAL_UPPER = {65535, cfg.INT32_MAX}
# Stack outputs the program exports that "Stack outputs" (a section another change owns) does not
# list yet; reported, tolerated here so as not to fail on it. Remove an entry once documented.
OUTPUTS_NOT_YET_DOCUMENTED: set[str] = set()


# -- reading the README -----------------------------------------------------------------------

def outside_code(text: str) -> list[str]:
    """The README's lines with fenced code blocks blanked (their '#' lines are not headings)."""
    lines, fenced = [], False
    for line in text.splitlines():
        if re.match(r"\s*(```|~~~)", line):
            fenced = not fenced
            lines.append("")
            continue
        lines.append("" if fenced or line.startswith("    ") else line)
    return lines


def sections(level: int = 2) -> dict[str, str]:
    """Heading text -> the text under it (up to the next heading of the same or a higher level)."""
    text = README.read_text()
    raw, lines = text.splitlines(), outside_code(text)
    found: dict[str, str] = {}
    current, body = None, []
    for line, plain in zip(raw, lines):
        m = re.match(r"(#{1,6}) (.*)", plain)
        if m and len(m.group(1)) <= level:
            if current is not None:
                found[current] = "\n".join(body)
            current, body = m.group(2).strip(), []
        elif current is not None:
            body.append(line)
    if current is not None:
        found[current] = "\n".join(body)
    return found


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
    """Every row of the configuration tables, keyed by its full path."""
    body = sections(2)["Configuration reference"]
    rows: list[Row] = []
    base = ""
    header: list[str] = []
    for line in body.splitlines():
        heading = re.match(r"### (.*)", line)
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
    assert unknown == [], f"README configuration keys that are no field of components/config/schema.py: {unknown}"


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
    assert wrong == [], "README default (key, README, model): " + "; ".join(map(str, wrong))


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
    assert wrong == [], "README limits (key, which, README, model): " + "; ".join(map(str, wrong))


def test_documented_choices_are_the_models_choices():
    wrong = []
    for row in rows():
        _, _, field = resolve(row.key)
        for choice in _literals(field.annotation):
            if f"`{choice}`" not in row.meaning + (row.default or ""):
                wrong.append((row.key, choice))
    assert wrong == [], f"README rows that do not name a value the model accepts: {wrong}"


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
    assert wrong == [], f"README inline shapes: {wrong}"


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
    assert missing == [], f"config fields the README's configuration reference does not document: {missing}"


def _claim(pattern: str, text: str) -> re.Match:
    m = re.search(pattern, " ".join(text.split()))
    assert m, f"README: no statement matching {pattern!r}"
    return m


def _invalid(raw: dict) -> bool:
    try:
        parse(raw)
    except cfg.ConfigError:
        return True
    return False


def test_stated_name_and_address_limits_hold():
    body = " ".join(sections(2)["Configuration reference"].split())
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
    """Output name (or pattern) -> its `secret` cell."""
    found = {}
    for line in sections(2)["Stack outputs"].splitlines():
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
    assert undocumented <= OUTPUTS_NOT_YET_DOCUMENTED, f"outputs missing from README 'Stack outputs': {undocumented}"
    stale = {p for p in documented if not any(_matches(p, n) for n in exported)}
    assert stale == set(), f"README 'Stack outputs' lists outputs the program does not export: {stale}"
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
    text = README.read_text()
    own = anchors(text)
    broken = []
    for link in relative_links(text):
        path, _, fragment = link.partition("#")
        if path:
            if not (README.parent / path).exists():
                broken.append(link)
        elif fragment not in own:
            broken.append(link)
    assert len(relative_links(text)) > 10
    assert broken == [], f"README links that resolve to no file or heading: {broken}"


def test_slugs_follow_githubs_rules():
    assert github_slug("What one `pulumi up` does") == "what-one-pulumi-up-does"
    assert github_slug("`links[]`, `topology`, `protect`") == "links-topology-protect"
    assert github_slug("Continuous delivery (GitHub Actions)") == "continuous-delivery-github-actions"


def test_bench_and_tools_commands_use_the_projects_virtualenv():
    texts = {"README.md": README.read_text()}
    for folder in ("bench", "tools"):
        for path in sorted((ROOT / folder).glob("*.py")):
            texts[str(path.relative_to(ROOT))] = path.read_text()
    bare = [(name, m.group(0)) for name, text in texts.items()
            for m in re.finditer(r"(?<![\w/.-])python3? (bench|tools)/\S+", text)]
    assert bare == [], f"a bare `python` has none of the project's packages; use .venv/bin/python: {bare}"
    for script in re.findall(r"\.venv/bin/python ((?:bench|tools)/[\w./-]+\.py)", texts["README.md"]):
        assert (ROOT / script).exists(), script


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
    """The messages the Troubleshooting section quotes as the program's own: the first code span
    of each item under **The program**, and every other code span that starts with '…'."""
    body = sections(2)["Troubleshooting"]
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
    assert wrong == [], f"README Troubleshooting quotes messages components/ does not build: {wrong}"


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


def test_repository_layout_names_every_module():
    layout = " ".join(sections(2)["Repository layout"].split())
    expected = [p.name for p in (ROOT / "components").glob("*.py") if p.name != "__init__.py"]
    expected += [p.name for p in (ROOT / "tests" / "harness").glob("*.py") if p.name != "__init__.py"]
    expected += [p.name for p in (ROOT / "tools").glob("*.py")]
    missing = sorted(name for name in expected if name not in layout)
    assert missing == [], f"README 'Repository layout' does not name: {missing}"
