//go:build tools

// Package tools pins the chart and manifest tools the tests build: helm (v4) and the kustomize
// CLI (the engine behind `kubectl kustomize`). hack/testenv/binaries.ts builds each from here
// and caches it by version and by the hash of go.mod and go.sum.
package tools

import (
	_ "helm.sh/helm/v4/cmd/helm"
	_ "sigs.k8s.io/kustomize/kustomize/v5"
)
