package harness

import (
	"fmt"
	"regexp"
	"strings"
)

// defect recognizes a difference API.md §7 lists as a defect of the
// original: one side (def) behaves as the original does, the other (fix)
// as vsauth fixes it, in both profiles (D1, D2, D3, D16) or in the hardened
// one (§7.1). Each rule looks at the last exchange of both transcripts and,
// when it needs to, at what came before on the same side.
type defect struct {
	id string
	// what describes the difference: %[1]s is the side with the defect,
	// %[2]s the other, %[3]s the request ("POST /api/user/login/").
	what  string
	match func(def, fix []normExchange) bool
}

const (
	pathLogin        = "/api/user/login/"
	pathRefresh      = "/api/user/login/refresh/"
	pathView         = "/api/user/view/"
	pathCreate       = "/api/user/create/"
	pathChange       = "/api/user/password/change/"
	pathResetConfirm = "/api/user/password/reset/confirm/"
	pathLogoutAll    = "/api/user/logout/all/"
	pathTOTPCreate   = "/api/totp/create/"
	pathStaticCreate = "/api/static/create/"
	pathTOTPLogin    = "/api/totp/login/<code>/"
	pathStaticLogin  = "/api/static/login/<code>/"
)

var defects = []defect{
	{"D1", "%[1]s answers 500 to %[3]s with the token of a user that is gone, %[2]s 401", func(d, f []normExchange) bool {
		x, y := last(d), last(f)
		return x.Status == 500 && !isPath(x, pathRefresh) && y.Status == 401 && bodyHas(y, "signature.")
	}},
	{"D2", "%[1]s answers 500 to %[3]s with a token it cannot decode, %[2]s 400", func(d, f []normExchange) bool {
		x, y := last(d), last(f)
		return x.Status == 500 && isPath(x, pathRefresh) && y.Status == 400
	}},
	{"D3", "%[1]s answers 500 to %[3]s, %[2]s updates the profile", func(d, f []normExchange) bool {
		x, y := last(d), last(f)
		return isPath(x, pathView) && (x.Method == "PUT" || x.Method == "PATCH") && x.Status == 500 && y.Status == 200
	}},
	{"D16", "%[1]s answers 500 (debug page) to %[3]s without a trailing slash, %[2]s redirects", func(d, f []normExchange) bool {
		x, y := last(d), last(f)
		return x.Status == 500 && y.Status == 301 && !strings.HasSuffix(pathOnly(x), "/")
	}},
	{"D4", "%[1]s shows a confirmed device's TOTP secret again (%[3]s), %[2]s refuses", func(d, f []normExchange) bool {
		x, y := last(d), last(f)
		return isPath(x, pathTOTPCreate) && x.Status == 201 && y.Status == 409
	}},
	{"D5", "%[1]s keeps a token alive across a password change or reset, %[2]s rejects it (%[3]s)", func(d, f []normExchange) bool {
		x, y := last(d), last(f)
		return x.Status != 401 && y.Status == 401 && bodyHas(y, "Error decoding signature.") &&
			earlier(f, func(e normExchange) bool {
				return (isPath(e, pathChange) || isPath(e, pathResetConfirm)) && e.Status == 204
			})
	}},
	{"D6", "%[1]s accepts a first-factor token for %[3]s once two-step login is on, %[2]s answers 403", func(d, f []normExchange) bool {
		x, y := last(d), last(f)
		return (isPath(x, pathChange) || isPath(x, pathLogoutAll)) && x.Status != 403 && y.Status == 403
	}},
	{"D7", "%[1]s checks a reset password's similarity against no user, %[2]s against the account (%[3]s)", func(d, f []normExchange) bool {
		x, y := last(d), last(f)
		return isPath(x, pathResetConfirm) && x.Status == 204 && y.Status == 400 && bodyHas(y, "too similar")
	}},
	{"D8", "%[1]s checks every attempt, %[2]s refuses %[3]s unchecked during its throttle after a failure", func(d, f []normExchange) bool {
		x, y := last(d), last(f)
		guarded := func(e normExchange) bool {
			return isPath(e, pathLogin) || isPath(e, pathTOTPLogin) || isPath(e, pathStaticLogin)
		}
		return guarded(x) && x.Status/100 == 2 && y.Status == 400 &&
			earlier(f, func(e normExchange) bool { return guarded(e) && e.Status == 400 })
	}},
	{"D11", "%[2]s's tokens carry orig_iat (refresh works), %[1]s's do not (%[3]s)", func(d, f []normExchange) bool {
		x, y := last(d), last(f)
		if isPath(x, pathRefresh) && x.Status == 400 && bodyHas(x, "orig_iat field is required.") && y.Status == 200 {
			return true
		}
		if !strings.Contains(y.Body, ",orig_iat") {
			return false
		}
		y.Body = strings.ReplaceAll(y.Body, ",orig_iat", "")
		return sameExchange(x, y)
	}},
	{"D13", "%[1]s makes emergency codes without a confirmed TOTP device (%[3]s), %[2]s refuses", func(d, f []normExchange) bool {
		x, y := last(d), last(f)
		return isPath(x, pathStaticCreate) && x.Status == 201 && y.Status == 409
	}},
	{"D14", "%[1]s treats the e-mail's domain case as significant (%[3]s), %[2]s normalizes it", func(d, f []normExchange) bool {
		x, y := last(d), last(f)
		switch {
		case isPath(x, pathCreate):
			return x.Status == 400 && x.Body == `["Unable to create account."]` && y.Body != x.Body
		case isPath(x, pathLogin):
			return x.Status == 400 && y.Status == 200 && upperDomain.MatchString(x.Request)
		}
		return false
	}},
}

var upperDomain = regexp.MustCompile(`"email":"[^"]*@[^"]*[A-Z]`)

func last(xs []normExchange) normExchange { return xs[len(xs)-1] }

// earlier reports whether an exchange before the last one matches.
func earlier(xs []normExchange, match func(normExchange) bool) bool {
	for _, e := range xs[:len(xs)-1] {
		if match(e) {
			return true
		}
	}
	return false
}

func pathOnly(e normExchange) string {
	p, _, _ := strings.Cut(e.Path, "?")
	return p
}

// isPath matches the API path whatever prefix the server lives under.
func isPath(e normExchange, p string) bool { return strings.HasSuffix(pathOnly(e), p) }

func bodyHas(e normExchange, s string) bool { return strings.Contains(e.Body, s) }

// classify names the known defect the last exchanges of a and b differ by,
// and says which side shows it.
func classify(nameA, nameB string, a, b []normExchange) (id, what string, ok bool) {
	req := last(a).Method + " " + last(a).Path
	for _, d := range defects {
		switch {
		case d.match(a, b):
			return d.id, fmt.Sprintf(d.what, nameA, nameB, req), true
		case d.match(b, a):
			return d.id, fmt.Sprintf(d.what, nameB, nameA, req), true
		}
	}
	return "", "", false
}
