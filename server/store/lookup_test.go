package store

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// escapeLike escapes a value for SQLite LIKE ... ESCAPE '\', as Django's
// prep_for_like_query does: the original's iexact lookup, kept here as the
// reference the indexed lookup is compared with.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func TestEscapeLike(t *testing.T) {
	if got, want := escapeLike(`a_b%c\d`), `a\_b\%c\\d`; got != want {
		t.Errorf("escapeLike = %q, want %q", got, want)
	}
}

// likeFold is the original's lookup, Django 2.1's email__iexact on SQLite.
func likeFold(ctx context.Context, s *SQLite, email string) ([]User, error) {
	return s.queryUsers(ctx, `SELECT `+userColumns+` FROM users WHERE email LIKE ? ESCAPE '\' ORDER BY id`, escapeLike(email))
}

func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// TestSQLiteLowerFoldsASCIIOnly pins what the lookup's equivalence with LIKE
// rests on, for the SQLite compiled into modernc.org/sqlite (no ICU): lower()
// changes A-Z and nothing else, and LIKE matches no non-ASCII case pair.
func TestSQLiteLowerFoldsASCIIOnly(t *testing.T) {
	s, _ := openTemp(t)
	var all strings.Builder
	for r := rune(1); r <= unicode.MaxRune; r++ {
		if utf8.ValidRune(r) {
			all.WriteRune(r)
		}
	}
	var lowered string
	if err := s.db.QueryRow(`SELECT lower(?)`, all.String()).Scan(&lowered); err != nil {
		t.Fatal(err)
	}
	if want := asciiLower(all.String()); lowered != want {
		for i, r := range lowered {
			if w, _ := utf8.DecodeRuneInString(want[i:]); r != w {
				t.Fatalf("lower() maps U+%04X to U+%04X; want only A-Z folded", w, r)
			}
		}
		t.Fatalf("lower() output differs in length: %d bytes, want %d", len(lowered), len(want))
	}

	// Every case pair that has a non-ASCII member: ẞ/ß, K (Kelvin)/k, İ/i, ı/I, É/é, ...
	pairs := 0
	for r := rune(0x80); r <= unicode.MaxRune; r++ {
		for o := unicode.SimpleFold(r); o != r; o = unicode.SimpleFold(o) {
			var like, eq bool
			if err := s.db.QueryRow(`SELECT ? LIKE ? ESCAPE '\', lower(?) = lower(?)`, string(r), string(o), string(r), string(o)).Scan(&like, &eq); err != nil {
				t.Fatal(err)
			}
			if like || eq {
				t.Errorf("U+%04X vs U+%04X: LIKE %v, lower() equal %v; want both false", r, o, like, eq)
			}
			pairs++
		}
	}
	for _, p := range [][2]rune{{'ß', 'ẞ'}, {'\u212A', 'k'}, {'İ', 'i'}, {'ı', 'I'}, {'É', 'é'}} {
		if unicode.SimpleFold(p[0]) == p[0] && unicode.SimpleFold(p[1]) == p[1] {
			t.Errorf("pair %q/%q is not a Unicode case pair: the loop above does not test it", p[0], p[1])
		}
	}
	if pairs < 2000 {
		t.Fatalf("only %d case pairs checked", pairs)
	}
}

// TestUsersByEmailFoldMatchesLike compares the indexed lookup with the
// original's LIKE on tricky addresses: both must match exactly the accounts
// whose address equals the query after folding ASCII letters.
func TestUsersByEmailFoldMatchesLike(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	stored := []string{
		"alice@example.com", "ALICE@EXAMPLE.COM", "Alice@Example.Com",
		"émile@example.com", "Émile@example.com", "EMILE@example.com",
		"strasse@example.com", "straße@example.com", "STRAẞE@example.com",
		"kelvin@example.com", "\u212Aelvin@example.com",
		"ian@example.com", "Ian@example.com", "ıan@example.com", "İan@example.com",
		"a%b@example.com", "A%B@example.com", "a_b@example.com", "axb@example.com", `a\b@example.com`, `a\\b@example.com`,
		"bob@éxample.com", "bob@ÉXAMPLE.COM",
	}
	for _, e := range stored {
		mustCreateUser(t, s, e)
	}
	tests := []struct {
		query string
		want  []string
	}{
		{"aLiCe@eXaMpLe.CoM", []string{"alice@example.com", "ALICE@EXAMPLE.COM", "Alice@Example.Com"}},
		{"ÉMILE@EXAMPLE.COM", []string{"Émile@example.com"}},
		{"émile@EXAMPLE.COM", []string{"émile@example.com"}},
		{"emile@example.com", []string{"EMILE@example.com"}},
		{"STRASSE@EXAMPLE.COM", []string{"strasse@example.com"}},
		{"STRAßE@example.com", []string{"straße@example.com"}},
		{"straẞe@example.com", []string{"STRAẞE@example.com"}},
		{"KELVIN@EXAMPLE.COM", []string{"kelvin@example.com"}},
		{"\u212AELVIN@EXAMPLE.COM", []string{"\u212Aelvin@example.com"}},
		{"IAN@EXAMPLE.COM", []string{"ian@example.com", "Ian@example.com"}},
		{"ıAN@EXAMPLE.COM", []string{"ıan@example.com"}},
		{"İAN@example.com", []string{"İan@example.com"}},
		{"iAN@example.com", []string{"ian@example.com", "Ian@example.com"}},
		{"a%B@example.com", []string{"a%b@example.com", "A%B@example.com"}},
		{"a_b@EXAMPLE.com", []string{"a_b@example.com"}},
		{"a%@example.com", nil},
		{"%", nil},
		{"_", nil},
		{"%@%", nil},
		{`A\B@example.com`, []string{`a\b@example.com`}},
		{`a\\B@example.com`, []string{`a\\b@example.com`}},
		{`a\%b@example.com`, nil},
		{"BOB@éXAMPLE.COM", []string{"bob@éxample.com"}},
		{"bob@éxample.com", []string{"bob@éxample.com"}},
		{"bob@Éxample.com", []string{"bob@ÉXAMPLE.COM"}},
		{"", nil},
		{"nobody@example.com", nil},
	}
	for _, tt := range tests {
		got, err := s.UsersByEmailFold(ctx, tt.query)
		if err != nil {
			t.Fatalf("UsersByEmailFold(%q): %v", tt.query, err)
		}
		if !reflect.DeepEqual(emails(got), tt.want) {
			t.Errorf("UsersByEmailFold(%q) = %q, want %q", tt.query, emails(got), tt.want)
		}
		old, err := likeFold(ctx, s, tt.query)
		if err != nil {
			t.Fatalf("LIKE %q: %v", tt.query, err)
		}
		if !reflect.DeepEqual(got, old) {
			t.Errorf("UsersByEmailFold(%q) = %q, LIKE = %q", tt.query, emails(got), emails(old))
		}
		var model []string
		for _, e := range stored {
			if asciiLower(e) == asciiLower(tt.query) {
				model = append(model, e)
			}
		}
		if !reflect.DeepEqual(emails(got), model) {
			t.Errorf("UsersByEmailFold(%q) = %q, ASCII folding gives %q", tt.query, emails(got), model)
		}
	}

	// Past SQLite's LIKE pattern limit (50,000 bytes) the original's lookup
	// fails; the equality has no such limit.
	long := strings.Repeat("a", 60_000-len("@example.com")) + "@example.com"
	if _, err := likeFold(ctx, s, long); err == nil || !strings.Contains(err.Error(), "LIKE or GLOB pattern too complex") {
		t.Errorf("LIKE on a 60,000-byte address: %v, want SQLite's pattern error", err)
	}
	got, err := s.UsersByEmailFold(ctx, long)
	if err != nil || got != nil {
		t.Errorf("UsersByEmailFold(60,000 bytes) = %q, %v; want no user, no error", emails(got), err)
	}
}

// TestUsersByEmailFoldUsesIndex reads SQLite's plan: the lookup must search
// the expression index, not scan users.
func TestUsersByEmailFoldUsesIndex(t *testing.T) {
	s, _ := openTemp(t)
	seedUsers(t, s, 1000)
	plan := explain(t, s.db, s.d, sqliteDialect.users.emailFold, "x")
	// Rows of one index key come in rowid order, so ORDER BY id needs no sort.
	want := []string{"SEARCH u USING INDEX vsauth_users_email_lower (<expr>=?)"}
	if !reflect.DeepEqual(plan, want) {
		t.Errorf("query plan = %q, want %q", plan, want)
	}
}

// TestOriginalFixtureResetLookup serves a copy of the original's own
// database: the new index is added to it, and the reset lookup finds its
// accounts as the original's LIKE does.
func TestOriginalFixtureResetLookup(t *testing.T) {
	s := openOriginalCopy(t)
	ctx := context.Background()
	if n := count(t, s, `SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'vsauth_users_email_lower'`); n != 1 {
		t.Fatalf("index on the original's database: %d", n)
	}
	for _, q := range []string{"ERIN@EXAMPLE.COM", "erin@Example.COM", "Dave@example.com", "frank@example.com", "%@example.com"} {
		got, err := s.UsersByEmailFold(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		old, err := likeFold(ctx, s, q)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, old) {
			t.Errorf("UsersByEmailFold(%q) = %q, LIKE = %q", q, emails(got), emails(old))
		}
	}
	if got, _ := s.UsersByEmailFold(ctx, "ERIN@EXAMPLE.COM"); !reflect.DeepEqual(emails(got), []string{"erin@example.com"}) {
		t.Errorf("erin: %q", emails(got))
	}
	if n := count(t, s, `SELECT count(*) FROM pragma_integrity_check WHERE integrity_check <> 'ok'`); n != 0 {
		t.Errorf("integrity_check: %d problems", n)
	}
}
