package mail

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"math/big"
	"net"
	"net/textproto"
	"strings"
	"testing"
	"time"
)

func TestParseSMTPURL(t *testing.T) {
	tests := []struct {
		in   string
		want SMTPConfig
	}{
		{"smtp://mail.example", SMTPConfig{Host: "mail.example", Port: 25}},
		{"smtp://mail.example/", SMTPConfig{Host: "mail.example", Port: 25}},
		{"smtp://u:p@mail.example", SMTPConfig{Host: "mail.example", Port: 587, Username: "u", Password: "p"}},
		{"smtp://u%40x.example:p%3As%2Fw%25@mail.example:2525", SMTPConfig{Host: "mail.example", Port: 2525, Username: "u@x.example", Password: "p:s/w%"}},
		{"smtps://u:p@mail.example", SMTPConfig{Host: "mail.example", Port: 465, Username: "u", Password: "p", ImplicitTLS: true}},
		{"smtps://mail.example:4650?from=bounce%40x.example&helo=vsauth.example", SMTPConfig{Host: "mail.example", Port: 4650, ImplicitTLS: true, From: "bounce@x.example", HeloName: "vsauth.example"}},
		{"smtp://[::1]:25", SMTPConfig{Host: "::1", Port: 25}},
		{"smtp://u@mail.example", SMTPConfig{Host: "mail.example", Port: 587, Username: "u"}},
		{"smtp+insecure://127.0.0.1", SMTPConfig{Host: "127.0.0.1", Port: 25, Insecure: true}},
		{"smtp+insecure://u:p@localhost:2525", SMTPConfig{Host: "localhost", Port: 2525, Username: "u", Password: "p", Insecure: true}},
	}
	for _, tt := range tests {
		got, err := ParseSMTPURL(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseSMTPURL(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
}

func TestParseSMTPURLErrorsHideThePassword(t *testing.T) {
	tests := []struct{ in, want string }{
		{"smtp://u:s3cret%zz@mail.example", "mail: SMTP URL does not parse (characters in user and password must be percent-encoded)"},
		{"smtp://u:s3cret@mail.example:port", "mail: SMTP URL does not parse (characters in user and password must be percent-encoded)"},
		{"http://u:s3cret@mail.example", "mail: SMTP URL http://u:xxxxx@mail.example: scheme must be smtp, smtps or smtp+insecure"},
		{"smtp://u:s3cret@", "mail: SMTP URL smtp://u:xxxxx@: has no host"},
		{"smtp://u:s3cret@mail.example:0", "mail: SMTP URL smtp://u:xxxxx@mail.example:0: port must be between 1 and 65535"},
		{"smtp://u:s3cret@mail.example:70000", "mail: SMTP URL smtp://u:xxxxx@mail.example:70000: port must be between 1 and 65535"},
		{"smtp://u:s3cret@mail.example/x", "mail: SMTP URL smtp://u:xxxxx@mail.example/x: must not have a path"},
		{"smtp://u:s3cret@mail.example?tls=no", `mail: SMTP URL smtp://u:xxxxx@mail.example?tls=no: unknown query parameter "tls" (known: from, helo)`},
		{"smtp://u:s3cret@mail.example?from=a&from=b", `mail: SMTP URL smtp://u:xxxxx@mail.example?from=a&from=b: query parameter "from" given 2 times`},
		{"smtp://:s3cret@mail.example", "mail: SMTP URL smtp://:xxxxx@mail.example: has a password but no user name"},
		{"smtp:mail.example", "mail: SMTP URL smtp:mail.example: must be of the form smtp://host"},
		{"smtp://u:s3cret@mail.example#x", "mail: SMTP URL smtp://u:xxxxx@mail.example#x: must not have a fragment"},
	}
	for _, tt := range tests {
		_, err := ParseSMTPURL(tt.in)
		if err == nil || err.Error() != tt.want {
			t.Errorf("ParseSMTPURL(%q) error = %v, want %q", tt.in, err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), "s3cret") {
			t.Errorf("error for %q reveals the password: %v", tt.in, err)
		}
	}
}

func TestSMTPConfigString(t *testing.T) {
	tests := []struct{ in, want string }{
		{"smtp://mail.example", "smtp://mail.example:25"},
		{"smtps://u:s3cret@mail.example?from=b%40x.example", "smtps://u:xxxxx@mail.example:465?from=b%40x.example"},
		{"smtp://[::1]", "smtp://[::1]:25"},
	}
	for _, tt := range tests {
		c, err := ParseSMTPURL(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		if got := c.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}

// smtpSession is what the test server saw.
type smtpSession struct {
	commands []string
	data     string // exactly as received, dot-stuffing undone
}

// serverOptions shape the test server: authOK decides the answer to AUTH;
// a non-nil implicitTLS wraps the connection from the start, a non-nil
// startTLS offers STARTTLS.
type serverOptions struct {
	authOK                bool
	implicitTLS, startTLS *tls.Config
}

// serveOneSMTP runs a minimal ESMTP server on 127.0.0.1 for a single
// connection. It stops on QUIT, on error or after 10 seconds, and reports
// what it saw on the returned channel.
func serveOneSMTP(t *testing.T, opts serverOptions) (addr string, result <-chan smtpSession) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	ch := make(chan smtpSession, 1)
	go func() {
		var s smtpSession
		defer func() { ch <- s }()
		conn, err := ln.Accept()
		ln.Close()
		if err != nil {
			return
		}
		defer conn.Close()
		_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
		if opts.implicitTLS != nil {
			conn = tls.Server(conn, opts.implicitTLS)
		}
		tp := textproto.NewConn(conn)
		reply := func(lines ...string) { _ = tp.PrintfLine("%s", strings.Join(lines, "\r\n")) }
		reply("220 test.local ESMTP")
		for {
			line, err := tp.ReadLine()
			if err != nil {
				return
			}
			s.commands = append(s.commands, line)
			verb := strings.ToUpper(strings.SplitN(line, " ", 2)[0])
			switch verb {
			case "EHLO":
				if opts.startTLS != nil {
					reply("250-test.local", "250-8BITMIME", "250-STARTTLS", "250 AUTH PLAIN")
				} else {
					reply("250-test.local", "250-8BITMIME", "250 AUTH PLAIN")
				}
			case "STARTTLS":
				reply("220 2.0.0 Ready to start TLS")
				conn = tls.Server(conn, opts.startTLS)
				tp = textproto.NewConn(conn)
				opts.startTLS = nil
			case "AUTH":
				if opts.authOK {
					reply("235 2.7.0 Authentication successful")
				} else {
					reply("535 5.7.8 Authentication credentials invalid")
				}
			case "MAIL", "RCPT":
				reply("250 2.1.0 OK")
			case "DATA":
				reply("354 End data with <CR><LF>.<CR><LF>")
				var data strings.Builder
				for {
					l, err := tp.R.ReadString('\n')
					if err != nil {
						return
					}
					if l == ".\r\n" {
						break
					}
					data.WriteString(strings.TrimPrefix(l, "."))
				}
				s.data = data.String()
				reply("250 2.0.0 queued as 1")
			case "QUIT":
				reply("221 2.0.0 Bye")
				return
			default:
				reply("502 5.5.2 not implemented")
			}
		}
	}()
	return ln.Addr().String(), ch
}

func smtpConfigFor(t *testing.T, addr, userinfo string) SMTPConfig {
	t.Helper()
	c, err := ParseSMTPURL("smtp+insecure://" + userinfo + addr + "?helo=vsauth.test")
	if err != nil {
		t.Fatal(err)
	}
	c.DialTimeout, c.Timeout = 5*time.Second, 10*time.Second
	return c
}

func TestSMTPSenderWireExchange(t *testing.T) {
	addr, result := serveOneSMTP(t, serverOptions{authOK: true})
	c := smtpConfigFor(t, addr, "user:s3cret@")

	m := PasswordReset(aliceParams())
	m.Date, m.MessageID, m.Boundary = testDate, "<1.2@localhost>", "===============1=="
	// A line starting with "." must survive dot-stuffing.
	m.Text += "\n.hidden"
	raw := m.Bytes()
	if err := c.Sender()(context.Background(), "webmaster@localhost", []string{"alice@example.com"}, raw); err != nil {
		t.Fatalf("send: %v", err)
	}
	s := <-result
	wantCmds := []string{
		"EHLO vsauth.test",
		"AUTH PLAIN " + base64.StdEncoding.EncodeToString([]byte("\x00user\x00s3cret")),
		"MAIL FROM:<webmaster@localhost> BODY=8BITMIME",
		"RCPT TO:<alice@example.com>",
		"DATA",
		"QUIT",
	}
	if strings.Join(s.commands, "\n") != strings.Join(wantCmds, "\n") {
		t.Errorf("commands =\n%s\nwant\n%s", strings.Join(s.commands, "\n"), strings.Join(wantCmds, "\n"))
	}
	if s.data != string(raw) {
		t.Errorf("data =\n%q\nwant\n%q", s.data, raw)
	}
}

func TestDelivererOverRealSMTPAuthFailureHidesPassword(t *testing.T) {
	addr, result := serveOneSMTP(t, serverOptions{})
	c := smtpConfigFor(t, addr, "user:s3cret@")
	q := &fakeQueue{}
	enqueue(t, q, "alice@example.com")
	var log syncBuffer
	d := NewDeliverer(q, c.Sender(), DelivererOptions{Clock: func() time.Time { return testDate }, Logger: testLogger(&log)})

	if n, err := d.DeliverPending(context.Background()); n != 1 || err != nil {
		t.Fatalf("DeliverPending = %d, %v", n, err)
	}
	<-result
	m := q.get(1)
	wantErr := "mail: SMTP AUTH as user at " + addr + ": 535 \"5.7.8 Authentication credentials invalid\""
	if m.SentAt != nil || m.Attempts != 1 || m.LastError != wantErr {
		t.Errorf("SentAt %v, Attempts %d, LastError %q; want LastError %q", m.SentAt, m.Attempts, m.LastError, wantErr)
	}
	if strings.Contains(log.String(), "s3cret") || strings.Contains(log.String(), base64.StdEncoding.EncodeToString([]byte("\x00user\x00s3cret"))) {
		t.Errorf("log reveals the password: %s", log.String())
	}
}

func TestDelivererOverRealSMTPSuccess(t *testing.T) {
	addr, result := serveOneSMTP(t, serverOptions{authOK: true})
	c := smtpConfigFor(t, addr, "")
	c.From = "bounce@vsauth.test"
	q := &fakeQueue{}
	enqueue(t, q, "jürgen@bücher.de")
	d := NewDeliverer(q, c.Sender(), DelivererOptions{Clock: func() time.Time { return testDate }})

	if n, err := d.DeliverPending(context.Background()); n != 1 || err != nil {
		t.Fatalf("DeliverPending = %d, %v", n, err)
	}
	s := <-result
	if m := q.get(1); m.SentAt == nil || m.Attempts != 0 {
		t.Errorf("SentAt %v, Attempts %d", m.SentAt, m.Attempts)
	}
	want := []string{"EHLO vsauth.test", "MAIL FROM:<bounce@vsauth.test> BODY=8BITMIME",
		"RCPT TO:<=?utf-8?q?j=C3=BCrgen?=@xn--bcher-kva.de>", "DATA", "QUIT"}
	if strings.Join(s.commands, "\n") != strings.Join(want, "\n") {
		t.Errorf("commands = %q, want %q", s.commands, want)
	}
	if s.data != string(q.get(1).Raw) {
		t.Errorf("data differs from the stored message")
	}
}

func TestSMTPSenderConnectionRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c := smtpConfigFor(t, addr, "user:s3cret@")
	err = c.Sender()(context.Background(), "a@b.example", []string{"c@d.example"}, []byte("x"))
	if err == nil || !strings.HasPrefix(err.Error(), "mail: connect to SMTP server "+addr+": ") || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("error = %v", err)
	}
}

func TestSMTPSenderCancelledMidExchange(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		// Never greets: the client waits until its context is cancelled.
		_, _ = bufio.NewReader(conn).ReadString('\n')
	}()
	c := smtpConfigFor(t, ln.Addr().String(), "")
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = c.Sender()(ctx, "a@b.example", []string{"c@d.example"}, []byte("x"))
	if err == nil || time.Since(start) > 5*time.Second {
		t.Errorf("error = %v after %v; want a prompt failure", err, time.Since(start))
	}
}

// testTLS makes a self-signed certificate for 127.0.0.1 and returns the
// server config and a client config trusting it.
func testTLS(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "test smtp"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:         true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}},
		&tls.Config{RootCAs: pool}
}

func TestSMTPSenderTLS(t *testing.T) {
	serverTLS, clientTLS := testTLS(t)
	auth := "AUTH PLAIN " + base64.StdEncoding.EncodeToString([]byte("\x00user\x00s3cret"))
	tests := []struct {
		name     string
		scheme   string
		opts     serverOptions
		wantCmds []string
	}{
		{"implicit", "smtps", serverOptions{authOK: true, implicitTLS: serverTLS},
			[]string{"EHLO vsauth.test", auth, "MAIL FROM:<a@b.example> BODY=8BITMIME", "RCPT TO:<c@d.example>", "DATA", "QUIT"}},
		{"starttls", "smtp", serverOptions{authOK: true, startTLS: serverTLS},
			[]string{"EHLO vsauth.test", "STARTTLS", "EHLO vsauth.test", auth, "MAIL FROM:<a@b.example> BODY=8BITMIME", "RCPT TO:<c@d.example>", "DATA", "QUIT"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr, result := serveOneSMTP(t, tt.opts)
			c, err := ParseSMTPURL(tt.scheme + "://user:s3cret@" + addr + "?helo=vsauth.test")
			if err != nil {
				t.Fatal(err)
			}
			c.TLSConfig = clientTLS
			if err := c.Sender()(context.Background(), "a@b.example", []string{"c@d.example"}, []byte("Subject: x\r\n\r\nbody\r\n")); err != nil {
				t.Fatalf("send: %v", err)
			}
			s := <-result
			if strings.Join(s.commands, "\n") != strings.Join(tt.wantCmds, "\n") {
				t.Errorf("commands = %q, want %q", s.commands, tt.wantCmds)
			}
			if s.data != "Subject: x\r\n\r\nbody\r\n" {
				t.Errorf("data = %q", s.data)
			}
		})
	}
}

func TestSMTPSenderRejectsUntrustedCertificate(t *testing.T) {
	serverTLS, _ := testTLS(t)
	addr, result := serveOneSMTP(t, serverOptions{implicitTLS: serverTLS})
	c, err := ParseSMTPURL("smtps://user:s3cret@" + addr)
	if err != nil {
		t.Fatal(err)
	}
	err = c.Sender()(context.Background(), "a@b.example", []string{"c@d.example"}, []byte("x"))
	if err == nil || !strings.HasPrefix(err.Error(), "mail: TLS handshake with "+addr+": tls: failed to verify certificate") {
		t.Errorf("error = %v", err)
	}
	if s := <-result; len(s.commands) != 0 {
		t.Errorf("commands sent over an untrusted connection: %q", s.commands)
	}
}

// smtp:// against a relay that offers no STARTTLS: no AUTH, no mail, and an
// error that says why and what to do.
func TestSMTPRequiresSTARTTLS(t *testing.T) {
	for _, userinfo := range []string{"user:s3cret@", ""} {
		addr, result := serveOneSMTP(t, serverOptions{authOK: true})
		c, err := ParseSMTPURL("smtp://" + userinfo + addr + "?helo=vsauth.test")
		if err != nil {
			t.Fatal(err)
		}
		c.DialTimeout, c.Timeout = 5*time.Second, 10*time.Second
		err = c.Sender()(context.Background(), "a@b.example", []string{"c@d.example"}, []byte("Subject: x\r\n\r\nbody\r\n"))
		want := "mail: SMTP server " + addr + " does not offer STARTTLS, which smtp:// requires; nothing was sent (use smtps://, or smtp+insecure:// for a relay on this machine)"
		if err == nil || err.Error() != want {
			t.Errorf("%q: error = %v, want %q", userinfo, err, want)
		}
		if s := <-result; strings.Join(s.commands, "\n") != "EHLO vsauth.test\nQUIT" || s.data != "" {
			t.Errorf("%q: commands = %q, data %q", userinfo, s.commands, s.data)
		}
	}
}
