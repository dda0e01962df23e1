package store

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
)

// backend opens stores of one kind for the tests that hold for every kind.
type backend struct {
	name string
	// open returns a store on a fresh, empty database.
	open func(t testing.TB) *DB
	// two returns two stores on one fresh database, as two replicas or
	// processes would have: they share no connection and no in-process lock.
	two func(t testing.TB) [2]*DB
}

var sqliteBackend = backend{
	name: "sqlite",
	open: func(t testing.TB) *DB { s, _ := openTemp(t); return s },
	two: func(t testing.TB) [2]*DB {
		a, path := openTemp(t)
		return [2]*DB{a, openPath(t, path)}
	},
}

// postgresEnv names the PostgreSQL database (its URL) in which the tests
// create a schema each; scripts/with-postgres.sh sets it.
const postgresEnv = "VSAUTH_TEST_POSTGRES"

var postgresBackend = backend{
	name: "postgres",
	open: func(t testing.TB) *DB { return openPostgresTest(t, newTestSchema(t)) },
	two: func(t testing.TB) [2]*DB {
		u := newTestSchema(t)
		return [2]*DB{openPostgresTest(t, u), openPostgresTest(t, u)}
	},
}

// eachStore runs fn for SQLite and, when VSAUTH_TEST_POSTGRES is set, for
// PostgreSQL, as subtests named after the backend.
func eachStore(t *testing.T, fn func(t *testing.T, b backend)) {
	t.Run(sqliteBackend.name, func(t *testing.T) { fn(t, sqliteBackend) })
	t.Run(postgresBackend.name, func(t *testing.T) {
		skipWithoutPostgres(t)
		fn(t, postgresBackend)
	})
}

func skipWithoutPostgres(t testing.TB) {
	t.Helper()
	if os.Getenv(postgresEnv) == "" {
		t.Skip("PostgreSQL half skipped: set " + postgresEnv + " to a database URL, or run under scripts/with-postgres.sh")
	}
}

var (
	adminOnce sync.Once
	adminPool *pgxpool.Pool
	adminErr  error
	schemaSeq atomic.Int64
)

// newTestSchema creates an empty schema in the test database, dropped when
// the test ends, and returns a URL whose connections use only it.
func newTestSchema(t testing.TB) string {
	t.Helper()
	skipWithoutPostgres(t)
	base := os.Getenv(postgresEnv)
	adminOnce.Do(func() { adminPool, adminErr = pgxpool.New(context.Background(), base) })
	if adminErr != nil {
		t.Fatalf("connect to %s: %v", postgresEnv, adminErr)
	}
	name := fmt.Sprintf("vsauth_test_%d_%d", os.Getpid(), schemaSeq.Add(1))
	if _, err := adminPool.Exec(context.Background(), `CREATE SCHEMA `+name); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		if _, err := adminPool.Exec(context.Background(), `DROP SCHEMA `+name+` CASCADE`); err != nil {
			t.Errorf("drop schema %s: %v", name, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", postgresEnv, err)
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return u.String()
}

func openPostgresTest(t testing.TB, dbURL string) *DB {
	t.Helper()
	s, err := OpenPostgres(context.Background(), dbURL, PostgresOptions{MaxConns: 8})
	if err != nil {
		t.Fatalf("OpenPostgres: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
