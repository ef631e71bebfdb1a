//go:build tools

// Package tools pins the helm CLI of the real test tier (scripts/e2e build): `helm template` is
// the reference the chart emulation of the fast tier is compared with.
package tools

import _ "helm.sh/helm/v4/cmd/helm"
