package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/smtp"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// SMTPConfig says how to reach the SMTP server. Build it with ParseSMTPURL.
type SMTPConfig struct {
	Host     string
	Port     int
	Username string // empty: no AUTH
	Password string
	// ImplicitTLS is smtps:// (TLS from the first byte). Otherwise
	// smtp:// requires STARTTLS: a server that does not offer it gets
	// neither credentials nor mail.
	ImplicitTLS bool
	// Insecure is smtp+insecure://: plain text, no STARTTLS, for a relay
	// on the loopback interface. net/smtp still refuses to send a password
	// in clear to any other host.
	Insecure bool
	// From, when set, replaces the envelope sender (MAIL FROM); the From
	// header inside stored messages is not changed.
	From string
	// HeloName is the EHLO argument; net/smtp's "localhost" when empty.
	HeloName string
	// DialTimeout bounds connecting; Timeout bounds the whole exchange.
	DialTimeout, Timeout time.Duration
	// TLSConfig overrides the TLS settings (tests: a private root CA). The
	// server name is always checked against Host.
	TLSConfig *tls.Config
}

// Default timeouts of an SMTP exchange.
const (
	DefaultDialTimeout = 10 * time.Second
	DefaultSMTPTimeout = 60 * time.Second
)

// ParseSMTPURL parses smtp://[user:pass@]host[:port] (STARTTLS required;
// port 25, or 587 — the submission port — when credentials are given),
// smtps://[user:pass@]host[:port] (implicit TLS, port 465) and
// smtp+insecure://host[:port] (plain text, for loopback relays; port 25). Query parameters: from (envelope sender), helo (EHLO name).
// User and password are percent-decoded. Errors never contain the password.
func ParseSMTPURL(s string) (SMTPConfig, error) {
	u, err := url.Parse(s)
	if err != nil {
		// url.Error repeats the whole input, password included.
		return SMTPConfig{}, errors.New("mail: SMTP URL does not parse (characters in user and password must be percent-encoded)")
	}
	bad := func(format string, args ...any) (SMTPConfig, error) {
		return SMTPConfig{}, fmt.Errorf("mail: SMTP URL %s: "+format, append([]any{u.Redacted()}, args...)...)
	}
	var c SMTPConfig
	switch u.Scheme {
	case "smtp":
		c.Port = 25
	case "smtps":
		c.ImplicitTLS = true
		c.Port = 465
	case "smtp+insecure":
		c.Insecure = true
		c.Port = 25
	default:
		return bad("scheme must be smtp, smtps or smtp+insecure")
	}
	if u.Opaque != "" {
		return bad("must be of the form %s://host", u.Scheme)
	}
	if u.Path != "" && u.Path != "/" {
		return bad("must not have a path")
	}
	if u.Fragment != "" {
		return bad("must not have a fragment")
	}
	c.Host = u.Hostname()
	if c.Host == "" {
		return bad("has no host")
	}
	if u.User != nil {
		c.Username = u.User.Username()
		c.Password, _ = u.User.Password()
		if c.Username == "" {
			return bad("has a password but no user name")
		}
		if !c.ImplicitTLS && !c.Insecure {
			c.Port = 587
		}
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return bad("port must be between 1 and 65535")
		}
		c.Port = n
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return bad("query does not parse")
	}
	for k, v := range q {
		if len(v) != 1 {
			return bad("query parameter %q given %d times", k, len(v))
		}
		switch k {
		case "from":
			c.From = v[0]
		case "helo":
			c.HeloName = v[0]
		default:
			return bad("unknown query parameter %q (known: from, helo)", k)
		}
	}
	return c, nil
}

// String is the URL of c with the password replaced by "xxxxx".
func (c SMTPConfig) String() string {
	u := url.URL{Scheme: "smtp", Host: net.JoinHostPort(c.Host, strconv.Itoa(c.Port))}
	switch {
	case c.ImplicitTLS:
		u.Scheme = "smtps"
	case c.Insecure:
		u.Scheme = "smtp+insecure"
	}
	if c.Username != "" {
		u.User = url.User(c.Username)
		if c.Password != "" {
			u.User = url.UserPassword(c.Username, "xxxxx")
		}
	}
	q := url.Values{}
	if c.From != "" {
		q.Set("from", c.From)
	}
	if c.HeloName != "" {
		q.Set("helo", c.HeloName)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// SendFunc hands one message to a mail server. It returns nil only once the
// server has accepted the message (acknowledged DATA).
type SendFunc func(ctx context.Context, from string, to []string, raw []byte) error

// Sender returns the SendFunc that delivers through c with net/smtp.
func (c SMTPConfig) Sender() SendFunc {
	return func(ctx context.Context, from string, to []string, raw []byte) error {
		err := c.send(ctx, from, to, raw)
		if err != nil && c.Password != "" && strings.Contains(err.Error(), c.Password) {
			// No known path puts it there; this keeps it that way.
			return errors.New(strings.ReplaceAll(err.Error(), c.Password, "xxxxx"))
		}
		return err
	}
}

func (c SMTPConfig) send(ctx context.Context, from string, to []string, raw []byte) error {
	if c.From != "" {
		from = c.From
	}
	dialTimeout, timeout := c.DialTimeout, c.Timeout
	if dialTimeout <= 0 {
		dialTimeout = DefaultDialTimeout
	}
	if timeout <= 0 {
		timeout = DefaultSMTPTimeout
	}
	addr := net.JoinHostPort(c.Host, strconv.Itoa(c.Port))
	d := net.Dialer{Timeout: dialTimeout}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("mail: connect to SMTP server %s: %w", addr, err)
	}
	defer conn.Close()
	deadline := time.Now().Add(timeout)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	if err := conn.SetDeadline(deadline); err != nil {
		return fmt.Errorf("mail: set deadline on connection to %s: %w", addr, err)
	}
	// Cancelling ctx interrupts whatever read or write is pending.
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	tlsConfig := &tls.Config{}
	if c.TLSConfig != nil {
		tlsConfig = c.TLSConfig.Clone()
	}
	tlsConfig.ServerName = c.Host
	if c.ImplicitTLS {
		tc := tls.Client(conn, tlsConfig)
		if err := tc.HandshakeContext(ctx); err != nil {
			return fmt.Errorf("mail: TLS handshake with %s: %w", addr, err)
		}
		conn = tc
	}
	cl, err := smtp.NewClient(conn, c.Host)
	if err != nil {
		return fmt.Errorf("mail: SMTP greeting from %s: %w", addr, err)
	}
	defer cl.Close()
	if c.HeloName != "" {
		if err := cl.Hello(c.HeloName); err != nil {
			return fmt.Errorf("mail: SMTP EHLO to %s: %w", addr, err)
		}
	}
	if !c.ImplicitTLS && !c.Insecure {
		if ok, _ := cl.Extension("STARTTLS"); !ok {
			// Neither the password nor the reset links go out in clear.
			_ = cl.Quit()
			return fmt.Errorf("mail: SMTP server %s does not offer STARTTLS, which smtp:// requires; nothing was sent (use smtps://, or smtp+insecure:// for a relay on this machine)", addr)
		}
		if err := cl.StartTLS(tlsConfig); err != nil {
			return fmt.Errorf("mail: SMTP STARTTLS with %s: %w", addr, err)
		}
	}
	if c.Username != "" {
		// PlainAuth refuses to send the password over an unencrypted
		// connection, except to localhost.
		if err := cl.Auth(smtp.PlainAuth("", c.Username, c.Password, c.Host)); err != nil {
			return fmt.Errorf("mail: SMTP AUTH as %s at %s: %w", c.Username, addr, err)
		}
	}
	if err := cl.Mail(from); err != nil {
		return fmt.Errorf("mail: SMTP MAIL FROM:<%s> at %s: %w", from, addr, err)
	}
	for _, rcpt := range to {
		if err := cl.Rcpt(rcpt); err != nil {
			return fmt.Errorf("mail: SMTP RCPT TO:<%s> at %s: %w", rcpt, addr, err)
		}
	}
	w, err := cl.Data()
	if err != nil {
		return fmt.Errorf("mail: SMTP DATA at %s: %w", addr, err)
	}
	if _, err := w.Write(raw); err != nil {
		_ = w.Close()
		return fmt.Errorf("mail: send message to %s: %w", addr, err)
	}
	// Close waits for the server's reply to the end of DATA: from here on
	// the message is the server's responsibility.
	if err := w.Close(); err != nil {
		return fmt.Errorf("mail: SMTP server %s did not accept the message: %w", addr, err)
	}
	_ = cl.Quit() // the message is accepted; a failed QUIT changes nothing
	return nil
}
