#!/usr/bin/env bash
# A local two-cluster Linkerd multicluster mesh in one command: two k3d (or kind) clusters `east`
# and `west` on one Docker network, the demo service test/foobar in east, the stacks `east` and
# `west` of this project on a local file backend, linkerd-viz in west (for `linkerd multicluster
# gateways`), then a check that west reaches east through the mirrored service `foobar-east`.
#
#   examples/local/quickstart.sh [--dry-run] [--provider k3d|kind] [up|verify|down]
#
#   up      (default) create the clusters and the demo, deploy stack east then stack west, verify
#   verify  `linkerd multicluster check`, `linkerd multicluster gateways`, a request west -> east
#   down    delete both clusters, the Docker network, both stacks and the state directory
#   --dry-run   print every command instead of running it (nothing is created; missing
#               prerequisites are reported but do not stop it; addresses are placeholders)
#   --provider  k3d (default) or kind
#
# Needs docker (running), k3d or kind, kubectl, curl, the Pulumi CLI and the project's virtualenv
# (scripts/setup). It downloads the linkerd CLI of the release the stacks pin (checksum verified)
# into its state directory and uses that one, not a `linkerd` on your PATH. Everything it writes is under
# $QUICKSTART_STATE_DIR (default ~/.local/state/linkerd-multicluster-quickstart): the kubeconfig
# of both clusters (your ~/.kube/config is left alone), the Pulumi backend (the file backend of
# `pulumi login --local`, in that folder, through PULUMI_BACKEND_URL: your own login is left alone)
# and a project folder linking to this repository's program, with the generated stack files
# Pulumi.east.yaml and Pulumi.west.yaml (the repository's own stack files are left alone).
# Secrets are encrypted with the passphrase $QUICKSTART_PASSPHRASE (default: "quickstart"; a local
# demo only), passed to Pulumi as PULUMI_CONFIG_PASSPHRASE.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE="$ROOT/examples/local"
PROJECT=linkerd-multicluster
CLUSTERS=(east west)

DRY_RUN=0
ACTION=up
PROVIDER=${QUICKSTART_PROVIDER:-k3d}

usage() { sed -n '7,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

while [[ $# -gt 0 ]]; do
  case $1 in
    --dry-run) DRY_RUN=1 ;;
    --provider) [[ $# -ge 2 ]] || { usage >&2; exit 2; }; PROVIDER=$2; shift ;;
    --provider=*) PROVIDER=${1#--provider=} ;;
    up | verify | down) ACTION=$1 ;;
    teardown) ACTION=down ;;
    -h | --help) usage; exit 0 ;;
    *) printf 'quickstart: unknown argument %q\n' "$1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done
case $PROVIDER in
  k3d | kind) ;;
  *) printf 'quickstart: --provider must be k3d or kind, not %q\n' "$PROVIDER" >&2; exit 2 ;;
esac

STATE=${QUICKSTART_STATE_DIR:-${XDG_STATE_HOME:-$HOME/.local/state}/linkerd-multicluster-quickstart}
PROJECT_DIR="$STATE/project"
BACKEND_DIR="$STATE/pulumi-backend"
export KUBECONFIG="$STATE/kubeconfig"
export PULUMI_BACKEND_URL="file://$BACKEND_DIR"
# The quickstart's own passphrase, not one you may have set for your own stacks.
export PULUMI_CONFIG_PASSPHRASE="${QUICKSTART_PASSPHRASE:-quickstart}"
unset PULUMI_CONFIG_PASSPHRASE_FILE
export PULUMI_SKIP_UPDATE_CHECK=true
# The stack that owns the trust anchor, fully qualified: a local backend's organization is
# always `organization`.
EAST_STACK="organization/$PROJECT/east"
WEST_STACK="organization/$PROJECT/west"

# The chart version both stacks pin (`linkerd.version`), and the CLI of the same release: edge
# charts `YYYY.M.N` come from tag `edge-YY.M.N`. A CLI of another release may check for objects or
# values the pinned charts do not have (`linkerd multicluster check`, `linkerd viz install`).
LINKERD_VERSION=2026.8.3
IFS=. read -r _year _month _patch <<<"$LINKERD_VERSION"
LINKERD_TAG="edge-$((_year % 100)).$_month.$_patch"
LINKERD="$STATE/bin/linkerd"

if [[ $PROVIDER == k3d ]]; then
  NETWORK=${QUICKSTART_NETWORK:-linkerd-multicluster-quickstart}
else
  NETWORK=kind   # kind puts every cluster on its own Docker network `kind`
fi

context() { if [[ $PROVIDER == k3d ]]; then echo "k3d-$1"; else echo "kind-$1"; fi; }
node_container() { if [[ $PROVIDER == k3d ]]; then echo "k3d-$1-server-0"; else echo "$1-control-plane"; fi; }
# The address a dry run prints instead of a node's IP (documentation range, RFC 5737).
placeholder_ip() { if [[ $1 == east ]]; then echo 192.0.2.10; else echo 192.0.2.20; fi; }

say() { printf '## %s\n' "$*"; }
# The passphrase as printed: the demo default as it is, one of your own only by name.
shown_passphrase() {
  if [[ -n ${QUICKSTART_PASSPHRASE:-} ]]; then echo "\"\$QUICKSTART_PASSPHRASE\""; else echo quickstart; fi
}
fail() { printf 'quickstart: error: %s\n' "$*" >&2; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }

# Prints a command, shell-quoted after "+ ".
show() {
  printf '+'
  printf ' %q' "$@"
  printf '\n'
}

# Prints a command and runs it, unless this is a dry run.
run() {
  show "$@"
  [[ $DRY_RUN -eq 1 ]] || "$@"
}

# Prints and runs a pipeline of two commands: run_pipe A... '|' B...
run_pipe() {
  local left=()
  while [[ $1 != "|" ]]; do
    left+=("$1")
    shift
  done
  shift
  printf '+'
  printf ' %q' "${left[@]}"
  printf ' |'
  printf ' %q' "$@"
  printf '\n'
  [[ $DRY_RUN -eq 1 ]] || "${left[@]}" | "$@"
}

# Whether something already exists (a cluster, a stack): asked silently; a dry run assumes a
# fresh machine, so it prints the commands that create everything.
exists() {
  [[ $DRY_RUN -eq 0 ]] && "$@" >/dev/null 2>&1
}

# run, again every $2 seconds, up to $1 times (things that become ready after a while).
retry() {
  local tries=$1 delay=$2 i
  shift 2
  for ((i = 1; ; i++)); do
    if run "$@"; then return 0; fi
    ((i < tries)) || return 1
    echo "   (not yet; attempt $i of $tries, again in ${delay}s)"
    sleep "$delay"
  done
}

check_prerequisites() {
  local tools=() missing=() tool
  case $ACTION in
    up) tools=(docker "$PROVIDER" kubectl pulumi curl) ;;
    verify) tools=(kubectl curl) ;;
    down) tools=(docker "$PROVIDER" pulumi) ;;
  esac
  for tool in "${tools[@]}"; do
    have "$tool" || missing+=("$tool")
  done
  if [[ $ACTION == up && ! -x $ROOT/.venv/bin/python ]]; then
    missing+=("the project's virtualenv $ROOT/.venv (run scripts/setup)")
  fi
  if [[ ${#missing[@]} -gt 0 ]]; then
    {
      echo "quickstart: missing prerequisites: ${missing[*]}"
      for tool in "${missing[@]}"; do
        case $tool in
          docker) echo "  docker: https://docs.docker.com/engine/install/ (the daemon must be running)" ;;
          k3d) echo "  k3d: https://k3d.io/#installation" ;;
          kind) echo "  kind: https://kind.sigs.k8s.io/docs/user/quick-start/#installation" ;;
          kubectl) echo "  kubectl: https://kubernetes.io/docs/tasks/tools/" ;;
          pulumi) echo "  pulumi: https://www.pulumi.com/docs/install/" ;;
          curl) echo "  curl: https://curl.se/download.html (downloads the linkerd CLI)" ;;
        esac
      done
    } >&2
    if [[ $DRY_RUN -eq 1 ]]; then
      echo "quickstart: dry run: continuing without them" >&2
    else
      exit 1
    fi
  fi
  if [[ $DRY_RUN -eq 0 && $ACTION != verify ]] && ! docker info >/dev/null 2>&1; then
    fail "docker is installed but its daemon does not answer (docker info); start it"
  fi
}

# -- up ---------------------------------------------------------------------------------------

# The release asset of the linkerd CLI for this machine (names as on the GitHub release page).
linkerd_asset() {
  local os arch
  os=$(uname -s | tr '[:upper:]' '[:lower:]')
  case $(uname -m) in
    x86_64 | amd64) arch=amd64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) fail "no linkerd CLI release for machine $(uname -m)" ;;
  esac
  # macOS on Intel is published without an architecture suffix.
  if [[ $os == darwin && $arch == amd64 ]]; then echo "linkerd2-cli-$LINKERD_TAG-darwin"; else echo "linkerd2-cli-$LINKERD_TAG-$os-$arch"; fi
}

# The pinned CLI into $STATE/bin, once; the download is checked against the release's checksum
# before it is made executable, so a truncated or swapped download never runs.
linkerd_cli() {
  if [[ $DRY_RUN -eq 0 && -x $LINKERD ]] && [[ $("$LINKERD" version --client --short 2>/dev/null) == "$LINKERD_TAG" ]]; then
    say "linkerd CLI $LINKERD_TAG: $LINKERD"
    return
  fi
  local url
  url="https://github.com/linkerd/linkerd2/releases/download/$LINKERD_TAG/$(linkerd_asset)"
  say "linkerd CLI $LINKERD_TAG (the release of the pinned charts $LINKERD_VERSION) into $STATE/bin"
  run mkdir -p "$STATE/bin"
  run curl --proto =https --tlsv1.2 --silent --show-error --fail --location --output "$LINKERD.download" "$url"
  run curl --proto =https --tlsv1.2 --silent --show-error --fail --location --output "$LINKERD.sha256" "$url.sha256"
  say "its SHA-256 must equal the release checksum $url.sha256"
  if [[ $DRY_RUN -eq 0 ]]; then
    local want got
    want=$(cut -d ' ' -f 1 "$LINKERD.sha256")
    got=$( (sha256sum "$LINKERD.download" 2>/dev/null || shasum -a 256 "$LINKERD.download") | cut -d ' ' -f 1)
    [[ -n $want && $want == "$got" ]] || fail "checksum of $url does not match $url.sha256"
  fi
  run chmod +x "$LINKERD.download"
  run mv "$LINKERD.download" "$LINKERD"
}

project_folder() {
  say "project folder $PROJECT_DIR: this repository's program, stack files of its own"
  run mkdir -p "$PROJECT_DIR" "$BACKEND_DIR"
  local f
  for f in Pulumi.yaml __main__.py components requirements.txt .venv; do
    run ln -sfn "$ROOT/$f" "$PROJECT_DIR/$f"
  done
}

create_clusters() {
  local c
  if [[ $PROVIDER == k3d ]]; then
    say "Docker network $NETWORK and k3d clusters ${CLUSTERS[*]} on it"
    exists docker network inspect "$NETWORK" || run docker network create "$NETWORK"
    for c in "${CLUSTERS[@]}"; do
      exists k3d cluster get "$c" || run k3d cluster create "$c" --network "$NETWORK" \
        --k3s-arg '--disable=traefik@server:*' --wait --timeout 300s
    done
  else
    say "kind clusters ${CLUSTERS[*]} (on kind's Docker network $NETWORK)"
    for c in "${CLUSTERS[@]}"; do
      exists kind get kubeconfig --name "$c" || run kind create cluster --name "$c" \
        --kubeconfig "$KUBECONFIG" --wait 300s
    done
  fi
}

# The node's IP on the shared Docker network, into EAST_IP / WEST_IP: what the other cluster's
# pods can reach (the kubeconfig's own server, 127.0.0.1 or 0.0.0.0, they cannot).
node_ip() {
  local format="{{(index .NetworkSettings.Networks \"$NETWORK\").IPAddress}}" ip var
  var=$(echo "$1" | tr '[:lower:]' '[:upper:]')_IP
  show docker inspect --format "$format" "$(node_container "$1")"
  if [[ $DRY_RUN -eq 1 ]]; then
    ip=$(placeholder_ip "$1")
  else
    ip=$(docker inspect --format "$format" "$(node_container "$1")")
    [[ $ip =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$ ]] \
      || fail "no IP of container $(node_container "$1") on Docker network $NETWORK (got ${ip:-nothing})"
  fi
  printf -v "$var" '%s' "$ip"
  if [[ $DRY_RUN -eq 1 ]]; then say "$1: $ip (a placeholder: dry run)"; else say "$1: $ip"; fi
}

config_set() {
  local stack=$1
  shift
  run pulumi --cwd "$PROJECT_DIR" config set --stack "$stack" --path "$@"
}

stack_init() {
  exists pulumi --cwd "$PROJECT_DIR" stack select "$1" || run pulumi --cwd "$PROJECT_DIR" stack init "$1"
}

# The keys one cluster gets: its context and kubeconfig, the API address the other cluster's pods
# use, and a NodePort gateway at the node's address (no cloud load balancer here).
cluster_config() {
  local stack=$1 c=$2 var ip
  var=$(echo "$c" | tr '[:lower:]' '[:upper:]')_IP
  ip=${!var}
  config_set "$stack" "clusters.$c.context" "$(context "$c")"
  config_set "$stack" "clusters.$c.kubeconfig" "$KUBECONFIG"
  config_set "$stack" "clusters.$c.apiServerAddress" "https://$ip:6443"
  config_set "$stack" "clusters.$c.gateway.serviceType" NodePort
  config_set "$stack" "clusters.$c.gateway.addresses[0]" "$ip"
}

configure_east() {
  say "stack east: installs east, owns the trust anchor and signs west's issuer, exports test/foobar, grants west access"
  stack_init east
  config_set east linkerd.version "$LINKERD_VERSION"
  cluster_config east east
  config_set east "trust.members[0].stack" "$WEST_STACK"
  config_set east "trust.members[0].clusters[0]" west
  config_set east "clusters.east.exports[0].namespace" test
  config_set east "clusters.east.exports[0].service" foobar
  config_set east "links[0].source" west
  config_set east "links[0].target" east
}

configure_west() {
  say "stack west: installs west with east's trust anchor, links west -> east"
  stack_init west
  config_set west trust.fromStack "$EAST_STACK"
  config_set west linkerd.version "$LINKERD_VERSION"
  cluster_config west west
  config_set west "links[0].source" west
  config_set west "links[0].target" east
  config_set west "links[0].targetStack" "$EAST_STACK"
}

# Keys stay in the stack that made them: west publishes its issuer's certificate request, east
# signs it, west installs with the signed certificate.
deploy() {
  configure_east
  configure_west
  say "west: publishes its issuer's certificate request (installs nothing yet)"
  run pulumi --cwd "$PROJECT_DIR" up --stack west --yes
  say "east: installs east, signs west's request"
  run pulumi --cwd "$PROJECT_DIR" up --stack east --yes
  say "mesh the demo service (its pod started before Linkerd)"
  run kubectl --context "$(context east)" --namespace test rollout restart deployment/foobar
  run kubectl --context "$(context east)" --namespace test rollout status deployment/foobar --timeout=300s
  say "west again: installs west with the issuer east signed, links west -> east"
  run pulumi --cwd "$PROJECT_DIR" up --stack west --yes
  say "linkerd-viz in west: \`linkerd multicluster gateways\` reads the gateway probes' metrics from it"
  run_pipe "$LINKERD" --context "$(context west)" viz install '|' kubectl --context "$(context west)" apply -f -
  run "$LINKERD" --context "$(context west)" viz check
  say "mesh the demo client"
  run kubectl --context "$(context west)" --namespace test rollout restart deployment/client
  run kubectl --context "$(context west)" --namespace test rollout status deployment/client --timeout=300s
}

up() {
  check_prerequisites
  say "state in $STATE"
  printf '+ export KUBECONFIG=%q PULUMI_BACKEND_URL=%q PULUMI_CONFIG_PASSPHRASE=%s\n' \
    "$KUBECONFIG" "$PULUMI_BACKEND_URL" "$(shown_passphrase)"
  project_folder
  linkerd_cli
  create_clusters
  say "addresses on Docker network $NETWORK"
  node_ip east
  node_ip west
  say "demo: test/foobar in east, namespace test and a client in west"
  run kubectl --context "$(context east)" apply -f "$HERE/demo-east.yaml"
  run kubectl --context "$(context west)" apply -f "$HERE/demo-west.yaml"
  deploy
  verify
  say "done. To use the stacks and clusters yourself:"
  printf '   export KUBECONFIG=%q PULUMI_BACKEND_URL=%q PULUMI_CONFIG_PASSPHRASE=%s\n' \
    "$KUBECONFIG" "$PULUMI_BACKEND_URL" "$(shown_passphrase)"
  printf '   pulumi --cwd %q stack output --stack east topologyDiagram\n' "$PROJECT_DIR"
  printf '   %q down     # delete it all\n' "$0"
}

# -- verify -----------------------------------------------------------------------------------

verify() {
  [[ $ACTION != verify ]] || { check_prerequisites; linkerd_cli; }
  local west
  west=$(context west)
  say "verify: the link, its gateway, and a request from west to east through foobar-east"
  retry 20 15 "$LINKERD" --context "$west" multicluster check
  run "$LINKERD" --context "$west" multicluster gateways
  retry 20 5 kubectl --context "$west" --namespace test get service foobar-east
  retry 12 5 kubectl --context "$west" --namespace test exec deployment/client --container client -- \
    curl --silent --show-error --fail --max-time 5 http://foobar-east.test.svc.cluster.local:9898/
}

# -- down -------------------------------------------------------------------------------------

down() {
  check_prerequisites
  local c stack
  say "delete the clusters ${CLUSTERS[*]}"
  for c in "${CLUSTERS[@]}"; do
    if [[ $PROVIDER == k3d ]]; then
      if [[ $DRY_RUN -eq 1 ]] || exists k3d cluster get "$c"; then run k3d cluster delete "$c"; fi
    else
      run kind delete cluster --name "$c" --kubeconfig "$KUBECONFIG"
    fi
  done
  if [[ $PROVIDER == k3d ]] && { [[ $DRY_RUN -eq 1 ]] || exists docker network inspect "$NETWORK"; }; then
    run docker network rm "$NETWORK"
  fi
  say "remove the stacks west and east (their clusters are gone) and the state in $STATE"
  for stack in west east; do
    if [[ $DRY_RUN -eq 1 ]] || exists pulumi --cwd "$PROJECT_DIR" stack select "$stack"; then
      run pulumi --cwd "$PROJECT_DIR" stack rm "$stack" --force --yes
    fi
  done
  run rm -rf "$STATE"
}

case $ACTION in
  up) up ;;
  verify) verify ;;
  down) down ;;
esac
