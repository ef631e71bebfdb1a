// Command etcd is the etcd server of the real test tier, built from the go.etcd.io/etcd/server/v3
// module (the repository's own main package is not a module the proxy serves). It only hands the
// command line to etcdmain, as the upstream etcd binary does.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
