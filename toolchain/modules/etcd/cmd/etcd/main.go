// Command etcd runs the etcd server.
//
// Upstream's binary is the main package of the root module go.etcd.io/etcd/v3, whose versions
// the module proxy here does not serve; that main only calls etcdmain.Main, so this one does too.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
