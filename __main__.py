"""linkerd-multicluster: install Linkerd multicluster on the clusters of this stack, link them,
and export services. All behaviour lives in components/; this file reads the config and exports."""
import pulumi

from components import config
from components.mesh import Mesh

mesh = Mesh("mesh", config.load())
for key, value in mesh.outputs().items():
    pulumi.export(key, value)
