"""What one typed Kubernetes resource costs the Pulumi SDK, next to a plain custom resource.

    .venv/bin/python bench/typed_floor.py [--count 1000]

Registers COUNT plain `pulumi.CustomResource`s (the scale benchmark's baseline), then COUNT
`kubernetes.core.v1.Secret`s with typed args on an explicit provider, each in its own process under
the test mocks, and prints both wall times. The ratio is a floor for any program whose resources
are typed Kubernetes resources: bench/scale.py's "× baseline" cannot go below it.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def measure(kind: str, count: int) -> float:
    sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
    import pulumi
    import pulumi_kubernetes as k8s
    from pulumi.runtime import settings

    from harness.mocks import MeshMocks
    from harness.recording import RecordingMonitor

    settings.ROOT.set(None)
    mocks = MeshMocks()
    pulumi.runtime.set_mocks(mocks, project="bench", stack="bench", monitor=RecordingMonitor(mocks))
    k8s.core.v1.Secret  # load the module before timing, as the scale benchmark excludes imports

    @pulumi.runtime.test
    def register():
        provider = k8s.Provider("cluster", context="cluster")
        for i in range(count):
            if kind == "plain":
                pulumi.CustomResource("bench:index:Plain", f"r{i}", {"x": i})
            else:
                k8s.core.v1.Secret(
                    f"s{i}",
                    metadata=k8s.meta.v1.ObjectMetaArgs(name=f"s{i}", namespace="ns", labels={"app": "bench"}),
                    type="Opaque", string_data={"key": "value"},
                    opts=pulumi.ResourceOptions(provider=provider),
                )

    start = time.perf_counter()
    register()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--kind", choices=["plain", "typed"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.kind:
        print(f"{measure(args.kind, args.count):.3f}")
        return
    times = {}
    for kind in ("plain", "typed"):
        out = subprocess.run([sys.executable, __file__, "--kind", kind, "--count", str(args.count)],
                             check=True, capture_output=True, text=True).stdout.split()[-1]
        times[kind] = float(out)
    print(f"{args.count} plain custom resources: {times['plain']:.2f} s")
    print(f"{args.count} typed Kubernetes Secrets: {times['typed']:.2f} s ({times['typed'] / times['plain']:.2f}x)")


if __name__ == "__main__":
    main()
