module github.com/sessionkit/session/bench

go 1.26.0

require (
	github.com/alexedwards/scs/v2 v2.9.0
	github.com/gorilla/sessions v1.4.0
	github.com/sessionkit/session v0.0.0
)

require (
	github.com/aclements/go-moremath v0.0.0-20210112150236-f10218a38794 // indirect
	github.com/gorilla/securecookie v1.1.2 // indirect
	golang.org/x/perf v0.0.0-20260908200009-22c9c6c9d4da // indirect
)

replace github.com/sessionkit/session => ../

tool golang.org/x/perf/cmd/benchstat
