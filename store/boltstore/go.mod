module github.com/sessionkit/session/store/boltstore

go 1.25.0

require (
	github.com/sessionkit/session v0.0.0-00010101000000-000000000000
	go.etcd.io/bbolt v1.5.0
)

require golang.org/x/sys v0.45.0 // indirect

replace github.com/sessionkit/session => ../..
