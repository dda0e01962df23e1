package servertest

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/virtualspaces/vsauth/server/store"
)

// PostgresEnv names the PostgreSQL database (its URL) in which tests
// create a schema each; scripts/with-postgres.sh sets it.
const PostgresEnv = "VSAUTH_TEST_POSTGRES"

// SkipWithoutPostgres skips t, saying why, unless PostgresEnv is set.
func SkipWithoutPostgres(t testing.TB) {
	t.Helper()
	if os.Getenv(PostgresEnv) == "" {
		t.Skip("PostgreSQL test skipped: set " + PostgresEnv + " to a database URL, or run under scripts/with-postgres.sh")
	}
}

var (
	adminOnce sync.Once
	adminPool *pgxpool.Pool
	adminErr  error
	schemaSeq atomic.Int64
)

func admin(t testing.TB) *pgxpool.Pool {
	t.Helper()
	SkipWithoutPostgres(t)
	adminOnce.Do(func() { adminPool, adminErr = pgxpool.New(context.Background(), os.Getenv(PostgresEnv)) })
	if adminErr != nil {
		t.Fatalf("connect to %s: %v", PostgresEnv, adminErr)
	}
	return adminPool
}

// PostgresSchema creates an empty schema in the test database, dropped
// when the test ends, and returns a URL whose connections use only it: a
// database of its own for the test, as far as vsauth can tell. It skips t
// without PostgresEnv.
func PostgresSchema(t testing.TB) string {
	t.Helper()
	pool := admin(t)
	name := fmt.Sprintf("vsauth_servertest_%d_%d", os.Getpid(), schemaSeq.Add(1))
	if _, err := pool.Exec(context.Background(), `CREATE SCHEMA `+name); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		if _, err := pool.Exec(context.Background(), `DROP SCHEMA `+name+` CASCADE`); err != nil {
			t.Errorf("drop schema %s: %v", name, err)
		}
	})
	u, err := url.Parse(os.Getenv(PostgresEnv))
	if err != nil {
		t.Fatalf("%s: %v", PostgresEnv, err)
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return u.String()
}

// LoadPostgresDump loads a pg_dump --inserts file into a fresh schema (see
// PostgresSchema) and returns the schema's URL. psql's meta-commands and
// pg_dump's session settings are left out, and "public." becomes the
// schema's name, so that the dump loads without psql.
func LoadPostgresDump(t testing.TB, path string) string {
	t.Helper()
	dbURL := PostgresSchema(t)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(dbURL)
	schema := u.Query().Get("search_path")
	var b strings.Builder
	for _, line := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(line, `\`) || strings.HasPrefix(line, "SET ") || strings.HasPrefix(line, "SELECT pg_catalog.set_config") {
			continue
		}
		b.WriteString(strings.ReplaceAll(line, "public.", schema+"."))
		b.WriteByte('\n')
	}
	if _, err := admin(t).Exec(context.Background(), b.String()); err != nil {
		t.Fatalf("load %s: %v", path, err)
	}
	return dbURL
}

// OpenPostgres opens a store on dbURL with a small pool, closed when the
// test ends. Each call is a separate pool, as a separate replica has.
func OpenPostgres(t testing.TB, dbURL string) *store.DB {
	t.Helper()
	st, err := store.OpenPostgres(context.Background(), dbURL, store.PostgresOptions{MaxConns: 8})
	if err != nil {
		t.Fatalf("OpenPostgres: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}
