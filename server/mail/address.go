package mail

import (
	"strings"

	"golang.org/x/text/unicode/norm"
)

// headerAddress is the ASCII form Django 2.1.5's sanitize_address gives an
// addr-spec: a non-ASCII local part becomes RFC 2047 encoded words (as
// Django did; only SMTPUTF8 could carry it properly) and a non-ASCII domain
// becomes IDNA "xn--" labels, which mail servers do understand.
func headerAddress(addr string) string {
	addr = sanitizeHeader(addr)
	if !hasNonASCII(addr) {
		return addr
	}
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return strings.Join(qWords(addr), "")
	}
	local, domain := addr[:at], addr[at+1:]
	if hasNonASCII(local) {
		local = strings.Join(qWords(local), "")
	}
	return local + "@" + toASCIIDomain(domain)
}

// EnvelopeAddress is the address given to the SMTP MAIL FROM / RCPT TO
// commands for addr: the same ASCII form the headers carry, as Django sent.
func EnvelopeAddress(addr string) string { return headerAddress(addr) }

func hasNonASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return true
		}
	}
	return false
}

// toASCIIDomain approximates Python's IDNA 2003 codec: NFKC and lower-case
// (nameprep's main steps), then Punycode for each non-ASCII label.
// Prohibited-character checks are left out; the address was validated
// before it was stored.
func toASCIIDomain(domain string) string {
	labels := strings.Split(strings.ToLower(norm.NFKC.String(domain)), ".")
	for i, l := range labels {
		if hasNonASCII(l) {
			labels[i] = "xn--" + punycode(l)
		}
	}
	return strings.Join(labels, ".")
}

// punycode is the RFC 3492 encoder (section 6.3) with its standard
// parameters.
func punycode(s string) string {
	const (
		base        = 36
		tmin        = 1
		tmax        = 26
		skew        = 38
		damp        = 700
		initialBias = 72
		initialN    = 128
	)
	adapt := func(delta, numPoints int, first bool) int {
		if first {
			delta /= damp
		} else {
			delta /= 2
		}
		delta += delta / numPoints
		k := 0
		for delta > ((base-tmin)*tmax)/2 {
			delta /= base - tmin
			k += base
		}
		return k + (base-tmin+1)*delta/(delta+skew)
	}
	digit := func(d int) byte {
		if d < 26 {
			return byte('a' + d)
		}
		return byte('0' + d - 26)
	}

	runes := []rune(s)
	var out []byte
	for _, r := range runes {
		if r < 0x80 {
			out = append(out, byte(r))
		}
	}
	b := len(out)
	h := b
	if b > 0 {
		out = append(out, '-')
	}
	n, delta, bias := initialN, 0, initialBias
	for h < len(runes) {
		m := int(^uint(0) >> 1)
		for _, r := range runes {
			if int(r) >= n && int(r) < m {
				m = int(r)
			}
		}
		delta += (m - n) * (h + 1)
		n = m
		for _, r := range runes {
			if int(r) < n {
				delta++
			}
			if int(r) == n {
				q := delta
				for k := base; ; k += base {
					t := k - bias
					if t < tmin {
						t = tmin
					} else if t > tmax {
						t = tmax
					}
					if q < t {
						break
					}
					out = append(out, digit(t+(q-t)%(base-t)))
					q = (q - t) / (base - t)
				}
				out = append(out, digit(q))
				bias = adapt(delta, h+1, h == b)
				delta = 0
				h++
			}
		}
		delta++
		n++
	}
	return string(out)
}
