"""The real tier's stand-in for a load-balancer controller (what MetalLB does in pulumi-kubernetes'
own CI): every Service of type LoadBalancer without an address gets one in its status, so that
pulumi-kubernetes' Service await and the multicluster gateway's address read behave as on a cloud.
The address is the cluster's loopback address + 100 (nothing answers there: kwok pods run no
proxies). Bounded: it stops by itself after LMC_E2E_LB_HOURS (3) hours.

Usage (inside the tier's namespaces): python3 e2e/lb_standin.py CLUSTER...
"""
import json
import os
import subprocess
import sys
import time


def pending(context: str) -> list[tuple[str, str]]:
    out = subprocess.run(["kubectl", "--context", context, "get", "services", "--all-namespaces", "-o", "json"],
                         capture_output=True, text=True, check=False)
    if out.returncode != 0:
        return []
    services = json.loads(out.stdout)["items"]
    return [(s["metadata"]["namespace"], s["metadata"]["name"]) for s in services
            if s["spec"].get("type") == "LoadBalancer" and not s.get("status", {}).get("loadBalancer", {}).get("ingress")]


def main(contexts: list[str]) -> None:
    deadline = time.monotonic() + float(os.environ.get("LMC_E2E_LB_HOURS", "3")) * 3600
    while time.monotonic() < deadline:
        for index, context in enumerate(contexts, start=1):
            address = f"127.0.0.{110 + index}"
            for namespace, name in pending(context):
                status = {"status": {"loadBalancer": {"ingress": [{"ip": address}]}}}
                subprocess.run(["kubectl", "--context", context, "-n", namespace, "patch", "service", name,
                                "--subresource=status", "--type=merge", "-p", json.dumps(status)],
                               capture_output=True, check=False)
                print(f"{context}: {namespace}/{name} -> {address}", flush=True)
        time.sleep(2)


if __name__ == "__main__":
    main(sys.argv[1:])
