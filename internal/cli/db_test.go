package cli

import (
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// tree lists every path under root, so that a test can show nothing was created.
func tree(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		out = append(out, p)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// dbCommands are the command lines that take --db, before the flag.
var dbCommands = [][]string{{"server"}, {"admin", "list"}, {"mail", "list"}}

func TestDBURLRefused(t *testing.T) {
	cases := []struct{ db, errOut string }{
		{"mysql://vsauth:s3cret-pw@localhost/vsauth", "vsauth: --db: unsupported database URL (mysql://); pass the path of a SQLite database file or a postgres:// URL\n"},
		{"sqlite:///var/lib/vsauth.db", "vsauth: --db: unsupported database URL (sqlite://); pass the path of a SQLite database file or a postgres:// URL\n"},
		{"file:///var/lib/vsauth.db", "vsauth: --db: unsupported database URL (file://); pass the path of a SQLite database file or a postgres:// URL\n"},
	}
	// A URL used to be taken as a path relative to the working directory.
	wd := t.TempDir()
	t.Chdir(wd)
	for _, c := range cases {
		for _, cmd := range dbCommands {
			code, out, errOut := run(t, "", nil, append(cmd, "--db", c.db)...)
			if code != ExitUsage || out != "" || errOut != c.errOut {
				t.Errorf("%s --db %s: exit %d, stdout %q, stderr %q; want exit %d, stderr %q", cmd, c.db, code, out, errOut, ExitUsage, c.errOut)
			}
			// The same through the environment, as an operator would pass a DSN.
			if cmd[0] == "server" {
				t.Setenv("VSAUTH_DB", c.db)
				code, _, errOut = run(t, "", nil, cmd...)
				if code != ExitUsage || errOut != c.errOut {
					t.Errorf("VSAUTH_DB=%s: exit %d, stderr %q", c.db, code, errOut)
				}
				os.Unsetenv("VSAUTH_DB")
			}
		}
	}
	if got := tree(t, wd); !slices.Equal(got, []string{wd}) {
		t.Fatalf("created %v", got[1:])
	}
}

func TestDBPathErrors(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing", "vsauth.db")
	blocker := filepath.Join(dir, "file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	underFile := filepath.Join(blocker, "vsauth.db")
	cases := []struct {
		name, db       string
		server, reader string // stderr of the server and of admin/mail
	}{
		{"directory missing", missing,
			"vsauth: store: open database " + missing + ": directory " + filepath.Dir(missing) + " does not exist (create it first)\n",
			"vsauth: no database at " + missing + " (start 'vsauth server' first, or pass --db)\n"},
		{"is a directory", dir,
			"vsauth: store: open database " + dir + ": it is a directory, not a database file\n",
			"vsauth: store: open database " + dir + ": it is a directory, not a database file\n"},
		{"parent is a file", underFile,
			"vsauth: store: open database " + underFile + ": " + blocker + " is not a directory\n",
			"vsauth: store: open database " + underFile + ": " + blocker + " is not a directory\n"},
		{"memory for a reader", ":memory:", "",
			"vsauth: --db :memory: is empty: a memory database only lives inside the server that opened it\n"},
	}
	if runtime.GOOS != "windows" {
		cases = append(cases, struct{ name, db, server, reader string }{"device", os.DevNull,
			"vsauth: store: open database /dev/null: not a regular file\n",
			"vsauth: store: open database /dev/null: not a regular file\n"})
	}
	before := tree(t, dir)
	for _, c := range cases {
		for _, cmd := range dbCommands {
			want, wantCode := c.reader, ExitError
			if cmd[0] == "server" {
				if c.server == "" {
					continue
				}
				want = c.server
			}
			if c.db == ":memory:" {
				wantCode = ExitUsage
			}
			code, _, errOut := run(t, "", nil, append(cmd, "--db", c.db)...)
			if code != wantCode || errOut != want {
				t.Errorf("%s: %s: exit %d, stderr %q; want exit %d, %q", c.name, cmd, code, errOut, wantCode, want)
			}
		}
	}
	if got := tree(t, dir); !slices.Equal(got, before) {
		t.Fatalf("files changed: %v, was %v", got, before)
	}
}

// unwritableDir is a directory this process cannot create files in. Root
// writes through file modes, so it gets sysfs, which refuses everyone.
func unwritableDir(t *testing.T) string {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("no unwritable directory by mode on Windows")
	}
	if os.Geteuid() != 0 {
		dir := filepath.Join(t.TempDir(), "ro")
		if err := os.Mkdir(dir, 0o500); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	if f, err := os.OpenFile("/sys/vsauth-probe.db", os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600); err == nil {
		f.Close()
		t.Skip("running as root without a read-only /sys")
	}
	return "/sys"
}

func TestDBUnwritable(t *testing.T) {
	dir := unwritableDir(t)
	db := filepath.Join(dir, "vsauth.db")
	code, _, errOut := run(t, "", nil, "server", "--db", db)
	want := "vsauth: store: create database file " + db + ": open " + db + ": permission denied\n"
	if code != ExitError || errOut != want {
		t.Fatalf("exit %d, stderr %q; want %q", code, errOut, want)
	}
	if _, err := os.Stat(db); !os.IsNotExist(err) {
		t.Fatalf("%s: %v", db, err)
	}
}

func TestDBReadOnlyFile(t *testing.T) {
	if runtime.GOOS == "windows" || os.Geteuid() == 0 {
		t.Skip("file modes do not stop this user")
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "vsauth.db")
	if err := os.WriteFile(db, nil, 0o400); err != nil {
		t.Fatal(err)
	}
	want := "vsauth: store: open database " + db + ": open " + db + ": permission denied\n"
	for _, cmd := range dbCommands {
		code, _, errOut := run(t, "", nil, append(cmd, "--db", db)...)
		if code != ExitError || errOut != want {
			t.Errorf("%s: exit %d, stderr %q; want %q", cmd, code, errOut, want)
		}
	}
	if got := tree(t, dir); !slices.Equal(got, []string{dir, db}) {
		t.Fatalf("files: %v", got)
	}
}

// TestDefaultDBDirectory: only the server's default path gets its directory
// created; readers of a default database that does not exist create nothing.
func TestDefaultDBDirectory(t *testing.T) {
	xdg := filepath.Join(t.TempDir(), "xdg")
	getenv := func(k string) string { return map[string]string{"XDG_DATA_HOME": xdg, "LocalAppData": xdg}[k] }
	if runtime.GOOS == "darwin" {
		t.Skip("the default directory comes from the home directory on macOS")
	}
	want := filepath.Join(xdg, "vsauth", "vsauth.db")
	_, err := resolveDB("", getenv, dbMustExist)
	if err == nil || err.Error() != "no database at "+want+" (start 'vsauth server' first, or pass --db)" {
		t.Fatalf("reader: %v", err)
	}
	if _, err := os.Stat(xdg); !os.IsNotExist(err) {
		t.Fatalf("a reader created %s: %v", xdg, err)
	}
	path, err := resolveDB("", getenv, dbCreate)
	if err != nil || path != want {
		t.Fatalf("server: %q %v", path, err)
	}
	if fi, err := os.Stat(filepath.Dir(want)); err != nil || !fi.IsDir() || (runtime.GOOS != "windows" && fi.Mode().Perm() != 0o700) {
		t.Fatalf("default directory: %v %v", fi, err)
	}
}

// TestPostgresURLPasswordNotShown points every --db command at a port where
// no PostgreSQL listens: the error names the database, never its password.
func TestPostgresURLPasswordNotShown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // a closed port: connections are refused at once
	db := "postgres://vsauth:s3cret-pw@" + addr + "/vsauth?sslmode=disable&connect_timeout=2"
	for _, cmd := range dbCommands {
		code, out, errOut := run(t, "", nil, append(cmd, "--db", db)...)
		if code != ExitError || out != "" || !strings.Contains(errOut, "vsauth:xxxxx@"+addr) || strings.Contains(errOut, "s3cret-pw") {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit %d and the URL without its password", cmd, code, out, errOut, ExitError)
		}
	}
}
