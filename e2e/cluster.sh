# shellcheck shell=bash
# One kubelet-less Kubernetes control plane (sourced by e2e/inside.sh): etcd, kube-apiserver,
# kube-controller-manager (token Secrets, endpoints, Deployments, namespaces, garbage collection),
# kube-scheduler and kwok (three fake Nodes; Pods become Ready), each on the cluster's own loopback
# address, with a kube context named after the cluster in $KUBECONFIG.

# pki DIR IP: a cluster CA, the apiserver's serving certificate (its loopback address and the
# in-cluster names), an admin client certificate (system:masters) and the service-account keys.
pki() {
  local dir=$1 ip=$2
  local -a ec=(-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes)
  openssl req -x509 "${ec[@]}" -keyout "$dir/ca.key" -out "$dir/ca.crt" -days 2 -subj "/CN=$name-ca" 2>/dev/null
  openssl req "${ec[@]}" -keyout "$dir/apiserver.key" -out "$dir/apiserver.csr" -subj "/CN=kube-apiserver" 2>/dev/null
  printf 'subjectAltName=IP:%s,IP:10.96.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,DNS:localhost\n' "$ip" >"$dir/san.ext"
  openssl x509 -req -in "$dir/apiserver.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial \
    -days 2 -extfile "$dir/san.ext" -out "$dir/apiserver.crt" 2>/dev/null
  openssl req "${ec[@]}" -keyout "$dir/admin.key" -out "$dir/admin.csr" -subj "/O=system:masters/CN=admin" 2>/dev/null
  openssl x509 -req -in "$dir/admin.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial \
    -days 2 -out "$dir/admin.crt" 2>/dev/null
  openssl genrsa -out "$dir/sa.key" 2048 2>/dev/null
  openssl rsa -in "$dir/sa.key" -pubout -out "$dir/sa.pub" 2>/dev/null
}

# kubeconfig_entry NAME IP DIR: adds cluster, user and context NAME to $KUBECONFIG and writes the
# component's own single-context kubeconfig DIR/admin.kubeconfig.
kubeconfig_entry() {
  local name=$1 ip=$2 dir=$3 file
  for file in "$KUBECONFIG" "$dir/admin.kubeconfig"; do
    KUBECONFIG=$file kubectl config set-cluster "$name" --server "https://$ip:6443" \
      --certificate-authority "$dir/ca.crt" --embed-certs >/dev/null
    KUBECONFIG=$file kubectl config set-credentials "$name-admin" --client-certificate "$dir/admin.crt" \
      --client-key "$dir/admin.key" --embed-certs >/dev/null
    KUBECONFIG=$file kubectl config set-context "$name" --cluster "$name" --user "$name-admin" >/dev/null
  done
  KUBECONFIG="$dir/admin.kubeconfig" kubectl config use-context "$name" >/dev/null
}

start_control_plane() {
  local name=$1 ip=$2 index=$3 dir=$4
  mkdir -p "$dir"
  pki "$dir" "$ip"
  kubeconfig_entry "$name" "$ip" "$dir"
  etcd --name "$name" --data-dir "$dir/etcd" --log-level warn --logger zap \
    --listen-client-urls "http://$ip:2379" --advertise-client-urls "http://$ip:2379" \
    --listen-peer-urls "http://$ip:2380" --initial-advertise-peer-urls "http://$ip:2380" \
    --initial-cluster "$name=http://$ip:2380" --listen-metrics-urls "" \
    >"$dir/etcd.log" 2>&1 &
  kube-apiserver --etcd-servers "http://$ip:2379" --bind-address "$ip" --advertise-address "$ip" \
    --secure-port 6443 --tls-cert-file "$dir/apiserver.crt" --tls-private-key-file "$dir/apiserver.key" \
    --client-ca-file "$dir/ca.crt" --authorization-mode RBAC --allow-privileged=true \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$dir/sa.pub" --service-account-signing-key-file "$dir/sa.key" \
    --service-cluster-ip-range "10.96.0.0/16" --enable-priority-and-fairness=false --profiling=false \
    --endpoint-reconciler-type none \
    >"$dir/apiserver.log" 2>&1 &
  echo "$dir" >"$WORK/.dir-$name"
  echo "$ip" >"$WORK/.ip-$name"
  echo "$index" >"$WORK/.index-$name"
}

# wait_ready NAME: the apiserver answers /readyz, then the controllers, the scheduler, kwok and
# the fake Node start; returns when the Node is Ready and the default ServiceAccount exists.
wait_ready() {
  local name=$1 dir ip index i
  dir=$(cat "$WORK/.dir-$name"); ip=$(cat "$WORK/.ip-$name"); index=$(cat "$WORK/.index-$name")
  for ((i = 0; i < 120; i++)); do
    kubectl --context "$name" get --raw /readyz >/dev/null 2>&1 && break
    sleep 1
  done
  kubectl --context "$name" get --raw /readyz >/dev/null 2>&1 ||
    { tail -20 "$dir/apiserver.log" >&2; die "the apiserver of $name did not become ready"; }
  kube-controller-manager --kubeconfig "$dir/admin.kubeconfig" --leader-elect=false \
    --service-account-private-key-file "$dir/sa.key" --root-ca-file "$dir/ca.crt" \
    --use-service-account-credentials=false --bind-address "$ip" --secure-port 10257 \
    --authentication-skip-lookup=true --profiling=false \
    >"$dir/controller-manager.log" 2>&1 &
  kube-scheduler --kubeconfig "$dir/admin.kubeconfig" --leader-elect=false --bind-address "$ip" \
    --secure-port 10259 --authentication-skip-lookup=true --profiling=false \
    >"$dir/scheduler.log" 2>&1 &
  kwok --kubeconfig "$dir/admin.kubeconfig" --config "$E2E_CACHE/kwok-stages.yaml" --manage-all-nodes=true \
    --cidr "10.$((100 + index)).0.1/16" --node-ip "$ip" --server-address "$ip:10247" \
    >"$dir/kwok.log" 2>&1 &
  # Three Nodes: the charts' `ha` settings spread replicas with required anti-affinity per host.
  local node
  for node in 1 2 3; do
    kubectl --context "$name" apply -f - >/dev/null <<NODE
apiVersion: v1
kind: Node
metadata:
  name: $name-node-$node
  labels: {kubernetes.io/hostname: $name-node-$node, kubernetes.io/os: linux, kubernetes.io/arch: amd64, type: kwok}
  annotations: {node.alpha.kubernetes.io/ttl: "0", kwok.x-k8s.io/node: fake}
status:
  allocatable: {cpu: "64", memory: 256Gi, pods: "250"}
  capacity: {cpu: "64", memory: 256Gi, pods: "250"}
NODE
  done
  for ((i = 0; i < 120; i++)); do
    kubectl --context "$name" get node "$name-node-3" \
      -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null | grep -q True &&
      kubectl --context "$name" get serviceaccount default >/dev/null 2>&1 && return 0
    sleep 1
  done
  tail -5 "$dir/kwok.log" "$dir/controller-manager.log" >&2
  die "the control plane of $name did not become ready (node or default ServiceAccount missing)"
}
