// Command pulumi-resource-kubernetes serves pulumi-kubernetes' provider for the real test tier.
//
// The provider's own main package embeds schema-embed.json, a file its Makefile generates (the
// committed schema.json with the release version set) and which is therefore missing from the
// module: scripts/e2e build writes it beside this file, then builds. Serving is the provider
// package's own entry point, called as its command does.
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

//go:embed schema-embed.json
var schema []byte

//go:embed terraform-mapping-embed.json
var terraformMapping []byte

func main() {
	provider.Serve("kubernetes", version.Version, schema, terraformMapping)
}
