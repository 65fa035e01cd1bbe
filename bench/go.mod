module github.com/sessionkit/session/bench

go 1.26.0

require (
	github.com/alexedwards/scs/goredisstore v0.0.0-20250212122300-421ef1d8611c
	github.com/alexedwards/scs/mysqlstore v0.0.0-20250417082927-ab20b3feb5e9
	github.com/alexedwards/scs/pgxstore v0.0.0-20240316134038-7e11d57e8885
	github.com/alexedwards/scs/sqlite3store v0.0.0-20251002162104-209de6e426de
	github.com/alexedwards/scs/v2 v2.9.0
	github.com/go-sql-driver/mysql v1.10.1
	github.com/gorilla/sessions v1.4.0
	github.com/jackc/pgx/v5 v5.12.0
	github.com/mattn/go-sqlite3 v1.14.53
	github.com/redis/go-redis/v9 v9.23.0
	github.com/sessionkit/session v0.0.0
	github.com/sessionkit/session/deflate v0.0.0-00010101000000-000000000000
	github.com/sessionkit/session/store/boltstore v0.0.0-00010101000000-000000000000
	github.com/sessionkit/session/store/mysqlstore v0.0.0-00010101000000-000000000000
	github.com/sessionkit/session/store/pgstore v0.0.0-00010101000000-000000000000
	github.com/sessionkit/session/store/redisstore v0.0.0-00010101000000-000000000000
	github.com/sessionkit/session/store/sqlitestore v0.0.0-00010101000000-000000000000
	go.etcd.io/bbolt v1.5.0
)

require (
	filippo.io/edwards25519 v1.2.0 // indirect
	github.com/aclements/go-moremath v0.0.0-20210112150236-f10218a38794 // indirect
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/dustin/go-humanize v1.1.0 // indirect
	github.com/google/uuid v1.6.0 // indirect
	github.com/gorilla/securecookie v1.1.2 // indirect
	github.com/jackc/pgpassfile v1.0.0 // indirect
	github.com/jackc/pgservicefile v0.0.0-20240606120523-5a60cdf6a761 // indirect
	github.com/jackc/puddle/v2 v2.2.3 // indirect
	github.com/klauspost/compress v1.20.4 // indirect
	github.com/mattn/go-isatty v0.0.24 // indirect
	github.com/ncruces/go-strftime v1.1.0 // indirect
	github.com/remyoudompheng/bigfft v0.0.0-20230129092748-24d4a6f8daec // indirect
	go.uber.org/atomic v1.12.0 // indirect
	golang.org/x/perf v0.0.0-20260908200009-22c9c6c9d4da // indirect
	golang.org/x/sync v0.24.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
	golang.org/x/text v0.42.0 // indirect
	modernc.org/libc v1.80.1 // indirect
	modernc.org/mathutil v1.7.1 // indirect
	modernc.org/memory v1.12.1 // indirect
	modernc.org/sqlite v1.62.0 // indirect
)

replace (
	github.com/sessionkit/session => ../
	github.com/sessionkit/session/store/pgstore => ../store/pgstore
	github.com/sessionkit/session/store/redisstore => ../store/redisstore
)

replace github.com/sessionkit/session/store/mysqlstore => ../store/mysqlstore

tool golang.org/x/perf/cmd/benchstat

replace github.com/sessionkit/session/store/sqlitestore => ../store/sqlitestore

replace github.com/sessionkit/session/deflate => ../deflate

replace github.com/sessionkit/session/store/boltstore => ../store/boltstore
