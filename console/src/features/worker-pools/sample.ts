// A trimmed copy of manifests/samples/workerpool-payments.yaml, shown as an example.
export const WORKER_POOL_YAML = `apiVersion: payflow.dev/v1alpha1
kind: WorkerPool
metadata:
  name: payments
spec:
  queue:
    name: payflow-payment-events
    region: eu-west-1
    deadLetterQueue:
      name: payflow-payment-events-dlq
  minReplicas: 1
  maxReplicas: 20
  targetBacklogPerReplica: 5
  pollingIntervalSeconds: 5
  cooldownSeconds: 300
  concurrencyPerReplica: 10
  fallback:
    failureThreshold: 3
    replicas: 4`;
