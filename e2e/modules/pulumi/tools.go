//go:build tools

// Package tools pins the Pulumi CLI the real test tier builds (scripts/e2e build).
package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
