"""Offline validators the tests run the program's output through.

* `k8s_errors`: built-in Kubernetes kinds against kubernetes-validate's strict JSON schemas.
* `crd_to_jsonschema` / `cr_errors` / `link_errors`: custom resources against a CRD's
  structural schema, translated to JSON Schema with the API server's semantics.
* `values_errors`: Helm values the program passes against the charts' known keys.
* `split_pem_bundle`, `verify_trust_anchor_like_linkerd`, `verify_issuer_like_linkerd`,
  `openssl_verify`: the identity certificates, checked the way Linkerd checks them, plus
  OpenSSL as a second opinion.

Every validator returns or raises *all* problems it finds and never treats "could not check"
as "passed": an unknown kind raises `NoSchemaError`, a missing openssl raises `RuntimeError`.
Pulumi mock artefacts (numbers as floats, secret wrappers) are normalised first.
"""
from __future__ import annotations

import copy
import datetime as dt
import functools
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any, Iterable, Optional

import jsonschema
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, SignatureAlgorithmOID
from cryptography.x509.verification import (
    Criticality,
    DNSName,
    ExtensionPolicy,
    PolicyBuilder,
    Store,
    VerificationError,
)
from kubernetes_validate import utils as kv_utils
from referencing import Registry, Resource

# tests/ is on sys.path (tests/conftest.py), so fixtures import as top-level modules,
# like the rest of the test suite does.
from upstream import edge_26_8_3 as upstream
from upstream.extract import LIST_ITEM, join_path, split_path, type_name

# -- Pulumi mock artefacts -------------------------------------------------------------------

# How the Pulumi SDK marks a secret value on the wire (pulumi/runtime/rpc.py).
PULUMI_SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d"
PULUMI_SECRET_SIG_VALUE = "1b47061264138c4ac30d75fd1eb44270"


def normalize(value: Any) -> Any:
    """A deep copy with Pulumi-mock artefacts removed: secret wrappers unwrapped, integral
    floats turned into ints (mocks deliver every number as a float), tuples into lists."""
    if isinstance(value, dict):
        if value.get(PULUMI_SECRET_SIG_KEY) == PULUMI_SECRET_SIG_VALUE and "value" in value:
            return normalize(value["value"])
        return {k: normalize(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [normalize(v) for v in value]
    if type(value) is float and value.is_integer():
        return int(value)
    return value


def _fmt(error: jsonschema.ValidationError) -> str:
    path = ".".join(str(p) for p in error.absolute_path)
    return f"{path or '<root>'}: {error.message}"


def _all_errors(validator: jsonschema.protocols.Validator, obj: Any) -> list[str]:
    errs = sorted(validator.iter_errors(obj), key=lambda e: [str(p) for p in e.absolute_path])
    return [_fmt(e) for e in errs]


# -- Built-in kinds: kubernetes-validate -----------------------------------------------------

class NoSchemaError(LookupError):
    """No built-in schema for this apiVersion/kind: it is a custom resource (validate it with
    `cr_errors`/`link_errors`) or a typo. Raised so a test can never pass unvalidated."""


def _schema_dir(version: str, strict: bool) -> str:
    # Same choice as kubernetes_validate.validate: the newest bundled X.Y not newer than asked.
    version = version.removeprefix("v")
    wanted = kv_utils.major_minor(version)
    if wanted > kv_utils.latest_version():
        raise kv_utils.VersionNotSupportedError(version=wanted)
    candidates = [v for v in kv_utils.all_versions() if kv_utils.major_minor(v) <= wanted]
    if not candidates:
        raise kv_utils.VersionNotSupportedError(version=wanted)
    return f"kubernetes-json-schema/v{candidates[-1]}-local" + ("-strict" if strict else "")


@functools.lru_cache(maxsize=None)
def _registry(schema_dir: str) -> Registry:
    defs = kv_utils.schema_contents(f"{schema_dir}/_definitions.json", schema_dir)
    return Resource.from_contents(defs) @ Registry()


@functools.lru_cache(maxsize=None)
def _k8s_validator(schema_dir: str, api_version: str, kind: str) -> jsonschema.Draft202012Validator:
    # rbac.authorization.k8s.io/v1 -> rbac-v1, v1 -> v1 (kubernetes-validate's file naming)
    api = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    filename = f"{schema_dir}/{kind.lower()}-{api}.json"
    try:
        schema = kv_utils.schema_contents(filename, schema_dir)
    except FileNotFoundError:
        raise NoSchemaError(
            f"no built-in Kubernetes schema for {api_version} {kind} ({filename}); "
            "custom resources must go through cr_errors()/link_errors()"
        ) from None
    registry = Resource.from_contents(schema) @ _registry(schema_dir)
    return jsonschema.Draft202012Validator(schema, registry=registry)


def k8s_errors(obj: dict[str, Any], version: str = "1.31.0", strict: bool = True) -> list[str]:
    """Every schema error of a built-in Kubernetes object ("path: message"); [] if valid.

    Strict mode (default) rejects unknown fields, as `kubectl apply --validate=strict` does.
    Like kubernetes-validate it does not enforce enums or check base64 in Secret.data.
    Raises `NoSchemaError` for a kind without a built-in schema.
    """
    obj = normalize(obj)
    if not isinstance(obj, dict) or not obj.get("apiVersion") or not obj.get("kind"):
        raise ValueError(f"not a Kubernetes object (apiVersion/kind missing): {obj!r:.200}")
    validator = _k8s_validator(_schema_dir(version, strict), obj["apiVersion"], obj["kind"])
    return _all_errors(validator, obj)


# -- Custom resources: CRD structural schema -> JSON Schema ----------------------------------

_GO_DURATION = re.compile(
    r"^[-+]?(?:0|(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|\u00b5s|\u03bcs|ms|s|m|h))+)$"
)
# kube-openapi's fallback grammar (pkg/validation/strfmt/duration.go): "<n> <unit>" anywhere.
_K8S_DURATION_PART = re.compile(r"((?:-\s?)?\d+)\s*([A-Za-z\u00b5]+)")
_K8S_DURATION_UNITS = (
    ("ns", "nano"), ("us", "\u00b5s", "micro"), ("ms", "milli"), ("s", "sec"),
    ("m", "min"), ("h", "hr", "hour"), ("d", "day"), ("w", "wk", "week"),
)


def is_go_duration(text: str) -> bool:
    """What Go's time.ParseDuration accepts (`3s`, `1h30m`, `250ms`; not `3`)."""
    return bool(_GO_DURATION.match(text))


def is_k8s_duration(text: str) -> bool:
    """What the API server accepts for `format: duration` in a CRD: a Go duration, or else any
    `<int> <unit>` group with a known unit (so `3` and `3x` fail, `3 seconds` passes)."""
    if is_go_duration(text):
        return True
    for _, unit in _K8S_DURATION_PART.findall(text):
        unit = unit.lower()
        for variants in _K8S_DURATION_UNITS:
            if unit.startswith(variants[-1]) or unit in variants:
                return True
    return False


# The API server validates only a fixed list of formats in CRD schemas; of those, the Linkerd
# CRDs use `duration` and `date-time`. JSON Schema's own `duration` means ISO 8601 (`PT3S`),
# which would reject valid Kubernetes values, so it is deliberately not used.
K8S_FORMAT_CHECKER = jsonschema.FormatChecker(formats=())


@K8S_FORMAT_CHECKER.checks("duration")
def _check_duration(value: object) -> bool:
    return not isinstance(value, str) or is_k8s_duration(value)


@K8S_FORMAT_CHECKER.checks("date-time")
def _check_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return "T" in value or " " in value


def structural_to_jsonschema(schema: dict[str, Any]) -> dict[str, Any]:
    """Translate one OpenAPI v3 structural schema node (and its children) into JSON Schema
    with the API server's semantics:

    * `x-kubernetes-int-or-string` -> integer or string (it carries no `type`);
    * `nullable: true` -> null allowed (JSON Schema would reject null);
    * an object without `x-kubernetes-preserve-unknown-fields` or `additionalProperties`
      gets `additionalProperties: false` (the server prunes unknown fields, or rejects them
      under strict field validation);
    * `x-kubernetes-embedded-resource` -> apiVersion and kind required;
    * other `x-kubernetes-*` keys, `default` and CEL rules are not validation and are dropped
      from the checks (`default` is kept as an annotation).
    """
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {
        k: v for k, v in schema.items() if not k.startswith("x-kubernetes-") and k != "nullable"
    }
    if schema.get("x-kubernetes-int-or-string"):
        out.pop("type", None)
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    for key in ("properties", "patternProperties"):
        if key in schema:
            out[key] = {k: structural_to_jsonschema(v) for k, v in schema[key].items()}
    for key in ("items", "additionalProperties", "not"):
        if isinstance(schema.get(key), dict):
            out[key] = structural_to_jsonschema(schema[key])
    for key in ("allOf", "anyOf", "oneOf"):
        if key in schema and not (key == "anyOf" and schema.get("x-kubernetes-int-or-string")):
            out[key] = [structural_to_jsonschema(s) for s in schema[key]]
    if schema.get("nullable"):
        if isinstance(out.get("type"), str):
            out["type"] = [out["type"], "null"]
        if "enum" in out and None not in out["enum"]:
            out["enum"] = [*out["enum"], None]
    if (
        schema.get("type") == "object"
        and not schema.get("x-kubernetes-preserve-unknown-fields")
        and "additionalProperties" not in schema
    ):
        out["additionalProperties"] = False
    if schema.get("x-kubernetes-embedded-resource"):
        out["required"] = sorted({*out.get("required", []), "apiVersion", "kind"})
    return out


def crd_to_jsonschema(crd: dict[str, Any], version: str) -> dict[str, Any]:
    """A JSON Schema for a whole custom resource of `crd` at `version`: the translated
    openAPIV3Schema plus apiVersion/kind constants and an object `metadata` (the server checks
    metadata as ObjectMeta, which is outside the CRD)."""
    versions = {v["name"]: v for v in crd["spec"]["versions"]}
    if version not in versions:
        raise KeyError(f"{crd['metadata']['name']} has no version {version!r} (has {sorted(versions)})")
    if not versions[version].get("served", False):
        raise ValueError(f"{crd['metadata']['name']} {version} is not served")
    root = structural_to_jsonschema(copy.deepcopy(versions[version]["schema"]["openAPIV3Schema"]))
    props = root.setdefault("properties", {})
    props["apiVersion"] = {"const": f"{crd['spec']['group']}/{version}"}
    props["kind"] = {"const": crd["spec"]["names"]["kind"]}
    props.setdefault("metadata", {"type": "object"})
    root["required"] = sorted({*root.get("required", []), "apiVersion", "kind", "metadata"})
    root["additionalProperties"] = False
    return root


def cr_errors(obj: dict[str, Any], schema: dict[str, Any]) -> list[str]:
    """Every error of a custom resource against a schema from `crd_to_jsonschema` (or a
    hand-written one like `LINK_V1ALPHA3`); `duration`/`date-time` checked the Kubernetes way."""
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    cls.check_schema(schema)
    return _all_errors(cls(schema, format_checker=K8S_FORMAT_CHECKER), normalize(obj))


def _selector_errors(where: str, selector: Any) -> list[str]:
    # metav1.LabelSelectorAsSelector (used by the controller) rejects these at run time.
    errs: list[str] = []
    if not isinstance(selector, dict):
        return errs
    for i, expr in enumerate(selector.get("matchExpressions") or []):
        if not isinstance(expr, dict):
            continue
        op, values = expr.get("operator"), expr.get("values") or []
        if op in ("In", "NotIn") and not values:
            errs.append(f"{where}.matchExpressions.{i}: operator {op} needs non-empty values")
        if op in ("Exists", "DoesNotExist") and values:
            errs.append(f"{where}.matchExpressions.{i}: operator {op} must have no values")
    return errs


def link_runtime_errors(obj: dict[str, Any]) -> list[str]:
    """Problems the API server lets through but the service-mirror controller trips on
    (`upstream.LINK_RUNTIME_PARSING`): ports must be decimal 1..65535 (a project rule slightly
    stricter than ParseInt), period/timeout Go durations, failureThreshold an unsigned int."""
    spec = normalize(obj).get("spec")
    if not isinstance(spec, dict):
        return []
    errs: list[str] = []

    def port(where: str, v: Any) -> None:
        if isinstance(v, str) and not (re.fullmatch(r"[0-9]{1,5}", v) and 1 <= int(v) <= 65535):
            errs.append(f"{where}: {v!r} is not a port number 1..65535 (parsed with strconv.ParseInt)")

    port("spec.gatewayPort", spec.get("gatewayPort"))
    probe = spec.get("probeSpec")
    if isinstance(probe, dict):
        port("spec.probeSpec.port", probe.get("port"))
        for key in ("period", "timeout"):
            v = probe.get(key)
            if isinstance(v, str) and not is_go_duration(v):
                errs.append(f"spec.probeSpec.{key}: {v!r} is not a Go duration such as '3s' (time.ParseDuration)")
        ft = probe.get("failureThreshold")
        if isinstance(ft, str) and not re.fullmatch(r"[0-9]+", ft):
            errs.append(f"spec.probeSpec.failureThreshold: {ft!r} is not an unsigned integer (strconv.ParseUint)")
    address = spec.get("gatewayAddress")
    if isinstance(address, str) and address and any(not a.strip() or a != a.strip() for a in address.split(",")):
        errs.append(f"spec.gatewayAddress: {address!r} has an empty or padded entry (split on ',')")
    for key in ("selector", "remoteDiscoverySelector", "federatedServiceSelector"):
        errs += _selector_errors(f"spec.{key}", spec.get(key))
    return errs


def link_errors(obj: dict[str, Any]) -> list[str]:
    """Every problem of a Link: schema errors against `upstream.LINK_V1ALPHA3` (what the API
    server would reject, plus the project's stricter rules), then run-time parse errors."""
    return cr_errors(obj, upstream.LINK_V1ALPHA3) + link_runtime_errors(obj)


# -- Helm values -----------------------------------------------------------------------------

# Maps whose keys are user data (labels, annotations, selectors), even where values.yaml ships
# an example entry; any key below them is fine.
# `securityContext` is passed to the pod spec verbatim. (Linkerd-style `resources` maps with
# cpu/memory .limit/.request are NOT free-form: a Kubernetes-style requests/limits map there
# is a real mistake; the multicluster chart's `resources: {}` are, via the empty-map rule.)
_FREE_FORM_SUFFIXES = ("Annotations", "Labels", "annotations", "labels", "nodeSelector", "Selector")


def _free_form(path: str, known: dict[str, str]) -> bool:
    last = split_path(path)[-1]
    if last.endswith(_FREE_FORM_SUFFIXES) or last == "securityContext":
        return True
    # An empty mapping upstream ({}), or one declared dict only in comments, has no known children.
    prefix_dot, prefix_br = path + ".", path + "["
    return known.get(path) == "dict" and not any(
        p.startswith((prefix_dot, prefix_br)) for p in known
    )


def _type_ok(expected: str, value: Any) -> bool:
    got = type_name(value)
    if expected == "null" or got == "null":
        return True  # upstream "unset" placeholder; null means "use the default"
    if expected == "str":
        # An upstream "" often stands for an unset number or duration
        # (terminationGracePeriodSeconds: "", proxy.cores); accept numbers there.
        return got in ("str", "int", "float")
    if expected == "float":
        return got in ("int", "float")
    return got == expected


def values_errors(chart: str, values: dict[str, Any]) -> list[str]:
    """Paths in Helm `values` the chart does not know, and type mismatches with upstream.

    Known = values.yaml keys, commented keys and template-only keys of `chart`; for
    linkerd-multicluster `controllers[]` entries are checked against the keys the controller
    templates read. Below a free-form map (labels, annotations, nodeSelector, resources, an
    upstream `{}`) anything goes.
    """
    known = upstream.known_value_paths(chart)
    internal = set(upstream.INTERNAL_KEYS.get(chart, ()))
    errs: list[str] = []

    def visit(keys: tuple[str, ...], value: Any) -> None:
        path = join_path(keys)
        if path in internal:
            errs.append(f"{path}: set by the chart/CLI itself; the program must not set it")
            return
        expected = known.get(path)
        if expected is None:
            errs.append(f"{path}: not a key of {chart} {upstream.CHART_VERSION} (typo?)")
            return
        if not _type_ok(expected, value):
            errs.append(f"{path}: upstream type is {expected}, got {type_name(value)} {value!r:.60}")
            return
        if chart == "linkerd-multicluster" and path == "controllers" and isinstance(value, list):
            for i, entry in enumerate(value):
                errs.extend(f"controllers[{i}].{e}" for e in controller_entry_errors(entry))
            return
        if isinstance(value, list):
            item_keys = {p for p in known if p.startswith(path + LIST_ITEM)}
            for i, item in enumerate(value):
                if item_keys and isinstance(item, dict):
                    for k in item:
                        if f"{path}{LIST_ITEM}.{k}" not in item_keys:
                            errs.append(f"{path}[{i}].{k}: not a known key of {path} items")
            return
        if isinstance(value, dict) and not _free_form(path, known):
            for k, v in value.items():
                visit(keys + (str(k),), v)

    for k, v in normalize(values).items():
        visit((str(k),), v)
    return errs


def controller_entry_errors(entry: Any) -> list[str]:
    """Problems of one linkerd-multicluster `controllers[]` entry: `link.ref.name` missing or
    not a string, or a key the templates never read (it would be silently ignored)."""
    if not isinstance(entry, dict):
        return [f"<entry>: must be a mapping, got {type_name(entry)}"]
    errs: list[str] = []
    link = entry.get("link")
    ref = link.get("ref") if isinstance(link, dict) else None
    name = ref.get("name") if isinstance(ref, dict) else None
    if not isinstance(name, str) or not name:
        errs.append("link.ref.name: required (the Link's name)")
    overrides = upstream.CONTROLLER_ENTRY_OVERRIDES

    def visit(keys: tuple[str, ...], value: Any) -> None:
        path = join_path(keys)
        if path in ("link", "link.ref", upstream.CONTROLLER_ENTRY_REQUIRED):
            if isinstance(value, dict):
                for k, v in value.items():
                    visit(keys + (str(k),), v)
            elif path != upstream.CONTROLLER_ENTRY_REQUIRED:
                errs.append(f"{path}: must be a mapping")
            return
        if path in overrides:
            if not _type_ok(overrides[path], value):
                errs.append(f"{path}: expected {overrides[path]}, got {type_name(value)}")
            return
        if isinstance(value, dict) and any(p.startswith(path + ".") for p in overrides):
            for k, v in value.items():
                visit(keys + (str(k),), v)
            return
        errs.append(f"{path}: not read by the controller templates (ignored upstream)")

    for k, v in entry.items():
        visit((str(k),), v)
    return errs


# -- Certificates ----------------------------------------------------------------------------

class PemBundleError(ValueError):
    """A trust-anchor bundle Linkerd would mis-parse."""


class CertCheckError(ValueError):
    """A certificate Linkerd (or a TLS peer) would refuse; the message says which rule."""


_PEM_BLOCK = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----\n([A-Za-z0-9+/=\n]+?)\n?-----END \1-----\n")


def split_pem_bundle(text: str) -> list[x509.Certificate]:
    """Parse `identityTrustAnchorsPEM`, enforcing Linkerd's parsing rule strictly.

    pkg/tls/codec.go DecodePEMCertificates loops pem.Decode until the text is used up: any
    text after the last block (even one extra blank line) fails with "not a PEM certificate",
    and a non-CERTIFICATE block silently ends parsing, dropping every later anchor. ConfigMap
    linkerd-config keeps the value untrimmed. So the bundle must be CERTIFICATE blocks only,
    back to back, ending in exactly one newline.
    """
    if not isinstance(text, str):
        raise PemBundleError(f"bundle must be a string, got {type(text).__name__}")
    if "\r" in text:
        raise PemBundleError("bundle contains CR characters; use \\n line endings")
    if not text.endswith("-----\n"):
        raise PemBundleError(
            "bundle must end with exactly one newline after the last '-----END CERTIFICATE-----' "
            f"(ends with {text[-30:]!r}); Linkerd's decoder fails on trailing text"
        )
    certs: list[x509.Certificate] = []
    pos = 0
    while pos < len(text):
        m = _PEM_BLOCK.match(text, pos)
        if not m:
            raise PemBundleError(
                f"unexpected text at offset {pos} ({text[pos:pos + 40]!r}); only PEM CERTIFICATE "
                "blocks, back to back, are allowed"
            )
        if m.group(1) != "CERTIFICATE":
            raise PemBundleError(
                f"block {len(certs) + 1} is '{m.group(1)}', not CERTIFICATE: Linkerd stops "
                "parsing there and drops every later anchor"
            )
        try:
            certs.append(x509.load_pem_x509_certificate(m.group(0).encode()))
        except ValueError as e:
            raise PemBundleError(f"block {len(certs) + 1} is not a valid certificate: {e}") from None
        pos = m.end()
    return certs


def _now(now: Optional[dt.datetime]) -> dt.datetime:
    if now is None:
        return dt.datetime.now(dt.timezone.utc)
    return now if now.tzinfo else now.replace(tzinfo=dt.timezone.utc)


def _name(cert: x509.Certificate) -> str:
    cns = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return f"'{cns[0].value}'" if cns else cert.subject.rfc4514_string() or "<empty subject>"


def _check_window(cert: x509.Certificate, role: str, now: dt.datetime) -> None:
    if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
        raise CertCheckError(
            f"{role} {_name(cert)} is outside its validity window at {now.isoformat()} "
            f"({cert.not_valid_before_utc.isoformat()} .. {cert.not_valid_after_utc.isoformat()})"
        )


def _check_ca(cert: x509.Certificate, role: str) -> None:
    try:
        bc = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        raise CertCheckError(f"{role} {_name(cert)} has no BasicConstraints: it must be a CA") from None
    if not bc.ca:
        raise CertCheckError(f"{role} {_name(cert)} has BasicConstraints ca=False: it must be a CA")


def _check_eku(cert: x509.Certificate, role: str) -> None:
    # Go's x509.Verify in the identity controller asks for serverAuth; proxies also use their
    # leaves as TLS clients. A CA's EKU extension, if present, constrains every cert below it.
    try:
        eku = set(cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
    except x509.ExtensionNotFound:
        return
    if ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE in eku:
        return
    missing = [n for o, n in ((ExtendedKeyUsageOID.SERVER_AUTH, "serverAuth"),
                              (ExtendedKeyUsageOID.CLIENT_AUTH, "clientAuth")) if o not in eku]
    if missing:
        raise CertCheckError(
            f"{role} {_name(cert)} has an ExtendedKeyUsage without {' and '.join(missing)}: "
            "Linkerd's Go verification (serverAuth) or proxy mTLS (clientAuth) would fail; "
            "drop the EKU extension or include both"
        )


def _sig_name(cert: x509.Certificate) -> str:
    oid = cert.signature_algorithm_oid
    return getattr(oid, "_name", None) or oid.dotted_string  # e.g. "ecdsa-with-SHA256"


def _check_ecdsa_p256(cert: x509.Certificate, role: str) -> None:
    key = cert.public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise CertCheckError(
            f"{role} {_name(cert)} has a {type(key).__name__.removeprefix('_')} public key; "
            "Linkerd requires ECDSA P-256"
        )
    if not isinstance(key.curve, ec.SECP256R1):
        raise CertCheckError(f"{role} {_name(cert)} uses curve {key.curve.name}; Linkerd requires P-256 (secp256r1)")
    if cert.signature_algorithm_oid not in (SignatureAlgorithmOID.ECDSA_WITH_SHA256, SignatureAlgorithmOID.RSA_WITH_SHA256):
        raise CertCheckError(
            f"{role} {_name(cert)} is signed with {_sig_name(cert)}; Linkerd accepts "
            "ecdsa-with-SHA256 or sha256WithRSAEncryption"
        )


def verify_trust_anchor_like_linkerd(
    cert_pem: str, *, now: Optional[dt.datetime] = None, min_days_left: Optional[int] = None
) -> None:
    """Raise `CertCheckError` unless the (single) certificate passes `linkerd check`'s anchor
    rules: ECDSA P-256 (signed ecdsa-with-SHA256 or sha256WithRSA) or RSA 2048/4096 (signed
    sha256WithRSA), BasicConstraints ca=True, inside its validity window at `now`. With
    `min_days_left`, also require that much remaining lifetime (`linkerd check` warns < 60)."""
    # Lenient parsing here: the bundle's formatting rule is split_pem_bundle's job.
    try:
        certs = x509.load_pem_x509_certificates(cert_pem.encode())
    except ValueError as e:
        raise CertCheckError(f"trust anchor PEM does not parse: {e}") from None
    if len(certs) != 1:
        raise CertCheckError(f"expected one certificate, got {len(certs)}; check each anchor separately")
    cert, now = certs[0], _now(now)
    key = cert.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size not in upstream.CERT_RULES["anchor_rsa_bits"]:
            raise CertCheckError(f"trust anchor {_name(cert)} is RSA-{key.key_size}; Linkerd allows RSA 2048 or 4096")
        if cert.signature_algorithm_oid != SignatureAlgorithmOID.RSA_WITH_SHA256:
            raise CertCheckError(f"trust anchor {_name(cert)} is signed with {_sig_name(cert)}; RSA anchors need sha256WithRSAEncryption")
    else:
        _check_ecdsa_p256(cert, "trust anchor")
    _check_ca(cert, "trust anchor")
    _check_window(cert, "trust anchor", now)
    _check_eku(cert, "trust anchor")
    if min_days_left is not None and cert.not_valid_after_utc - now < dt.timedelta(days=min_days_left):
        raise CertCheckError(f"trust anchor {_name(cert)} expires within {min_days_left} days")


def _load_issuer_key(issuer_key_pem: str):
    labels = re.findall(r"-----BEGIN ([A-Z0-9 ]+)-----", issuer_key_pem)
    if len(labels) < 1 or labels[0] not in upstream.CERT_RULES["issuer_key_pem_labels"]:
        raise CertCheckError(
            f"issuer key PEM label {labels[:1]} is not one Linkerd reads "
            f"({', '.join(upstream.CERT_RULES['issuer_key_pem_labels'])}; unencrypted)"
        )
    try:
        return serialization.load_pem_private_key(issuer_key_pem.encode(), password=None)
    except (ValueError, TypeError) as e:
        raise CertCheckError(f"issuer key does not parse: {e}") from None


def _mint_probe_leaf(issuer: x509.Certificate, issuer_key, dns_name: str, now: dt.datetime) -> x509.Certificate:
    # A proxy-style leaf like the identity controller would issue, valid around `now`.
    import certs

    leaf, _ = certs.make_leaf(issuer, issuer_key, dns_name,
                              not_before=now - dt.timedelta(minutes=1), not_after=now + dt.timedelta(hours=1))
    return leaf


def _same_public_key(a, b) -> bool:
    fmt = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return a.public_bytes(*fmt) == b.public_bytes(*fmt)


def verify_issuer_like_linkerd(
    issuer_pem: str,
    bundle_pem: str,
    *,
    issuer_key_pem: Optional[str] = None,
    now: Optional[dt.datetime] = None,
    trust_domain: str = "cluster.local",
    webpki: bool = True,
) -> None:
    """Raise `CertCheckError` (or `PemBundleError`) unless the identity issuer would be
    accepted by Linkerd's identity controller and `linkerd install`'s checks:

    * public key ECDSA P-256, signature ecdsa-with-SHA256 or sha256WithRSA;
    * BasicConstraints ca=True; inside its validity window at `now`;
    * chains to one of the certificates of `bundle_pem` (the controller pools them all);
      `issuer_pem` may carry the chain after the issuer, leaf first (pkg/tls/cred.go);
    * with `issuer_key_pem`: the key is in a PEM form Linkerd reads and matches the cert.

    With the key, the chain is verified the way proxies use it: a throwaway leaf with SAN
    `default.default.serviceaccount.identity.linkerd.<trust_domain>` is minted under the
    issuer and verified with cryptography's WebPKI verifier as both TLS server and client.
    `webpki=True` keeps the WebPKI CA profile (CAs need KeyUsage keyCertSign), stricter than
    Go's check; `False` relaxes it to BasicConstraints only. Without the key, the issuer's
    signature is checked directly against each bundle cert (single-certificate issuer only).
    """
    now = _now(now)
    anchors = split_pem_bundle(bundle_pem)
    try:
        issuer_chain = x509.load_pem_x509_certificates(issuer_pem.encode())
    except ValueError as e:
        raise CertCheckError(f"issuer PEM does not parse: {e}") from None
    issuer, intermediates = issuer_chain[0], issuer_chain[1:]

    _check_ecdsa_p256(issuer, "issuer")
    _check_ca(issuer, "issuer")
    _check_window(issuer, "issuer", now)
    # The anchors' own EKUs are judged by the chain verification below (only the anchor a
    # chain actually uses matters, as in Go's CertPool).
    for i, c in enumerate([issuer, *intermediates]):
        _check_eku(c, "issuer" if i == 0 else "issuer chain cert")

    if issuer_key_pem is None:
        if intermediates:
            raise CertCheckError("issuer_key_pem is needed to verify an issuer PEM that carries a chain")
        _verify_direct(issuer, anchors, now)
        return

    key = _load_issuer_key(issuer_key_pem)
    if not _same_public_key(key.public_key(), issuer.public_key()):
        raise CertCheckError(f"issuer key does not match issuer {_name(issuer)}'s public key")

    dns_name = f"default.default.serviceaccount.identity.linkerd.{trust_domain}"
    leaf = _mint_probe_leaf(issuer, key, dns_name, now)
    # Linkerd leaves always carry an AKI, but an issuer without SKI yields a leaf without
    # one; the identity controller does not care, so the EE policy must not either.
    ee = ExtensionPolicy.webpki_defaults_ee().may_be_present(
        x509.AuthorityKeyIdentifier, Criticality.AGNOSTIC, None
    )
    if webpki:
        ca = ExtensionPolicy.webpki_defaults_ca()
    else:
        ca = ExtensionPolicy.permit_all().require_present(x509.BasicConstraints, Criticality.AGNOSTIC, None)
    builder = PolicyBuilder().store(Store(anchors)).time(now).extension_policies(ca_policy=ca, ee_policy=ee)
    for role, verifier in (
        ("server", builder.build_server_verifier(DNSName(dns_name))),
        ("client", builder.build_client_verifier()),
    ):
        try:
            verifier.verify(leaf, [issuer, *intermediates])
        except VerificationError as e:
            raise CertCheckError(
                f"issuer {_name(issuer)} does not chain to any of the {len(anchors)} trust "
                f"anchor(s) ({', '.join(_name(a) for a in anchors)}) as a TLS {role} chain: {e}"
            ) from None


def _verify_direct(issuer: x509.Certificate, anchors: list[x509.Certificate], now: dt.datetime) -> None:
    reasons = []
    for a in anchors:
        try:
            issuer.verify_directly_issued_by(a)
        except (ValueError, TypeError, InvalidSignature) as e:
            reasons.append(f"{_name(a)}: {str(e) or 'signature does not match'}")
            continue
        _check_ca(a, "trust anchor")
        _check_window(a, "trust anchor", now)
        _check_eku(a, "trust anchor")
        return
    raise CertCheckError(f"issuer {_name(issuer)} is not signed by any trust anchor ({'; '.join(reasons)})")


def openssl_verify(
    bundle_pem: str,
    issuer_pem: str,
    leaf_pem: Optional[str] = None,
    *,
    at: Optional[dt.datetime] = None,
    strict: bool = False,
) -> tuple[bool, str]:
    """A second opinion from `openssl verify -CAfile <bundle>`: with `leaf_pem`, the leaf is
    verified with the issuer PEM as untrusted intermediates; without it, the issuer (first
    certificate of `issuer_pem`, the rest untrusted) itself. `at` pins the time (-attime),
    `strict` adds -x509_strict. Returns (ok, combined output). Raises if openssl is missing.
    """
    exe = shutil.which("openssl") or ("/usr/bin/openssl" if Path("/usr/bin/openssl").exists() else None)
    if exe is None:
        raise RuntimeError("openssl is not installed; this check cannot be skipped silently")
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        (d / "bundle.pem").write_text(bundle_pem)
        args = [exe, "verify", "-CAfile", str(d / "bundle.pem")]
        if strict:
            args.append("-x509_strict")
        if at is not None:
            args += ["-attime", str(int(_now(at).timestamp()))]
        issuer_certs = x509.load_pem_x509_certificates(issuer_pem.encode())
        if leaf_pem is None:
            target = issuer_certs[0].public_bytes(serialization.Encoding.PEM).decode()
            untrusted = "".join(c.public_bytes(serialization.Encoding.PEM).decode() for c in issuer_certs[1:])
        else:
            target, untrusted = leaf_pem, issuer_pem
        if untrusted:
            (d / "untrusted.pem").write_text(untrusted)
            args += ["-untrusted", str(d / "untrusted.pem")]
        (d / "target.pem").write_text(target)
        args.append(str(d / "target.pem"))
        proc = subprocess.run(args, capture_output=True, text=True, timeout=30)
        output = (proc.stdout + proc.stderr).strip()
        ok = proc.returncode == 0 and output.endswith(": OK")
        return ok, output


def certificates(pems: Iterable[str]) -> list[x509.Certificate]:
    """All certificates in some PEM strings (lenient; for tests that just need objects)."""
    return [c for p in pems for c in x509.load_pem_x509_certificates(p.encode())]
