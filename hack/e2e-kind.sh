#!/usr/bin/env bash
# End-to-end on a kind cluster, for people with Docker (the way operator projects ship
# `make test-e2e`): creates a kind cluster, builds the three images and loads them into it,
# installs PostgreSQL, Redis and an SQS-compatible endpoint in the cluster, installs the chart
# with the samples of manifests/samples, runs a smoke test through the api, dumps logs and
# events on failure and deletes the cluster.
#
# NOT RUN BY THE TESTS: the project's machines and CI have no Docker engine (and no registry to
# pull kind's node image from). npm test checks this script with `bash -n` and, where it is
# installed, shellcheck; everything it installs is also checked by the chart's server-side dry
# runs against a real kube-apiserver.
#
# Needs: docker, kind, kubectl, helm (v3.14+ or v4), openssl, curl.
# Environment: CLUSTER (default payflow-e2e), KEEP_CLUSTER=1 to keep it afterwards,
# TAG (default e2e), NAMESPACE (default payflow).
set -euo pipefail

cd "$(dirname "$0")/.."
CLUSTER="${CLUSTER:-payflow-e2e}"
TAG="${TAG:-e2e}"
NAMESPACE="${NAMESPACE:-payflow}"
KEEP_CLUSTER="${KEEP_CLUSTER:-0}"
COMPONENTS=(api worker controller)
REPO=ghcr.io/payflow

log() { printf '\n==> %s\n' "$*"; }

need() {
  local tool
  for tool in "$@"; do
    command -v "$tool" > /dev/null 2>&1 || {
      echo "e2e-kind: $tool is required" >&2
      exit 2
    }
  done
}

dump() {
  log "failure: events, pods and logs of namespace ${NAMESPACE}"
  kubectl get events -A --sort-by=.lastTimestamp || true
  kubectl -n "${NAMESPACE}" get all,workerpools,rules,batchjobs -o wide || true
  local pod
  for pod in $(kubectl -n "${NAMESPACE}" get pods -o name 2> /dev/null); do
    echo "--- ${pod}"
    kubectl -n "${NAMESPACE}" logs "${pod}" --all-containers --tail=200 || true
  done
}

cleanup() {
  local status=$?
  if [ "${status}" -ne 0 ]; then dump; fi
  if [ "${KEEP_CLUSTER}" = 1 ]; then
    log "keeping cluster ${CLUSTER} (kind delete cluster --name ${CLUSTER})"
  else
    log "deleting cluster ${CLUSTER}"
    kind delete cluster --name "${CLUSTER}" || true
  fi
  exit "${status}"
}

need docker kind kubectl helm openssl curl

log "creating kind cluster ${CLUSTER}"
kind create cluster --name "${CLUSTER}" --wait 120s
trap cleanup EXIT
kubectl config use-context "kind-${CLUSTER}"

log "building and loading images (tag ${TAG})"
for c in "${COMPONENTS[@]}"; do
  docker build --target "${c}" -t "${REPO}/payflow-${c}:${TAG}" .
  kind load docker-image --name "${CLUSTER}" "${REPO}/payflow-${c}:${TAG}"
done

log "namespace ${NAMESPACE} (restricted Pod Security) and the backing services"
kubectl create namespace "${NAMESPACE}" --dry-run=client -o yaml | kubectl apply -f -
kubectl label namespace "${NAMESPACE}" --overwrite pod-security.kubernetes.io/enforce=restricted
# The backing services run in their own namespace: their public images are not all restricted.
kubectl create namespace payflow-deps --dry-run=client -o yaml | kubectl apply -f -
kubectl -n payflow-deps apply -f - << 'EOF'
apiVersion: apps/v1
kind: Deployment
metadata: { name: postgres }
spec:
  selector: { matchLabels: { app: postgres } }
  template:
    metadata: { labels: { app: postgres } }
    spec:
      containers:
        - name: postgres
          image: postgres:17
          env:
            - { name: POSTGRES_PASSWORD, value: payflow }
            - { name: POSTGRES_DB, value: payflow }
          ports: [{ containerPort: 5432 }]
---
apiVersion: v1
kind: Service
metadata: { name: postgres }
spec: { selector: { app: postgres }, ports: [{ port: 5432 }] }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: redis }
spec:
  selector: { matchLabels: { app: redis } }
  template:
    metadata: { labels: { app: redis } }
    spec:
      containers:
        - { name: redis, image: 'redis:7', ports: [{ containerPort: 6379 }] }
---
apiVersion: v1
kind: Service
metadata: { name: redis }
spec: { selector: { app: redis }, ports: [{ port: 6379 }] }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: sqs }
spec:
  selector: { matchLabels: { app: sqs } }
  template:
    metadata: { labels: { app: sqs } }
    spec:
      containers:
        - name: sqs
          image: softwaremill/elasticmq-native:1.6.11
          ports: [{ containerPort: 9324 }]
---
apiVersion: v1
kind: Service
metadata: { name: sqs }
spec: { selector: { app: sqs }, ports: [{ port: 9324 }] }
EOF
kubectl -n payflow-deps rollout status deploy/postgres deploy/redis deploy/sqs --timeout=180s

SQS=http://sqs.payflow-deps.svc:9324
QUEUES=(payflow-payment-events-dlq payflow-payment-events payflow-payment-updates-dlq payflow-payment-updates)
for q in "${QUEUES[@]}"; do
  kubectl -n payflow-deps run "mkq-${q}" --rm -i --restart=Never --image=curlimages/curl:8.10.1 -- \
    curl -fsS "${SQS}/?Action=CreateQueue&QueueName=${q}" > /dev/null
done

log "credentials Secret (created here, never by the chart)"
JWT_KEY="$(openssl ecparam -name prime256v1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt)"
kubectl -n "${NAMESPACE}" create secret generic payflow \
  --from-literal=DATABASE_URL=postgres://postgres:payflow@postgres.payflow-deps.svc:5432/payflow \
  --from-literal=REDIS_URL=redis://redis.payflow-deps.svc:6379 \
  --from-literal=AWS_ACCESS_KEY_ID=e2e --from-literal=AWS_SECRET_ACCESS_KEY=e2e \
  --from-literal=JWT_PRIVATE_KEY="${JWT_KEY}" \
  --dry-run=client -o yaml | kubectl apply -f -

log "helm install"
helm upgrade --install payflow charts/payflow --namespace "${NAMESPACE}" --wait --timeout 5m \
  --set existingSecret=payflow \
  --set api.image.tag="${TAG}" --set worker.image.tag="${TAG}" --set controller.image.tag="${TAG}" \
  --set api.image.pullPolicy=Never --set worker.image.pullPolicy=Never --set controller.image.pullPolicy=Never \
  --set sqs.endpoint="${SQS}" \
  --set sqs.eventsQueueUrl="${SQS}/000000000000/payflow-payment-events" \
  --set sqs.eventsDlqUrl="${SQS}/000000000000/payflow-payment-events-dlq" \
  --set sqs.updatesQueueUrl="${SQS}/000000000000/payflow-payment-updates" \
  --set sqs.updatesDlqUrl="${SQS}/000000000000/payflow-payment-updates-dlq"

log "samples"
kubectl -n "${NAMESPACE}" apply -k manifests/samples
kubectl -n "${NAMESPACE}" wait --for=condition=Ready rule/high-value --timeout=120s
kubectl -n "${NAMESPACE}" wait --for=jsonpath='{.status.readyReplicas}'=1 deploy/payflow-worker --timeout=180s

log "smoke test through the api"
kubectl -n "${NAMESPACE}" port-forward svc/payflow-api 18080:8080 > /dev/null 2>&1 &
PF=$!
sleep 3
curl -fsS http://127.0.0.1:18080/readyz
curl -fsS http://127.0.0.1:18080/api/v1/openapi.json > /dev/null
curl -fsS http://127.0.0.1:18080/metrics | grep -q '^payflow_http_request_duration_seconds'
kill "${PF}"

log "helm upgrade (same values) keeps everything running"
helm upgrade payflow charts/payflow --namespace "${NAMESPACE}" --reuse-values --wait --timeout 5m
kubectl -n "${NAMESPACE}" get workerpools,deploy

log "e2e passed"
