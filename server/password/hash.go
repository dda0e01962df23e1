// Package password is Django 2.1.5's password handling as the original
// backend used it: the pbkdf2_sha256 hasher in Django's encoded form, and the
// four password validators with their exact messages.
package password

import (
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"io"
	"strconv"
	"strings"
)

// DefaultIterations is Django 2.1's PBKDF2 iteration count.
const DefaultIterations = 120000

const saltChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// Hasher makes and checks Django-encoded hashes
// (pbkdf2_sha256$<iterations>$<salt>$<base64 hash>). The zero value is usable:
// DefaultIterations and crypto/rand.
type Hasher struct {
	Iterations int       // PBKDF2 rounds for new hashes; <= 0 means DefaultIterations
	Rand       io.Reader // source of salts; nil means crypto/rand.Reader
}

func (h Hasher) iterations() int {
	if h.Iterations <= 0 {
		return DefaultIterations
	}
	return h.Iterations
}

// Hash encodes pw with a fresh 12-character salt.
func (h Hasher) Hash(pw string) (string, error) {
	salt, err := h.salt()
	if err != nil {
		return "", err
	}
	return encode(sha256Algorithm, pw, salt, h.iterations())
}

// salt is get_random_string(12): uniform over [a-zA-Z0-9], by rejection
// sampling so no character is favoured.
func (h Hasher) salt() (string, error) {
	r := h.Rand
	if r == nil {
		r = rand.Reader
	}
	out := make([]byte, 0, 12)
	buf := make([]byte, 16)
	for len(out) < 12 {
		if _, err := io.ReadFull(r, buf); err != nil {
			return "", fmt.Errorf("drawing a salt: %w", err)
		}
		for _, b := range buf {
			if b < 248 && len(out) < 12 { // 248 = 4·62
				out = append(out, saltChars[int(b)%62])
			}
		}
	}
	return string(out), nil
}

// Encode is PBKDF2PasswordHasher.encode (make_password with a given salt):
// pbkdf2_sha256 with the given iteration count. It panics if iterations < 1
// or salt is empty or contains "$", which Django rejects too (assertions).
func Encode(pw, salt string, iterations int) string {
	s, err := encode(sha256Algorithm, pw, salt, iterations)
	if err != nil {
		panic(err)
	}
	return s
}

// algorithm is one of the PBKDF2 hashers Django 2.1 enables by default.
type algorithm struct {
	name string
	hash func() hash.Hash
	size int // dkLen: Django uses the digest size
}

var (
	sha256Algorithm = algorithm{"pbkdf2_sha256", sha256.New, sha256.Size}
	// sha1Algorithm is PBKDF2SHA1PasswordHasher, only checked (and then
	// upgraded) so that databases written with it keep working.
	sha1Algorithm = algorithm{"pbkdf2_sha1", sha1.New, sha1.Size}
)

func encode(a algorithm, pw, salt string, iterations int) (string, error) {
	if iterations < 1 || salt == "" || strings.Contains(salt, "$") {
		return "", errors.New("password: invalid PBKDF2 parameters")
	}
	key, err := pbkdf2.Key(a.hash, pw, []byte(salt), iterations, a.size)
	if err != nil {
		return "", fmt.Errorf("password: pbkdf2: %w", err)
	}
	return a.name + "$" + strconv.Itoa(iterations) + "$" + salt + "$" + base64.StdEncoding.EncodeToString(key), nil
}

// Usable reports whether encoded can ever match: Django marks accounts
// without a password with a "!" prefix.
func Usable(encoded string) bool {
	return !strings.HasPrefix(encoded, "!")
}

// Check is Django's check_password: ok when pw matches, and rehash when it
// does but the hash is not the current algorithm and count (the caller then
// saves a new hash). Unusable ("!") and malformed hashes never match. A
// failed check against a lower count of the same algorithm runs the missing
// iterations (Django's harden_runtime), so timing does not tell how old a hash
// is.
func (h Hasher) Check(pw, encoded string) (ok, rehash bool) {
	if !Usable(encoded) {
		return false, false
	}
	parts := strings.SplitN(encoded, "$", 4)
	if len(parts) != 4 {
		return false, false
	}
	var a algorithm
	switch parts[0] {
	case sha256Algorithm.name:
		a = sha256Algorithm
	case sha1Algorithm.name:
		a = sha1Algorithm
	default:
		return false, false
	}
	// Python's int() also takes "+5" or "0005"; such a hash can never match
	// because the recomputed string spells the count canonically, so only the
	// timing of the failure depends on accepting them.
	iterations, err := strconv.Atoi(parts[1])
	if err != nil {
		return false, false
	}
	again, err := encode(a, pw, parts[2], iterations)
	if err != nil {
		return false, false
	}
	ok = subtle.ConstantTimeCompare([]byte(again), []byte(encoded)) == 1
	current := h.iterations()
	sameAlgorithm := a.name == sha256Algorithm.name
	if !ok && sameAlgorithm && iterations < current {
		_, _ = encode(a, pw, parts[2], current-iterations)
	}
	return ok, ok && (!sameAlgorithm || iterations != current)
}

// Dummy hashes pw once with the configured count and throws the result away:
// the login path runs it for unknown emails so that they take as long as
// known ones (Django's ModelBackend does the same with set_password).
func (h Hasher) Dummy(pw string) {
	_, _ = encode(sha256Algorithm, pw, "dummysaltxyz", h.iterations())
}
