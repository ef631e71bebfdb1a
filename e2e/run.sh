#!/usr/bin/env bash
# scripts/e2e run [--clusters east,west] [--keep] -- CMD...
# Starts one kubelet-less Kubernetes control plane per cluster name inside a network namespace of
# its own (only a loopback interface: what the apiservers dial, webhook Services and pod
# addresses, goes nowhere), runs CMD in there with the environment a user would have, and stops
# everything it started when CMD ends (a PID namespace: nothing outlives it).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=e2e/lib.sh
source "$ROOT/e2e/lib.sh"

clusters=east,west
keep=0
while [[ $# -gt 0 ]]; do
  case $1 in
    --clusters) clusters=${2:?--clusters needs a comma-separated list of names}; shift 2 ;;
    --clusters=*) clusters=${1#*=}; shift ;;
    --keep) keep=1; shift ;;
    --) shift; break ;;
    *) die "unknown option '$1' (usage: scripts/e2e run [--clusters a,b] [--keep] -- CMD...)" ;;
  esac
done
[[ $# -gt 0 ]] || die "no command given (usage: scripts/e2e run [--clusters a,b] -- CMD...)"
[[ $clusters =~ ^[a-z][a-z0-9-]*(,[a-z][a-z0-9-]*)*$ ]] || die "--clusters: '$clusters' is not a comma-separated list of lowercase names"
[[ $(id -u) -eq 0 ]] || die "the real tier makes network and PID namespaces (unshare): run it as root"
for b in etcd kube-apiserver kube-controller-manager kube-scheduler kwok kubectl pulumi; do
  [[ -x $E2E_BIN/$b ]] || die "$b is not built: run scripts/e2e build first"
done

export LMC_E2E_CLUSTERS=$clusters LMC_E2E_KEEP=$keep
exec unshare --net --pid --mount --fork --kill-child --mount-proc bash "$ROOT/e2e/inside.sh" "$@"
