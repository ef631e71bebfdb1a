//go:build tools

// Package tools pins kwok, which runs fake Nodes and makes Pods Ready for the kubelet-less control
// planes of the real test tier (scripts/e2e build).
package tools

import _ "sigs.k8s.io/kwok/cmd/kwok"
