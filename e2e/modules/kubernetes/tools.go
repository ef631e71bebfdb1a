//go:build tools

// Package tools pins the Kubernetes commands the real test tier builds from k8s.io/kubernetes
// (scripts/e2e build): the control plane without kubelets, and kubectl. k8s.io/kubernetes replaces
// its staging modules with local folders, which a dependency cannot do; go.mod replaces them with
// the published k8s.io/* modules of the same release instead.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
