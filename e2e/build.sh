#!/usr/bin/env bash
# scripts/e2e build: builds the real tier's binaries from Go modules (versions in e2e/versions.env,
# wrapper modules in e2e/modules/) into the cache, and the tier's Python virtualenv (.venv-e2e).
# Idempotent: a piece whose stamp matches its version and wrapper module is not built again.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=e2e/versions.env
source "$ROOT/e2e/versions.env"
# shellcheck source=e2e/lib.sh
source "$ROOT/e2e/lib.sh"

mkdir -p "$E2E_BIN" "$E2E_CACHE/src"
export GOFLAGS=-trimpath GOTOOLCHAIN=local

# stamp_of PIECE VERSION: what a finished build of PIECE records, so that a changed pin or wrapper
# module builds again.
stamp_of() {
  printf '%s %s\n' "$2" "$(cat "$ROOT/e2e/modules/$1"/* | sha256sum | cut -c1-16)"
}

# build PIECE VERSION LDFLAGS PACKAGE=BINARY...: builds each package of the wrapper module PIECE
# into $E2E_BIN/BINARY, in a copy of the module in the cache (pre-build files can be written there).
build() {
  local piece=$1 version=$2 ldflags=$3; shift 3
  local stamp="$E2E_BIN/.stamp-$piece" want
  want=$(stamp_of "$piece" "$version")
  if [[ -f $stamp && $(cat "$stamp") == "$want" ]]; then
    say "$piece $version: cached"
    return 0
  fi
  local src="$E2E_CACHE/src/$piece"
  rm -rf "$src" && cp -r "$ROOT/e2e/modules/$piece" "$src"
  if declare -F "prepare_${piece//-/_}" >/dev/null; then "prepare_${piece//-/_}" "$src"; fi
  local start=$SECONDS pair
  for pair in "$@"; do
    (cd "$src" && go build -ldflags "$ldflags" -o "$E2E_BIN/${pair#*=}" "${pair%%=*}")
  done
  echo "$want" >"$stamp"
  say "$piece $version: built in $((SECONDS - start)) s"
}

# pulumi-kubernetes embeds schema-embed.json and terraform-mapping-embed.json, which its Makefile
# generates (`go generate`: the committed schema with the release version set, both compacted).
prepare_pulumi_kubernetes() {
  local dir
  dir=$(cd "$1" && go mod download -json "github.com/pulumi/pulumi-kubernetes/provider/v4@$PULUMI_KUBERNETES_MODULE" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')
  python3 - "$dir/cmd/pulumi-resource-kubernetes" "$1" "$PULUMI_KUBERNETES_VERSION" <<'PY'
import json, pathlib, sys
source, target, version = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), sys.argv[3]
schema = json.loads((source / "schema.json").read_text())
schema["version"] = version
(target / "schema-embed.json").write_text(json.dumps(schema, separators=(",", ":")))
mapping = json.loads((source / "terraform-mapping.json").read_text())
(target / "terraform-mapping-embed.json").write_text(json.dumps(mapping, separators=(",", ":")))
PY
}

k8s_minor=${KUBERNETES_VERSION#v1.}; k8s_minor=${k8s_minor%%.*}
k8s_ldflags="-X k8s.io/component-base/version.gitVersion=$KUBERNETES_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$k8s_minor -X k8s.io/client-go/pkg/version.gitVersion=$KUBERNETES_VERSION -X k8s.io/client-go/pkg/version.gitMajor=1 -X k8s.io/client-go/pkg/version.gitMinor=$k8s_minor"

build etcd "$ETCD_VERSION" "" .=etcd
build kubernetes "$KUBERNETES_VERSION" "$k8s_ldflags" \
  k8s.io/kubernetes/cmd/kube-apiserver=kube-apiserver \
  k8s.io/kubernetes/cmd/kube-controller-manager=kube-controller-manager \
  k8s.io/kubernetes/cmd/kube-scheduler=kube-scheduler \
  k8s.io/kubernetes/cmd/kubectl=kubectl
build kwok "$KWOK_VERSION" "" sigs.k8s.io/kwok/cmd/kwok=kwok
# kwok's own default behaviour (what kwokctl passes it): Nodes initialise and keep a heartbeat,
# Pods become Ready, complete and are deleted; its stage files, as the module ships them.
kwok_dir=$(cd "$E2E_CACHE/src/kwok" 2>/dev/null && go mod download -json "sigs.k8s.io/kwok@$KWOK_VERSION" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')
for stage in node/fast/node-initialize node/heartbeat/node-heartbeat pod/fast/pod-ready pod/fast/pod-complete pod/fast/pod-delete; do
  cat "$kwok_dir/kustomize/stage/$stage.yaml"
  echo "---"
done >"$E2E_CACHE/kwok-stages.yaml"
build helm "$HELM_VERSION" "-X helm.sh/helm/v4/internal/version.version=$HELM_VERSION" helm.sh/helm/v4/cmd/helm=helm
build pulumi "$PULUMI_CLI_VERSION" "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_CLI_VERSION" \
  github.com/pulumi/pulumi/pkg/v3/cmd/pulumi=pulumi
build pulumi-kubernetes "$PULUMI_KUBERNETES_VERSION" \
  "-X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$PULUMI_KUBERNETES_VERSION" \
  .=pulumi-resource-kubernetes

# The tier's Python: the program's requirements with the SDKs pinned to the built CLI's providers.
venv_stamp="$PULUMI_SDK_VERSION $PULUMI_KUBERNETES_VERSION $(cat "$ROOT/requirements-dev.txt" "$ROOT/requirements.txt" | sha256sum | cut -c1-16)"
if [[ ! -f $E2E_VENV/.stamp || $(cat "$E2E_VENV/.stamp") != "$venv_stamp" ]]; then
  python3 -m venv "$E2E_VENV"
  # The program asks for pulumi-kubernetes >= 4.29; the tier's provider is 4.25.0 (the newest the
  # proxy serves, e2e/REFUSED.md) and its SDK must match it, so that requirement is left out here.
  { grep -v '^-r ' "$ROOT/requirements-dev.txt"; grep -v '^pulumi-kubernetes' "$ROOT/requirements.txt"; } \
    >"$E2E_CACHE/requirements-tier.txt"
  "$E2E_VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$E2E_CACHE/requirements-tier.txt" \
    "pulumi==$PULUMI_SDK_VERSION" "pulumi-kubernetes==$PULUMI_KUBERNETES_VERSION"
  echo "$venv_stamp" >"$E2E_VENV/.stamp"
fi

say "versions:"
"$E2E_BIN/pulumi" version
"$E2E_BIN/pulumi-resource-kubernetes" -version 2>/dev/null || echo "pulumi-resource-kubernetes $PULUMI_KUBERNETES_VERSION"
"$E2E_BIN/kube-apiserver" --version
"$E2E_BIN/kubectl" version --client | sed -n 1p
"$E2E_BIN/etcd" --version | sed -n 1p
"$E2E_BIN/kwok" --version 2>/dev/null | sed -n 1p || echo "kwok $KWOK_VERSION"
"$E2E_BIN/helm" version --short
"$E2E_VENV/bin/python" -c 'import importlib.metadata as m; print("python sdk: pulumi", m.version("pulumi"), "pulumi-kubernetes", m.version("pulumi-kubernetes"))'
