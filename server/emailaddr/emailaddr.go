// Package emailaddr holds Django 2.1.5's email rules as the original backend
// applied them: EmailValidator and BaseUserManager.normalize_email.
package emailaddr

import (
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/text/unicode/bidi"

	"github.com/virtualspaces/vsauth/internal/pystr"
)

// The validator's patterns, with Python's re.IGNORECASE applied by folding
// the input first (see fold) and `\Z` as Go's `\z`. The domain pattern's
// `(?<!-)` lookbehind is checked in code: RE2 has no lookbehind. The IP
// literal pattern is checked in code too (see ipLiteral).
var (
	userRE   = regexp.MustCompile(`^(?:[-!#$%&'*+/=?^_` + "`" + `{}|~0-9a-z]+(?:\.[-!#$%&'*+/=?^_` + "`" + `{}|~0-9a-z]+)*\z|"(?:[\x01-\x08\x0b\x0c\x0e-\x1f!#-\[\]-\x7f]|\\[\x01-\x09\x0b\x0c\x0e-\x7f])*"\z)`)
	domainRE = regexp.MustCompile(`^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}\z`)
)

// idnaProfile is the closest x/net/idna has to Python's "idna" codec (IDNA
// 2003: nameprep, STD3 rules off, no IDNA 2008 label rules): UTS 46
// transitional mapping without label validation. IDNA 2003's own bidi rule is
// applied separately (bidiOK2003). Remaining known differences, all outside
// what real addresses use: UTS 46 and NFKC follow Unicode 15 where Python's
// nameprep uses Unicode 3.2 tables and lets code points unassigned in 3.2
// through; UTS 46 disallows some symbols IDNA 2003 allowed; a mapping that
// produces a dot (e.g. U+2488 "⒈") splits the label in Go but not in Python.
var idnaProfile = idna.New(idna.MapForLookup(), idna.Transitional(true), idna.StrictDomainName(false), idna.ValidateLabels(false))

// bidiOK2003 is RFC 3454 §6 as Python's nameprep applies it to each
// non-ASCII label after mapping: a label holding a right-to-left character
// (bidi class R or AL) must hold no left-to-right one (L), and must begin and
// end with a right-to-left character.
func bidiOK2003(domain string) bool {
	for _, label := range strings.FieldsFunc(domain, isIDNADot) {
		if isASCII(label) {
			continue // Python's ToASCII returns ASCII labels before nameprep
		}
		mapped, err := idnaProfile.ToUnicode(label)
		if err != nil || mapped == "" {
			return false
		}
		var hasRTL, hasLTR bool
		for _, r := range mapped {
			hasRTL = hasRTL || rtl(r)
			hasLTR = hasLTR || bidiClass(r) == bidi.L
		}
		first, _ := utf8.DecodeRuneInString(mapped)
		last, _ := utf8.DecodeLastRuneInString(mapped)
		if hasRTL && (hasLTR || !rtl(first) || !rtl(last)) {
			return false
		}
	}
	return true
}

// isIDNADot reports the label separators of Python's idna codec.
func isIDNADot(r rune) bool {
	return r == '.' || r == '\u3002' || r == '\uff0e' || r == '\uff61'
}

func bidiClass(r rune) bidi.Class {
	p, _ := bidi.LookupRune(r)
	return p.Class()
}

func rtl(r rune) bool {
	c := bidiClass(r)
	return c == bidi.R || c == bidi.AL
}

// fold lower-cases ASCII letters, and maps the four non-ASCII runes whose
// simple case mapping is an ASCII letter (ı, İ, ſ, K), which Python's
// IGNORECASE matches against [A-Z].
func fold(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		case r == 'ı' || r == 'İ':
			return 'i'
		case r == 'ſ':
			return 's'
		case r == '\u212a': // Kelvin sign
			return 'k'
		}
		return r
	}, s)
}

// Valid is Django 2.1.5's EmailValidator: a user part before the last "@"
// (dot-atom or quoted string) and a domain that is exactly "localhost", a DNS
// name, or an IPv4/IPv6 literal; a domain failing that is retried
// IDNA-encoded.
func Valid(s string) bool {
	at := strings.LastIndexByte(s, '@')
	if s == "" || at < 0 {
		return false
	}
	user, domain := s[:at], s[at+1:]
	if !userRE.MatchString(fold(user)) {
		return false
	}
	if domain == "localhost" || validDomain(domain) {
		return true
	}
	// Python's idna codec returns an all-ASCII name unchanged (or fails), so
	// the retry can only help a non-ASCII one.
	if isASCII(domain) {
		return false
	}
	ascii, err := idnaProfile.ToASCII(domain)
	return err == nil && bidiOK2003(domain) && validDomain(ascii)
}

// validDomain is EmailValidator.validate_domain_part.
func validDomain(d string) bool {
	if f := fold(d); domainRE.MatchString(f) && !strings.HasSuffix(f, "-") {
		return true
	}
	ip, ok := ipLiteral(d)
	return ok && (validIPv4(ip) || validIPv6(ip))
}

// ipLiteral matches `\[([A-f0-9:\.]+)\]\Z` with re.IGNORECASE and returns
// the group. The class spans A..f, so besides hex digits it holds every
// letter (through case folding), "[", "\\", "]", "^", "_" and "`"; being
// greedy, the group runs to the last "]".
func ipLiteral(d string) (string, bool) {
	if len(d) < 3 || d[0] != '[' || d[len(d)-1] != ']' {
		return "", false
	}
	ip := d[1 : len(d)-1]
	for _, r := range fold(ip) {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || strings.ContainsRune(":.[\\]^_`", r)) {
			return "", false
		}
	}
	return ip, true
}

// validIPv4 is Python 3.7's ipaddress.IPv4Address parser (Django's
// validate_ipv4_address): four dot-separated decimal octets of at most three
// ASCII digits, each <= 255, rejecting only the octal-looking ones (a leading
// zero and a value above 7: "010" fails, "07" and "000" pass). Python 3.8+
// changed this rule; 3.7 is what the original ran.
func validIPv4(s string) bool {
	octets := strings.Split(s, ".")
	if len(octets) != 4 {
		return false
	}
	for _, o := range octets {
		if o == "" || len(o) > 3 || strings.Trim(o, "0123456789") != "" {
			return false
		}
		n, _ := strconv.Atoi(o)
		if n > 7 && o[0] == '0' || n > 255 {
			return false
		}
	}
	return true
}

// validIPv6 is Python 3.7's ipaddress.IPv6Address parser, which Django's
// is_valid_ipv6_address calls: up to eight hextets of at most four hex
// digits, one "::", an optional trailing IPv4 part, no zone.
func validIPv6(s string) bool {
	parts := strings.Split(s, ":")
	if len(parts) < 3 {
		return false
	}
	if last := parts[len(parts)-1]; strings.Contains(last, ".") {
		if !validIPv4(last) {
			return false
		}
		// Stands for two hextets.
		parts = append(parts[:len(parts)-1], "0", "0")
	}
	if len(parts) > 9 {
		return false
	}
	skip := -1
	for i := 1; i < len(parts)-1; i++ {
		if parts[i] == "" {
			if skip >= 0 {
				return false
			}
			skip = i
		}
	}
	var hi, lo int
	if skip >= 0 {
		hi, lo = skip, len(parts)-skip-1
		if parts[0] == "" {
			if hi--; hi != 0 {
				return false
			}
		}
		if parts[len(parts)-1] == "" {
			if lo--; lo != 0 {
				return false
			}
		}
		if 8-(hi+lo) < 1 {
			return false
		}
	} else {
		if len(parts) != 8 || parts[0] == "" || parts[len(parts)-1] == "" {
			return false
		}
		hi = len(parts)
	}
	for _, p := range append(parts[:hi:hi], parts[len(parts)-lo:]...) {
		if p == "" || len(p) > 4 || strings.Trim(p, "0123456789abcdefABCDEF") != "" {
			return false
		}
	}
	return true
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// Normalize is BaseUserManager.normalize_email: the domain part (after the
// last "@") is lower-cased, the local part kept as is.
func Normalize(s string) string {
	t := pystr.Strip(s)
	at := strings.LastIndexByte(t, '@')
	if at < 0 {
		return s
	}
	return t[:at] + "@" + pystr.Lower(t[at+1:])
}
