package server

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// origin is how the request was addressed by the client: the scheme and host
// that links in answers and mail use, and the client's address for logs.
type origin struct {
	scheme, host string
	// client is the address the request came from after the trusted-proxy
	// rule; invalid when the peer address does not parse (tests, pipes).
	client netip.Addr
}

// origin is forwarded(r) with Config.PublicURL's scheme and host, when set.
func (s *Server) origin(r *http.Request) origin {
	o := s.forwarded(r)
	if s.publicURL != nil {
		o.scheme, o.host = s.publicURL.Scheme, s.publicURL.Host
	}
	return o
}

// forwarded applies Config.TrustedProxies to r.
//
// Forwarding headers are read only when the peer is a trusted proxy. The
// hops they list are then walked from the right, the nearest one first:
// each hop names the address its proxy received the request from, and the
// first address that is not a trusted proxy is the client (the rightmost
// untrusted hop). Whatever lies left of it was written by the client and
// is ignored. The scheme and host are the ones that hop's proxy saw, or
// the nearest ones to its right when it did not record them.
//
// RFC 7239 Forwarded wins over the X-Forwarded-* headers when both came.
// The host found here is also the one checked against ALLOWED_HOSTS, as
// Django does with USE_X_FORWARDED_HOST.
func (s *Server) forwarded(r *http.Request) origin {
	o := origin{scheme: "http", host: r.Host, client: peerAddr(r.RemoteAddr)}
	if r.TLS != nil {
		o.scheme = "https"
	}
	if len(s.cfg.TrustedProxies) == 0 || !s.trusted(o.client) {
		return o
	}
	hops := forwardedHops(r.Header)
	for i := len(hops) - 1; i >= 0; i-- {
		h := hops[i]
		if h.proto == "http" || h.proto == "https" {
			o.scheme = h.proto
		}
		if h.host != "" {
			o.host = h.host
		}
		// An unknown or obfuscated hop ends the walk: nothing left of it
		// can be vouched for.
		o.client = h.addr
		if !s.trusted(h.addr) {
			break
		}
	}
	return o
}

func (s *Server) trusted(a netip.Addr) bool {
	if !a.IsValid() {
		return false
	}
	a = a.Unmap()
	for _, p := range s.cfg.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// peerAddr parses http.Request.RemoteAddr ("ip:port").
func peerAddr(remote string) netip.Addr {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap()
}

// hop is one proxy's record of a request it forwarded.
type hop struct {
	addr        netip.Addr // whom the proxy received it from; invalid if unknown
	proto, host string
}

// forwardedHops reads the Forwarded header, or else X-Forwarded-For with
// X-Forwarded-Proto and X-Forwarded-Host. Those two are usually set once
// by the last proxy, so a single value (or lists of another length than
// X-Forwarded-For) belong to the last hop only.
func forwardedHops(h http.Header) []hop {
	if vals := h.Values("Forwarded"); len(vals) > 0 {
		var hops []hop
		for _, elem := range splitComma(vals) {
			var hp hop
			for pair := range strings.SplitSeq(elem, ";") {
				k, v, ok := strings.Cut(strings.TrimSpace(pair), "=")
				if !ok {
					continue
				}
				v = strings.Trim(v, `"`)
				switch strings.ToLower(k) {
				case "for":
					hp.addr = parseNode(v)
				case "proto":
					hp.proto = strings.ToLower(v)
				case "host":
					hp.host = v
				}
			}
			hops = append(hops, hp)
		}
		return hops
	}
	fors := splitComma(h.Values("X-Forwarded-For"))
	protos := splitComma(h.Values("X-Forwarded-Proto"))
	hosts := splitComma(h.Values("X-Forwarded-Host"))
	if len(fors) == 0 {
		if len(protos) == 0 && len(hosts) == 0 {
			return nil
		}
		// A proxy that names the scheme but not the client: the client is
		// unknown, so the rule stops at this hop.
		fors = []string{"unknown"}
	}
	hops := make([]hop, len(fors))
	for i, f := range fors {
		hops[i].addr = parseNode(f)
	}
	last := len(hops) - 1
	assign := func(vals []string, set func(*hop, string)) {
		if len(vals) == len(hops) {
			for i, v := range vals {
				set(&hops[i], v)
			}
		} else if len(vals) > 0 {
			set(&hops[last], vals[len(vals)-1])
		}
	}
	assign(protos, func(h *hop, v string) { h.proto = strings.ToLower(v) })
	assign(hosts, func(h *hop, v string) { h.host = v })
	return hops
}

func splitComma(vals []string) []string {
	var out []string
	for _, v := range vals {
		for p := range strings.SplitSeq(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// parseNode reads an address as X-Forwarded-For or Forwarded's for= gives
// it: "192.0.2.1", "192.0.2.1:4711", "[2001:db8::1]:4711", "2001:db8::1".
func parseNode(v string) netip.Addr {
	if a, err := netip.ParseAddr(v); err == nil {
		return a.Unmap()
	}
	if ap, err := netip.ParseAddrPort(v); err == nil {
		return ap.Addr().Unmap()
	}
	if a, err := netip.ParseAddr(strings.Trim(v, "[]")); err == nil {
		return a.Unmap()
	}
	return netip.Addr{}
}
