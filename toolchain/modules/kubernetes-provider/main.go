// Command pulumi-resource-kubernetes serves the Pulumi Kubernetes provider.
//
// Upstream's own main package embeds schema-embed.json and terraform-mapping-embed.json, which
// `go generate` writes and which therefore are not in the module zip. toolchain/build.sh writes
// the same two files next to this one (from schema.json and terraform-mapping.json in the zip,
// with the stamped version set), so this package can embed them. Both files are gitignored.
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

//go:embed schema-embed.json
var pulumiSchema []byte

//go:embed terraform-mapping-embed.json
var terraformMapping []byte

func main() {
	provider.Serve("kubernetes", version.Version, pulumiSchema, terraformMapping)
}
