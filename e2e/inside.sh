#!/usr/bin/env bash
# Runs inside the real tier's network and PID namespaces (started by e2e/run.sh): brings up the
# control planes, runs the command, and tears everything down.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=e2e/lib.sh
source "$ROOT/e2e/lib.sh"
# shellcheck source=e2e/versions.env
source "$ROOT/e2e/versions.env"

ip link set lo up
WORK=$(mktemp -d /tmp/lmc-e2e.XXXXXX)
# shellcheck disable=SC2317  # invoked by the EXIT trap
cleanup() {
  local pids
  mapfile -t pids < <(jobs -p)
  [[ ${#pids[@]} -eq 0 ]] || kill "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
  if [[ $LMC_E2E_KEEP == 1 ]]; then say "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

export PATH="$E2E_BIN:$E2E_VENV/bin:$PATH"
export KUBECONFIG="$WORK/kubeconfig"
# shellcheck source=e2e/cluster.sh
source "$ROOT/e2e/cluster.sh"

IFS=, read -r -a names <<<"$LMC_E2E_CLUSTERS"
index=0
for name in "${names[@]}"; do
  index=$((index + 1))
  start_control_plane "$name" "127.0.0.$((10 + index))" "$index" "$WORK/$name"
done
for name in "${names[@]}"; do
  wait_ready "$name"
done
python3 "$ROOT/e2e/lb_standin.py" "${names[@]}" >"$WORK/lb-standin.log" 2>&1 &

# What a user's shell has: a kube context per cluster, a fresh file backend, a passphrase for its
# secrets, and the local chart repositories (air-gapped clusters; the public ones otherwise).
export PULUMI_BACKEND_URL="file://$WORK/backend"
mkdir -p "$WORK/backend" "$WORK/pulumi-home"
export PULUMI_HOME="$WORK/pulumi-home"
export PULUMI_CONFIG_PASSPHRASE=${PULUMI_CONFIG_PASSPHRASE:-real-tier-passphrase}
export PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
if [[ -z ${LINKERD_CHARTS:-} && -d $ROOT/../shared/charts/linkerd-edge ]]; then
  export LINKERD_CHARTS="$ROOT/../shared/charts/linkerd-edge"
fi
if [[ -z ${EMISSARY_CHARTS:-} && -d $ROOT/../shared/charts/emissary ]]; then
  export EMISSARY_CHARTS="$ROOT/../shared/charts/emissary"
fi
export LMC_E2E_WORK="$WORK"
say "clusters up: ${names[*]} (kube contexts of the same names); running: $*"
set +e
"$@"
rc=$?
set -e
exit $rc
