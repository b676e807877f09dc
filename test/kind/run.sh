#!/usr/bin/env bash
# End-to-end on a real kind cluster, for machines with Docker (the project's CI has none; its
# k8s suite runs against a local kube-apiserver instead). Steps:
#   1. create a kind cluster (or reuse one of the same name)
#   2. docker build the image and `kind load` it into the cluster
#   3. helm install the chart from this checkout (image pulled from the node, never a registry;
#      the chart has no default image, so image.repository/tag are set to the loaded build:
#      the path docs/install.md#container-image describes for kind users)
#   4. smoke-test the gateway through a port-forward (/readyz, then the proxy)
#   5. run the k8s e2e suite with KUBECONFIG pointing at the cluster
#
# Env: CLUSTER_NAME (portcullis-e2e), IMAGE (portcullis:e2e), NAMESPACE (portcullis),
#      KEEP_CLUSTER=1 to leave the cluster running, E2E_SUITE (test/k8s) for the vitest path.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CLUSTER_NAME="${CLUSTER_NAME:-portcullis-e2e}"
IMAGE="${IMAGE:-portcullis:e2e}"
NAMESPACE="${NAMESPACE:-portcullis}"
RELEASE=portcullis
E2E_SUITE="${E2E_SUITE:-test/k8s}"

log() { printf '\n==> %s\n' "$*" >&2; }
need() { command -v "$1" >/dev/null 2>&1 || { echo "kind e2e: '$1' is required on PATH" >&2; exit 1; }; }
need docker
need kind
need kubectl
need node

WORK="$(mktemp -d "${TMPDIR:-/tmp}/portcullis-kind.XXXXXX")"
export KUBECONFIG="$WORK/kubeconfig"
pf_pid=""
created_cluster=0
cleanup() {
  local rc=$?
  if [[ -n $pf_pid ]]; then kill "$pf_pid" 2>/dev/null || true; fi
  if ((rc != 0)); then
    echo "kind e2e: failed (exit $rc); controller logs:" >&2
    kubectl -n "$NAMESPACE" logs "deploy/$RELEASE" --all-containers --tail=100 >&2 2>/dev/null || true
  fi
  if ((created_cluster)) && [[ ${KEEP_CLUSTER:-0} != 1 ]]; then
    kind delete cluster --name "$CLUSTER_NAME" >&2 || true
  fi
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT

HELM="$("$REPO/scripts/ensure-helm.sh")"

log "cluster $CLUSTER_NAME"
if kind get clusters 2>/dev/null | grep -qx "$CLUSTER_NAME"; then
  echo "reusing the existing cluster" >&2
else
  kind create cluster --name "$CLUSTER_NAME" --wait 120s
  created_cluster=1
fi
kind get kubeconfig --name "$CLUSTER_NAME" >"$KUBECONFIG"

log "docker build $IMAGE"
docker build -t "$IMAGE" "$REPO"
log "kind load $IMAGE"
kind load docker-image "$IMAGE" --name "$CLUSTER_NAME"

log "helm install $RELEASE into $NAMESPACE"
# ClusterIP: kind has no load balancer; the smoke test port-forwards instead.
"$HELM" upgrade --install "$RELEASE" "$REPO/deploy/helm/portcullis" \
  --namespace "$NAMESPACE" --create-namespace \
  --set image.repository="${IMAGE%:*}" --set image.tag="${IMAGE##*:}" --set image.pullPolicy=Never \
  --set service.type=ClusterIP \
  --wait --timeout 5m
kubectl -n "$NAMESPACE" rollout status "deploy/$RELEASE" --timeout=120s
kubectl get crd kongconsumers.portcullis.dev jwtcredentials.portcullis.dev routes.portcullis.dev

log "smoke test through a port-forward"
read -r proxy_port status_port < <(node -e '
  const net = require("node:net");
  const free = () => new Promise((ok) => { const s = net.createServer().listen(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => ok(p)); }); });
  Promise.all([free(), free()]).then((p) => console.log(p.join(" ")));')
kubectl -n "$NAMESPACE" port-forward "svc/$RELEASE" "$proxy_port:80" >"$WORK/pf-proxy.log" 2>&1 &
pf_pid=$!
kubectl -n "$NAMESPACE" port-forward "svc/$RELEASE-internal" "$status_port:8100" >"$WORK/pf-status.log" 2>&1 &
pf_pid="$pf_pid $!"
ready=0
for _ in $(seq 1 30); do
  if curl -fsS "http://127.0.0.1:$status_port/readyz" >/dev/null 2>&1; then ready=1; break; fi
  sleep 1
done
((ready)) || { echo "kind e2e: /readyz never answered 200" >&2; exit 1; }
# No Route matches "/" on a fresh install: the proxy must answer (404), not refuse the connection.
code="$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$proxy_port/")"
[[ $code == 404 ]] || { echo "kind e2e: proxy answered $code for an unrouted path, expected 404" >&2; exit 1; }
# shellcheck disable=SC2086 # two PIDs on purpose
kill $pf_pid 2>/dev/null || true
pf_pid=""

log "k8s e2e suite ($E2E_SUITE) against the kind cluster"
cd "$REPO"
PORTCULLIS_E2E_KUBECONFIG="$KUBECONFIG" PORTCULLIS_E2E_NAMESPACE="$NAMESPACE" \
  npx vitest run "$E2E_SUITE"
log "kind e2e passed"
