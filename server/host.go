package server

import "strings"

// hostAllowed is Django's HttpRequest.get_host check against ALLOWED_HOSTS.
func (s *Server) hostAllowed(host string) bool {
	domain, ok := splitDomainPort(host)
	if !ok {
		return false
	}
	for _, p := range s.cfg.AllowedHosts {
		p = strings.ToLower(p)
		if p == "*" || p == domain || (strings.HasPrefix(p, ".") && (strings.HasSuffix(domain, p) || domain == p[1:])) {
			return true
		}
	}
	return false
}

// splitDomainPort is django.http.request.split_domain_port, keeping the domain.
func splitDomainPort(host string) (string, bool) {
	host = strings.ToLower(host)
	if !validHost(host) {
		return "", false
	}
	if strings.HasSuffix(host, "]") {
		return host, true
	}
	domain := host
	if i := strings.LastIndexByte(host, ':'); i >= 0 {
		domain = host[:i]
	}
	return strings.TrimSuffix(domain, "."), domain != ""
}

// validHost is a match of Django 2.1's host_validation_re,
//
//	^([a-z0-9.-]+|\[[a-f0-9]*:[a-f0-9\.:]+\])(:[0-9]+)?$
//
// (with Python's `$`, which also matches before a final newline), written
// out because it runs on every request.
func validHost(h string) bool {
	const digits, hex = "0123456789", "0123456789abcdef"
	h = strings.TrimSuffix(h, "\n")
	name, port, hasPort := strings.Cut(h, ":")
	if strings.HasPrefix(h, "[") {
		// No character of the address may be ']', so the first one closes it.
		end := strings.IndexByte(h, ']')
		if end < 0 {
			return false
		}
		first, rest, ok := strings.Cut(h[1:end], ":")
		if !ok || rest == "" || !only(first, hex) || !only(rest, hex+".:") {
			return false
		}
		port, hasPort = strings.CutPrefix(h[end+1:], ":")
		if !hasPort && h[end+1:] != "" {
			return false
		}
	} else if name == "" || !only(name, digits+"abcdefghijklmnopqrstuvwxyz.-") {
		return false
	}
	return !hasPort || (port != "" && only(port, digits))
}

// only reports whether every byte of s is one of chars.
func only(s, chars string) bool {
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(chars, s[i]) < 0 {
			return false
		}
	}
	return true
}
