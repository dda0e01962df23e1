package server_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	netmail "net/mail"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/virtualspaces/vsauth/internal/servertest"
	"github.com/virtualspaces/vsauth/internal/totp"
	"github.com/virtualspaces/vsauth/server"
	"github.com/virtualspaces/vsauth/server/authtoken"
	"github.com/virtualspaces/vsauth/server/mail"
	"github.com/virtualspaces/vsauth/server/resettoken"
)

// The original backend's own SQLite database and what it recorded while
// filling it (testdata/original, copied from shared/fixtures/original; its
// README explains the recording).
const originalDir = "../testdata/original"

type manifest struct {
	SecretKey  string     `json:"secret_key"`
	Iterations int        `json:"iterations"`
	SQLite     manifestDB `json:"sqlite"`
	Postgres   manifestDB `json:"postgres"`
}

type manifestDB struct {
	Host   string                   `json:"server_host_header"`
	Users  map[string]*manifestUser `json:"users"`
	Events []manifestRequest        `json:"events"`
	Checks []manifestRequest        `json:"checks_after_events"`
}

type manifestUser struct {
	ID              int64           `json:"id"`
	Email           string          `json:"email"`
	EmailSubmitted  string          `json:"email_submitted_at_create"`
	Password        string          `json:"password"`
	PasswordInitial string          `json:"password_initial"`
	Exists          bool            `json:"exists"`
	Tokens          []manifestToken `json:"tokens"`
	TOTP            *struct {
		KeyHex       string `json:"key_hex"`
		DBLastT      int64  `json:"db_last_t"`
		Confirmed    bool   `json:"confirmed"`
		PersistentID string `json:"persistent_id"`
	} `json:"totp"`
	EmergencyCodes *struct {
		Issued []string `json:"issued"`
		Used   []string `json:"used"`
		Unused []string `json:"unused"`
	} `json:"emergency_codes"`
	ResetLinks []struct {
		Label    string `json:"label"`
		UID      string `json:"uid"`
		Token    string `json:"token"`
		MintedAt int64  `json:"minted_at"`
		Valid    bool   `json:"valid_against_final_db"`
		MailFile string `json:"mail_file"`
	} `json:"reset_links"`
	DB *struct {
		PasswordHash string `json:"password_hash"`
		HMACKey      string `json:"jwt_secret_hmac_key"`
	} `json:"db"`
}

type manifestToken struct {
	Token    string `json:"token"`
	MintedAt int64  `json:"minted_at"`
	Expected struct {
		Status int    `json:"status"`
		Why    string `json:"why"`
	} `json:"expected_get_user_view_at_minting_time"`
}

// manifestRequest is one recorded request and the original's answer.
// Tokens appear as pointers such as "<users.alice.tokens[0]>".
type manifestRequest struct {
	Seq           int             `json:"seq"`
	Actor         string          `json:"actor"`
	Method        string          `json:"method"`
	Path          string          `json:"path"`
	Authorization *string         `json:"authorization"`
	RequestBody   json.RawMessage `json:"request_body"`
	Status        int             `json:"status"`
	ResponseBody  json.RawMessage `json:"response_body"`
	SentAt        float64         `json:"sent_at"`
	AnsweredAt    float64         `json:"answered_at"`
	ResetLabel    string          `json:"reset_link_label"`
}

var tokenPointer = regexp.MustCompile(`users\.(\w+)\.tokens\[(\d+)\]`)

func loadManifest(t *testing.T) *manifest {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(originalDir, "MANIFEST.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m manifest
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if m.SecretKey == "" || m.Iterations == 0 {
		t.Fatal("manifest incomplete: no secret key or iteration count")
	}
	for _, d := range []manifestDB{m.SQLite, m.Postgres} {
		if len(d.Users) != 6 || len(d.Events) == 0 || len(d.Checks) == 0 {
			t.Fatalf("manifest incomplete: %d users, %d events, %d checks", len(d.Users), len(d.Events), len(d.Checks))
		}
	}
	return &m
}

// originalDB is one of the original's databases with its half of the
// manifest: the tests below run on each.
type originalDB struct {
	*manifest
	manifestDB
	// serve serves the original's database, changing nothing in it first,
	// with the original's SECRET_KEY.
	serve func(t *testing.T) *fixture
	// fresh serves a fresh database of the same kind; the function it
	// returns compares that database's rows with the original's (nil: no
	// comparison).
	fresh func(t *testing.T) (*fixture, func())
}

// originalPostgresDump is the original's PostgreSQL database, dumped with
// --inserts (fixtures/original).
const originalPostgresDump = "store/testdata/original-postgres-inserts.sql"

// eachOriginal runs fn, in parallel subtests, on the original's SQLite
// database and, when VSAUTH_TEST_POSTGRES is set, on its PostgreSQL one.
func eachOriginal(t *testing.T, fn func(t *testing.T, o originalDB)) {
	m := loadManifest(t)
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		fn(t, originalDB{manifest: m, manifestDB: m.SQLite,
			serve: func(t *testing.T) *fixture { return serveOriginal(t, m) },
			fresh: func(t *testing.T) (*fixture, func()) {
				path := filepath.Join(t.TempDir(), "fresh.sqlite3")
				f := &fixture{Env: servertest.Start(t, server.Compat, servertest.WithDatabase(path)), t: t}
				return f, func() {
					orig, got := dumpRows(t, filepath.Join(originalDir, "original.sqlite3")), dumpRows(t, path)
					// vsauth deletes frank's profile with him (D15).
					orig["account_profile"] = slices.DeleteFunc(orig["account_profile"], func(r string) bool { return strings.HasPrefix(r, "6 | ") })
					for table, rows := range orig {
						if !slices.Equal(got[table], rows) {
							t.Errorf("%s rows:\n got %q\nwant %q", table, got[table], rows)
						}
					}
				}
			},
		})
	})
	t.Run("postgres", func(t *testing.T) {
		servertest.SkipWithoutPostgres(t)
		t.Parallel()
		fn(t, originalDB{manifest: m, manifestDB: m.Postgres,
			serve: func(t *testing.T) *fixture {
				st := servertest.OpenPostgres(t, servertest.LoadPostgresDump(t, originalPostgresDump))
				return &fixture{Env: servertest.Start(t, server.Compat, servertest.WithStore(st), servertest.WithSecretKey(m.SecretKey)), t: t}
			},
			fresh: func(t *testing.T) (*fixture, func()) {
				st := servertest.OpenPostgres(t, servertest.PostgresSchema(t))
				return &fixture{Env: servertest.Start(t, server.Compat, servertest.WithStore(st)), t: t}, nil
			},
		})
	})
}

// serveOriginal serves a copy of original.sqlite3, changing nothing in it
// first, with the original's SECRET_KEY. A password check runs at the
// stored hash's own count (the manifest's 120000, the one slow hash in the
// tests); new hashes use servertest's cheap count, so a successful login
// re-hashes the stored password as Django does when the counts differ.
func serveOriginal(t *testing.T, m *manifest) *fixture {
	t.Helper()
	src, err := os.Open(filepath.Join(originalDir, "original.sqlite3"))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	path := filepath.Join(t.TempDir(), "original.sqlite3")
	dst, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
	env := servertest.Start(t, server.Compat, servertest.WithDatabase(path), servertest.WithSecretKey(m.SecretKey))
	return &fixture{Env: env, t: t}
}

// at moves the server's clock forward to the Unix time sec.
func (f *fixture) at(sec float64) {
	f.t.Helper()
	target := time.Unix(0, int64(sec*1e9))
	d := target.Sub(f.Clock.Now())
	if d < 0 {
		f.t.Fatalf("clock at %v, cannot go back to %v", f.Clock.Now(), target)
	}
	f.Clock.Advance(d)
}

func userViewBody(u *manifestUser) string {
	return `{"id":` + strconv.FormatInt(u.ID, 10) + `,"email":"` + u.Email + `","profile":{"display_name":null,"profile_image":null,"about":null}}`
}

func credentials(email, pw string) string {
	b, _ := json.Marshal(map[string]string{"email": email, "password": pw})
	return string(b)
}

func totpCode(t *testing.T, keyHex string, step int64) string {
	t.Helper()
	c, err := totp.Code(keyHex, time.Unix(step*30, 0), 6, 30)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

const badCredentials = `{"non_field_errors":["Unable to log in with provided credentials."]}`

// TestOriginalDatabase serves each of the original's databases and checks
// every item of its half of the manifest: logins, tokens at their minting time,
// reset links on their day, emergency and TOTP codes. Its five logins
// check PBKDF2 hashes at the stored count (about 60 ms each, 1.3 s under
// -race). The refused logins are TestOriginalDatabaseChecks'.
func TestOriginalDatabase(t *testing.T) {
	t.Parallel()
	eachOriginal(t, testOriginalDatabase)
}

func testOriginalDatabase(t *testing.T, o originalDB) {
	users := o.Users
	alice, bob, carol := users["alice"], users["bob"], users["carol"]
	f := o.serve(t)

	// Every recorded token, with the clock at its minting time, answers
	// GET /api/user/view/ as recorded. Frank's crashed the original (D1);
	// the compat answer is 401.
	checkTokens := func(names ...string) {
		for _, name := range names {
			u := users[name]
			for i, tok := range u.Tokens {
				if f.Clock.Now().Unix() != tok.MintedAt {
					t.Fatalf("%s token %d minted at %d, clock at %d", name, i, tok.MintedAt, f.Clock.Now().Unix())
				}
				r := req{Method: "GET", Path: "/api/user/view/", Token: tok.Token}
				switch tok.Expected.Status {
				case 200:
					f.expect(r, 200, userViewBody(u))
				case 403:
					f.expect(r, 403, forbiddenOTP)
				case 500:
					f.expect(r, 401, decodeError)
				default:
					t.Fatalf("%s token %d: unexpected recorded status %d", name, i, tok.Expected.Status)
				}
			}
		}
	}
	// A login at the recorded minting time gives back the recorded token
	// byte for byte: same claims, same key.
	login := func(u *manifestUser, tok manifestToken) {
		f.expect(req{Method: "POST", Path: "/api/user/login/", Body: credentials(u.Email, u.Password)}, 200, `{"token":"`+tok.Token+`"}`)
	}

	f.at(float64(alice.Tokens[0].MintedAt))
	checkTokens("alice", "bob")
	login(alice, alice.Tokens[0])
	login(bob, bob.Tokens[0])
	first := bob.Tokens[0].Token

	// Bob's TOTP: the recorded last step is a replay; the next one works
	// once and gives the recorded verified token.
	last := bob.TOTP.DBLastT
	totpPath := func(code string) string { return "/api/totp/login/" + code + "/" }
	f.expect(req{Method: "POST", Path: totpPath(totpCode(t, bob.TOTP.KeyHex, last)), Token: first}, 400, "")
	next := totpCode(t, bob.TOTP.KeyHex, last+1)
	f.expect(req{Method: "POST", Path: totpPath(next), Token: first}, 201, `{"token":"`+bob.Tokens[1].Token+`"}`)
	f.expect(req{Method: "POST", Path: totpPath(next), Token: first}, 400, "")

	// Bob's emergency codes: the used one fails, each unused one works
	// exactly once.
	codes := bob.EmergencyCodes
	if len(codes.Unused) != 5 || len(codes.Used) != 1 {
		t.Fatalf("emergency codes: %d unused, %d used", len(codes.Unused), len(codes.Used))
	}
	staticPath := func(code string) string { return "/api/static/login/" + code + "/" }
	f.expect(req{Method: "POST", Path: staticPath(codes.Used[0]), Token: first}, 400, "")
	for _, c := range codes.Unused {
		f.expect(req{Method: "POST", Path: staticPath(c), Token: first}, 201, `{"token":"`+bob.Tokens[2].Token+`"}`)
		f.expect(req{Method: "POST", Path: staticPath(c), Token: first}, 400, "")
	}

	// The others in the order of their tokens' minting times, each
	// logging in at that time.
	for _, name := range []string{"carol", "dave", "erin", "frank"} {
		f.at(float64(users[name].Tokens[0].MintedAt))
		checkTokens(name)
		if u := users[name]; u.Exists {
			login(u, u.Tokens[len(u.Tokens)-1])
		}
	}
	for _, name := range []string{"alice", "bob", "carol", "dave", "erin"} {
		if got := f.user(users[name].Email).Password; got == users[name].DB.PasswordHash || !strings.HasPrefix(got, "pbkdf2_sha256$2$") {
			t.Errorf("%s's hash after login: %q, want it upgraded to the server's count", name, got)
		}
	}

	// Carol's device was never confirmed (last_t -1): any current code
	// confirms it, and from then on her first-factor token is refused.
	if carol.TOTP.Confirmed || carol.TOTP.DBLastT != -1 {
		t.Fatalf("carol's device: %+v", carol.TOTP)
	}
	device := carol.TOTP.PersistentID
	want := authtoken.Sign(authtoken.Claims{UserID: carol.ID, Username: carol.Email, Exp: f.Clock.Now().Unix() + 900, OTPDeviceID: &device}, carol.DB.HMACKey)
	now := f.Clock.Now().Unix() / 30
	f.expect(req{Method: "POST", Path: totpPath(totpCode(t, carol.TOTP.KeyHex, now)), Token: carol.Tokens[0].Token}, 201, `{"token":"`+want+`"}`)
	f.expect(req{Method: "GET", Path: "/api/user/view/", Token: carol.Tokens[0].Token}, 403, forbiddenOTP)
	f.expect(req{Method: "GET", Path: "/api/user/view/", Token: want}, 200, userViewBody(carol))

	// The next account gets id 7: frank's 6 is not reused.
	f.expect(req{Method: "POST", Path: "/api/user/create/", Body: credentials("grace@example.com", "saffron-lagoon-meteor-3")}, 201, `{"email":"grace@example.com","id":7}`)
}

// TestOriginalDatabaseResetLinks checks dave's reset links on their day,
// on a database of its own: a login there would have upgraded his stored
// hash, which ends every link made from it.
func TestOriginalDatabaseResetLinks(t *testing.T) {
	t.Parallel()
	eachOriginal(t, func(t *testing.T, o originalDB) {
		testOriginalDatabaseResetLinks(t, o.Users["dave"], o.serve(t))
	})
}

func testOriginalDatabaseResetLinks(t *testing.T, dave *manifestUser, f *fixture) {
	// Dave's reset links on their day: the one sent before his password
	// change is refused; the later one works once.
	if len(dave.ResetLinks) != 2 || dave.ResetLinks[0].Valid || !dave.ResetLinks[1].Valid {
		t.Fatalf("dave's reset links: %+v", dave.ResetLinks)
	}
	const newPW = "indigo-harbor-tundra-7"
	for _, l := range dave.ResetLinks {
		f.at(float64(l.MintedAt))
		r := req{Method: "POST", Path: "/api/user/password/reset/confirm/", Body: confirmBody(l.UID, l.Token, newPW)}
		if !l.Valid {
			f.expect(r, 400, `{"non_field_errors":["Invalid token for given user."]}`)
			continue
		}
		f.expect(r, 204, "")
		f.expect(r, 400, `{"non_field_errors":["Invalid token for given user."]}`)
	}
	u := f.user(dave.Email)
	if u.Password == dave.DB.PasswordHash || u.JWTSecret != dave.DB.HMACKey {
		t.Errorf("dave after reset: hash %q (was %q), jwt secret %q (was %q)", u.Password, dave.DB.PasswordHash, u.JWTSecret, dave.DB.HMACKey)
	}
	f.expect(req{Method: "POST", Path: "/api/user/login/", Body: credentials(dave.Email, dave.Password)}, 400, badCredentials)
	f.login(dave.Email, newPW)
}

// TestOriginalDatabaseChecks replays the manifest's checks_after_events,
// read-only requests the original answered after the events, on a copy
// of its database with the clock at each one's sending time.
func TestOriginalDatabaseChecks(t *testing.T) {
	t.Parallel()
	eachOriginal(t, func(t *testing.T, o originalDB) {
		f := o.serve(t)
		for _, c := range o.Checks {
			f.at(c.SentAt)
			token := ""
			if c.Authorization != nil {
				token = resolveToken(t, o.Users, *c.Authorization)
			}
			f.expect(req{Method: c.Method, Path: c.Path, Body: requestBody(c.RequestBody), Token: token}, c.Status, responseBody(t, c.ResponseBody))
		}
	})
}

// resolveToken turns "JWT <users.alice.tokens[0]>" into the token.
func resolveToken(t *testing.T, users map[string]*manifestUser, pointer string) string {
	t.Helper()
	mt := tokenPointer.FindStringSubmatch(pointer)
	if mt == nil || !strings.HasPrefix(pointer, "JWT ") {
		t.Fatalf("authorization %q is no token pointer", pointer)
	}
	i, _ := strconv.Atoi(mt[2])
	return users[mt[1]].Tokens[i].Token
}

func requestBody(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	return string(raw)
}

// responseBody is a recorded answer as the original sent it: compact JSON
// (the manifest re-indented it), nothing for null.
func responseBody(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// checkResetMail compares a reset mail of the fresh server with the one
// the original wrote for the same request: the same subject, addresses,
// text and HTML, but for the reset token.
func checkResetMail(t *testing.T, u *manifestUser, i int, got mail.Message, token string) {
	t.Helper()
	link := u.ResetLinks[i]
	gotDay, _, _ := strings.Cut(token, "-")
	if wantDay, _, _ := strings.Cut(link.Token, "-"); gotDay != wantDay {
		t.Errorf("reset token %s names day %s, the original's %s", token, gotDay, wantDay)
	}
	raw, err := os.ReadFile(filepath.Join(originalDir, link.MailFile))
	if err != nil {
		t.Fatal(err)
	}
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	_, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	parts := map[string]string{}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		typ, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		b, err := io.ReadAll(p)
		if err != nil {
			t.Fatal(err)
		}
		parts[typ] = strings.ReplaceAll(string(b), link.Token, token)
	}
	want := mail.Message{From: msg.Header.Get("From"), To: msg.Header.Get("To"), Subject: msg.Header.Get("Subject"),
		Text: parts["text/plain"], HTML: parts["text/html"]}
	got = mail.Message{From: got.From, To: got.To, Subject: got.Subject, Text: got.Text, HTML: got.HTML}
	if got != want {
		t.Errorf("reset mail %s:\n got %#v\nwant %#v", link.MailFile, got, want)
	}
}

// dumpRows reads the rows of the original's tables that vsauth writes,
// without their secrets: password hashes and jwt secrets are reduced to
// their format, TOTP keys left out, emergency codes to their length.
func dumpRows(t *testing.T, path string) map[string][]string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	queries := map[string]string{
		"users": `SELECT id, substr(password, 1, 14), last_login, is_superuser, email, is_active, is_admin,
			length(jwt_secret) || ':' || (jwt_secret GLOB '*[^0-9a-f]*'), length(date_joined) FROM users ORDER BY id`,
		"account_profile":         `SELECT id, display_name, quote(profile_image), about, user_id FROM account_profile ORDER BY id`,
		"otp_totp_totpdevice":     `SELECT id, name, confirmed, length(key), step, t0, digits, tolerance, drift, last_t, user_id FROM otp_totp_totpdevice ORDER BY id`,
		"otp_static_staticdevice": `SELECT id, name, confirmed, user_id FROM otp_static_staticdevice ORDER BY id`,
		"otp_static_statictoken":  `SELECT id, length(token), device_id FROM otp_static_statictoken ORDER BY id`,
		"sqlite_sequence": `SELECT name, seq FROM sqlite_sequence WHERE name IN
			('users', 'account_profile', 'otp_totp_totpdevice', 'otp_static_staticdevice', 'otp_static_statictoken') ORDER BY name`,
	}
	out := map[string][]string{}
	for table, q := range queries {
		rows, err := db.Query(q)
		if err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			cells := make([]string, len(vals))
			for i, v := range vals {
				cells[i] = fmt.Sprint(v)
			}
			out[table] = append(out[table], strings.Join(cells, " | "))
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
	}
	return out
}

// jwtParts returns a token's decoded header and payload.
func jwtParts(t *testing.T, tok string) (header, payload string) {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", tok)
	}
	h, err1 := base64.RawURLEncoding.DecodeString(parts[0])
	p, err2 := base64.RawURLEncoding.DecodeString(parts[1])
	if err1 != nil || err2 != nil {
		t.Fatalf("not a JWT: %q", tok)
	}
	return string(h), string(p)
}

var (
	otpauthSecret = regexp.MustCompile(`secret=([A-Z2-7]+)&`)
	resetLinkRE   = regexp.MustCompile(`/password/reset/confirm/([A-Za-z0-9_-]+)/([0-9a-z]+-[0-9a-f]+)`)
	staticCodeRE  = regexp.MustCompile(`^[a-z2-7]{8}$`)
)

// TestReplayOriginalEvents sends the requests that built each of the
// original's databases, in order and at their recorded times, to a fresh
// vsauth server on the same kind of database, each at its answering time,
// then its checks_after_events. Every answer must equal the
// original's modulo secrets: tokens are compared by header and payload
// (the keys are fresh), the TOTP secret, emergency codes and reset tokens
// are the fresh server's own.
func TestReplayOriginalEvents(t *testing.T) {
	eachOriginal(t, testReplayOriginalEvents)
}

func testReplayOriginalEvents(t *testing.T, o originalDB) {
	users := o.Users
	f, compareRows := o.fresh(t)
	fresh := map[string]string{}       // token pointer → fresh token
	totpKeys := map[string]string{}    // actor → fresh TOTP key (hex)
	staticCodes := map[string]string{} // recorded emergency code → fresh one
	var resetTokens []string           // fresh reset tokens, in mail order

	substitute := func(r manifestRequest) req {
		out := req{Method: r.Method, Path: r.Path, Body: requestBody(r.RequestBody), Header: map[string]string{"Host": o.Host}}
		if r.Authorization != nil {
			mt := tokenPointer.FindStringSubmatch(*r.Authorization)
			out.Token = fresh[mt[0]]
			if out.Token == "" {
				t.Fatalf("seq %d: no fresh token for %s", r.Seq, mt[0])
			}
		}
		if strings.HasPrefix(r.Path, "/api/totp/login/") {
			out.Path = "/api/totp/login/" + totpCode(t, totpKeys[r.Actor], f.Clock.Now().Unix()/30) + "/"
		}
		if code, ok := strings.CutPrefix(r.Path, "/api/static/login/"); ok {
			out.Path = "/api/static/login/" + staticCodes[strings.TrimSuffix(code, "/")] + "/"
		}
		if r.Path == "/api/user/password/reset/confirm/" {
			// Only the link sent before dave's password change is used.
			var body map[string]string
			if err := json.Unmarshal(r.RequestBody, &body); err != nil || len(resetTokens) == 0 {
				t.Fatalf("seq %d: reset confirm body %s, %d fresh links", r.Seq, r.RequestBody, len(resetTokens))
			}
			out.Body = confirmBody(body["uid"], resetTokens[0], body["new_password"])
		}
		return out
	}

	// check compares one answer with the recorded one and keeps the fresh
	// secrets it hands out.
	check := func(kind string, r manifestRequest) {
		t.Helper()
		// The original minted tokens at the end of a request, after the
		// slow password hash: carol's login was sent at .98 s and its
		// token names the next second.
		f.at(r.AnsweredAt)
		got := f.do(substitute(r))
		want := responseBody(t, r.ResponseBody)
		if got.Status != r.Status {
			t.Errorf("%s %d %s %s: status %d, original %d (%s)", kind, r.Seq, r.Method, r.Path, got.Status, r.Status, got.Body)
			return
		}
		switch {
		case strings.Contains(want, `"<see users.`):
			ptr := tokenPointer.FindString(want)
			tok := tokenOf(t, got.Body)
			i, _ := strconv.Atoi(tokenPointer.FindStringSubmatch(ptr)[2])
			orig := users[tokenPointer.FindStringSubmatch(ptr)[1]].Tokens[i].Token
			gh, gp := jwtParts(t, tok)
			oh, op := jwtParts(t, orig)
			if gh != oh || gp != op {
				t.Errorf("%s %d: token %s.%s, original %s.%s", kind, r.Seq, gh, gp, oh, op)
			}
			fresh[ptr] = tok
		case strings.HasPrefix(want, `"otpauth://`):
			mt := otpauthSecret.FindStringSubmatch(got.Body)
			if mt == nil || otpauthSecret.ReplaceAllString(got.Body, "secret=S&") != otpauthSecret.ReplaceAllString(want, "secret=S&") {
				t.Errorf("%s %d: %s, original %s", kind, r.Seq, got.Body, want)
				return
			}
			raw, err := base32.StdEncoding.DecodeString(mt[1])
			if err != nil {
				t.Fatal(err)
			}
			totpKeys[r.Actor] = hex.EncodeToString(raw)
		case strings.HasPrefix(want, `["`):
			var gotCodes, origCodes []string
			if err := json.Unmarshal([]byte(got.Body), &gotCodes); err != nil || json.Unmarshal([]byte(want), &origCodes) != nil || len(gotCodes) != len(origCodes) {
				t.Errorf("%s %d: codes %s, original %s", kind, r.Seq, got.Body, want)
				return
			}
			for i, c := range gotCodes {
				if !staticCodeRE.MatchString(c) {
					t.Errorf("%s %d: code %q", kind, r.Seq, c)
				}
				staticCodes[origCodes[i]] = c
			}
		default:
			if got.Body != want {
				t.Errorf("%s %d %s %s: body %s, original %s", kind, r.Seq, r.Method, r.Path, got.Body, want)
			}
		}
		if r.ResetLabel != "" {
			msgs := f.Mail.All()
			mt := resetLinkRE.FindStringSubmatch(msgs[len(msgs)-1].Text)
			if len(msgs) != len(resetTokens)+1 || mt == nil || mt[1] != resettoken.EncodeUID(users[r.Actor].ID) {
				t.Fatalf("%s %d: %d mails, link %v", kind, r.Seq, len(msgs), mt)
			}
			resetTokens = append(resetTokens, mt[2])
			checkResetMail(t, users[r.Actor], len(resetTokens)-1, msgs[len(msgs)-1], mt[2])
		}
	}
	for _, e := range o.Events {
		check("event", e)
	}
	if len(resetTokens) != 2 || resetTokens[0] == resetTokens[1] {
		t.Errorf("fresh reset tokens %q", resetTokens)
	}
	// The rows match the original's but for secrets.
	if compareRows != nil {
		compareRows()
	}
	for _, c := range o.Checks {
		check("check", c)
	}
	// Both databases continue at id 7.
	f.expect(req{Method: "POST", Path: "/api/user/create/", Body: credentials("grace@example.com", "saffron-lagoon-meteor-3")}, 201, `{"email":"grace@example.com","id":7}`)
	if _, err := f.Store.UserByID(context.Background(), 6); err == nil {
		t.Error("frank's row survived his deletion")
	}
}
