package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"

	"github.com/virtualspaces/vsauth/server/store"
)

// dbMode says what a command may do when --db names no database yet.
type dbMode int

const (
	// dbCreate is the server's: a missing file is created, and so is the
	// default path's directory (an explicit path's directory must exist, so
	// that a typo creates nothing).
	dbCreate dbMode = iota
	// dbMustExist is for commands that read or repair the server's data.
	dbMustExist
)

// dbURL matches a value written as a URL rather than a file path.
var dbURL = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9+.-]*)://`)

// openDB resolves --db and opens it; every command that takes --db goes
// through it, so they all read the flag the same way. It returns the name
// of what it opened, fit for logs: a path, or a URL without its password.
// SQLite and PostgreSQL are one store type with the same methods, so the
// commands need no interface to use either.
func openDB(ctx context.Context, db string, getenv func(string) string, mode dbMode) (*store.DB, string, error) {
	return openDBWith(ctx, db, getenv, mode, store.PostgresOptions{})
}

// openDBWith is openDB with the pool settings of a PostgreSQL database.
func openDBWith(ctx context.Context, db string, getenv func(string) string, mode dbMode, pg store.PostgresOptions) (*store.DB, string, error) {
	path, err := resolveDB(db, getenv, mode)
	if err != nil {
		return nil, "", err
	}
	if store.IsPostgresURL(path) {
		st, err := store.OpenPostgres(ctx, path, pg)
		if err != nil {
			return nil, "", err
		}
		return st, store.RedactURL(path), nil
	}
	st, err := store.OpenSQLite(ctx, path)
	if err != nil {
		return nil, "", err
	}
	return st, path, nil
}

func resolveDB(db string, getenv func(string) string, mode dbMode) (string, error) {
	if db == "" {
		// The server's setting, read the same way by admin and mail: a
		// host configured through the environment (a systemd
		// EnvironmentFile) names one database for all three.
		db = getenv("VSAUTH_DB")
	}
	if store.IsPostgresURL(db) {
		return db, nil
	}
	switch {
	case db == store.MemoryPath && mode == dbMustExist:
		return "", usageErrorf("--db %s is empty: a memory database only lives inside the server that opened it", store.MemoryPath)
	case db == store.MemoryPath:
		return db, nil
	case db == "":
		path, err := defaultDBPath(getenv)
		if err != nil {
			return "", err
		}
		if mode == dbCreate {
			if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
				return "", fmt.Errorf("creating the database directory: %w", err)
			}
		}
		db = path
	}
	// A URL would otherwise be taken as a relative path and a SQLite file
	// created under a directory named after its scheme. The URL itself is
	// not echoed: it may hold a password.
	if m := dbURL.FindStringSubmatch(db); m != nil && filepath.VolumeName(db) == "" {
		return "", usageErrorf("--db: unsupported database URL (%s://); pass the path of a SQLite database file or a postgres:// URL", m[1])
	}
	if mode == dbMustExist {
		if _, err := os.Stat(db); errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("no database at %s (start 'vsauth server' first, or pass --db)", db)
		}
	}
	return db, nil
}

// defaultDBPath is vsauth.db in the platform's per-user data directory.
func defaultDBPath(getenv func(string) string) (string, error) {
	var dir string
	switch runtime.GOOS {
	case "windows":
		dir = getenv("LocalAppData")
	case "darwin":
		if home, err := os.UserHomeDir(); err == nil {
			dir = filepath.Join(home, "Library", "Application Support")
		}
	default:
		if dir = getenv("XDG_DATA_HOME"); dir == "" {
			if home, err := os.UserHomeDir(); err == nil {
				dir = filepath.Join(home, ".local", "share")
			}
		}
	}
	if dir == "" {
		return "", errors.New("cannot find a user data directory: pass --db")
	}
	return filepath.Join(dir, "vsauth", "vsauth.db"), nil
}
