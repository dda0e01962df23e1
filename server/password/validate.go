package password

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"sync"
	"unicode/utf8"

	"github.com/virtualspaces/vsauth/internal/pystr"
)

// The messages of Django 2.1.5's validators, in the project's order.
const (
	msgSimilar = "The password is too similar to the email address."
	msgShort   = "This password is too short. It must contain at least 8 characters."
	msgCommon  = "This password is too common."
	msgNumeric = "This password is entirely numeric."
)

// Validate runs the project's AUTH_PASSWORD_VALIDATORS on pw and returns
// every failure message in order. email is the user's email for the
// similarity check, which runs only when checkSimilarity is set (the
// original skips it for an anonymous user).
func Validate(pw, email string, checkSimilarity bool) []string {
	var msgs []string
	if checkSimilarity && tooSimilar(pw, email) {
		msgs = append(msgs, msgSimilar)
	}
	if utf8.RuneCountInString(pw) < 8 {
		msgs = append(msgs, msgShort)
	}
	if commonPasswords()[pystr.Strip(pystr.Lower(pw))] {
		msgs = append(msgs, msgCommon)
	}
	if pystr.IsDigit(pw) {
		msgs = append(msgs, msgNumeric)
	}
	return msgs
}

// tooSimilar is UserAttributeSimilarityValidator on the email: the parts of
// re.split(r'\W+', email) and the whole email, each compared with
// SequenceMatcher.quick_ratio() >= 0.7.
func tooSimilar(pw, email string) bool {
	if email == "" {
		return false
	}
	a := pystr.Lower(pw)
	for _, p := range append(splitNonWord(email), email) {
		if QuickRatio(a, pystr.Lower(p)) >= 0.7 {
			return true
		}
	}
	return false
}

// splitNonWord is Python's re.split(r'\W+', s): the pieces between runs of
// non-word runes, keeping the empty pieces at either end ("@a" gives "", "a").
// A word rune is a letter, a number or "_".
func splitNonWord(s string) []string {
	isWord := func(r rune) bool { return r == '_' || pystr.IsAlnum(r) }
	var parts []string
	start, inSep := 0, false
	for i, r := range s {
		switch {
		case !isWord(r) && !inSep:
			parts = append(parts, s[start:i])
			inSep = true
		case isWord(r) && inSep:
			start, inSep = i, false
		}
	}
	if inSep {
		return append(parts, "")
	}
	return append(parts, s[start:])
}

// QuickRatio is difflib.SequenceMatcher(a=a, b=b).quick_ratio(): twice the
// size of the multiset intersection of the characters over the total length.
func QuickRatio(a, b string) float64 {
	counts := map[rune]int{}
	lb := 0
	for _, r := range b {
		counts[r]++
		lb++
	}
	la, matches := 0, 0
	for _, r := range a {
		la++
		if counts[r] > 0 {
			counts[r]--
			matches++
		}
	}
	if la+lb == 0 {
		return 1
	}
	return 2 * float64(matches) / float64(la+lb)
}

//go:embed common-passwords.txt.gz
var commonGz []byte

// commonPasswords is Django's list, decompressed on first use. The set is
// never written after that.
var commonPasswords = sync.OnceValue(func() map[string]bool {
	zr, err := gzip.NewReader(bytes.NewReader(commonGz))
	if err != nil {
		panic("password: embedded common-password list: " + err.Error())
	}
	set := make(map[string]bool, 20000)
	sc := bufio.NewScanner(zr)
	for sc.Scan() {
		set[pystr.Strip(sc.Text())] = true
	}
	if err := sc.Err(); err != nil {
		panic("password: embedded common-password list: " + err.Error())
	}
	return set
})
