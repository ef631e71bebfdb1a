"""linkerd-multicluster: install Linkerd multicluster on the clusters of this stack, link them,
and export services. All behaviour lives in components/; this file reads the config and exports."""
import gc

import pulumi

from components.config.loader import load
from components.mesh import Mesh

# Registering thousands of resources leaves the SDK with hundreds of thousands of short-lived
# asyncio objects; the default collection threshold (700) spends a third of a large mesh's
# evaluation in the garbage collector for nothing (see bench/scale.py and docs/scale.md).
gc.set_threshold(50_000, 20, 100)

mesh = Mesh("mesh", load())
for key, value in mesh.outputs().items():
    pulumi.export(key, value)
