package store

import (
	"database/sql"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// originalSQLite is the database the original backend created and filled,
// as the repository keeps it (testdata/original).
const originalSQLite = "../../testdata/original/original.sqlite3"

// sqliteIndex is an index as PRAGMA index_list and index_info show it.
type sqliteIndex struct {
	Table, Name string
	Unique      bool
	Columns     string
}

func readIndexes(t *testing.T, db *sql.DB) []sqliteIndex {
	t.Helper()
	rows, err := db.Query(`SELECT m.name, i.name, i."unique",
			(SELECT group_concat(coalesce(c.name, '<expr>'), ',') FROM pragma_index_info(i.name) c)
		FROM sqlite_master m JOIN pragma_index_list(m.name) i
		WHERE m.type = 'table' ORDER BY m.name, i.name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []sqliteIndex
	for rows.Next() {
		var ix sqliteIndex
		var cols sql.NullString
		if err := rows.Scan(&ix.Table, &ix.Name, &ix.Unique, &cols); err != nil {
			t.Fatal(err)
		}
		ix.Columns = cols.String
		out = append(out, ix)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func djangoMigrationRows(t *testing.T, db *sql.DB) []string {
	t.Helper()
	rows, err := db.Query(`SELECT app || '.' || name FROM django_migrations ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func isVsauth(name string) bool { return strings.HasPrefix(name, "vsauth_") }

// TestFreshSQLiteIsTheOriginals: a database vsauth creates has the tables,
// columns and indexes of the original's (vsauth's own in vsauth_* tables
// and indexes, or in columns the original's INSERTs may leave out) and its
// django_migrations rows, so that the original could take it over with
// nothing to migrate.
func TestFreshSQLiteIsTheOriginals(t *testing.T) {
	orig, err := sql.Open("sqlite", "file:"+originalSQLite+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer orig.Close()
	s, _ := openTemp(t)

	key := func(c schemaColumn) string { return c.Table + "." + c.Name }
	origCols := map[string]schemaColumn{}
	for _, c := range readSchema(t, orig) {
		origCols[key(c)] = c
	}
	freshCols := map[string]schemaColumn{}
	for _, c := range readSchema(t, s.db) {
		if isVsauth(c.Table) {
			continue
		}
		freshCols[key(c)] = c
		o, ok := origCols[key(c)]
		switch {
		case !ok && c.NotNull && c.Default == "":
			t.Errorf("column %s is not the original's and its INSERTs cannot leave it out: %+v", key(c), c)
		case ok && c != o:
			t.Errorf("column %s = %+v, the original's %+v", key(c), c, o)
		}
	}
	for k := range origCols {
		if _, ok := freshCols[k]; !ok {
			t.Errorf("column %s missing", k)
		}
	}
	if len(origCols) < 100 {
		t.Fatalf("read %d columns of the original's, expected its whole schema", len(origCols))
	}

	notVsauth := func(ixs []sqliteIndex) []sqliteIndex {
		return slices.DeleteFunc(ixs, func(ix sqliteIndex) bool { return isVsauth(ix.Table) || isVsauth(ix.Name) })
	}
	if got, want := notVsauth(readIndexes(t, s.db)), notVsauth(readIndexes(t, orig)); !reflect.DeepEqual(got, want) {
		t.Errorf("indexes:\n got %+v\nwant %+v", got, want)
	}

	want := djangoMigrationRows(t, orig)
	if got := djangoMigrationRows(t, s.db); !reflect.DeepEqual(got, want) || len(want) != 19 {
		t.Errorf("django_migrations:\n got %q\nwant %q", got, want)
	}
}

// TestOriginalSQLiteKeepsItsMigrations: on the original's own database the
// Django step creates nothing and records no migration twice.
func TestOriginalSQLiteKeepsItsMigrations(t *testing.T) {
	s := openOriginalCopy(t)
	if n := count(t, s, `SELECT count(*) FROM django_migrations`); n != 19 {
		t.Errorf("django_migrations has %d rows, want the original's 19", n)
	}
	if n := count(t, s, `SELECT count(*) FROM auth_permission`); n != 56 {
		t.Errorf("auth_permission has %d rows, want the original's 56", n)
	}
}

// openOriginalCopy opens a copy of originalSQLite, migrated.
func openOriginalCopy(t *testing.T) *DB {
	t.Helper()
	raw, err := os.ReadFile(originalSQLite)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "original.sqlite3")
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	return openPath(t, path)
}
