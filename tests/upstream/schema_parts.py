"""JSON-Schema building blocks shared by the custom-resource fixtures (emissary.py, linkerd_policy.py)."""
from __future__ import annotations

from typing import Final

DRAFT: Final = "https://json-schema.org/draft/2020-12/schema"
STR: Final = {"type": "string"}
STR_MAP: Final = {"type": "object", "additionalProperties": {"type": "string"}}

# metadata: the CRDs say only `type: object`; ObjectMeta is the API server's business.
METADATA: Final = {
    "type": "object",
    "required": ["name"],
    "properties": {"name": STR, "namespace": STR, "labels": STR_MAP, "annotations": STR_MAP},
}
