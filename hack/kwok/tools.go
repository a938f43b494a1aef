//go:build tools

// Builds the kwok controller (fake nodes and pod lifecycle stages) for the test environment.
// Its module graph starts from hack/kube-apiserver's, so the Kubernetes libraries they share
// are the same versions and are compiled once.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "sigs.k8s.io/kwok/cmd/kwok"
)
