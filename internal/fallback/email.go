package fallback

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"strconv"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

// SMTP transport security modes.
const (
	// TLSStartTLS upgrades with STARTTLS when the server offers it. A
	// server that does not offer it still gets the mail, but never the
	// password: net/smtp refuses PLAIN auth in the clear except to
	// localhost.
	TLSStartTLS = "starttls"
	// TLSImplicit speaks TLS from the first byte (port 465).
	TLSImplicit = "tls"
	// TLSNone never upgrades.
	TLSNone = "none"
)

// SMTPConfig is the mail relay e-mail channels send through.
type SMTPConfig struct {
	Host string
	// Port defaults to 465 for tls, 25 for none and 587 otherwise.
	Port     int
	Username string
	Password string
	// From is the sender, "Name <addr>" or a bare address.
	From string
	// TLS is starttls (the default when empty), tls or none.
	TLS string
	// RootCAs verifies a relay with a private CA; nil means the system's.
	RootCAs *x509.CertPool
}

const smtpTimeout = 30 * time.Second

type emailChannel struct {
	name    string
	cfg     SMTPConfig
	from    *mail.Address
	to      []*mail.Address
	subject string
	now     func() time.Time
	dial    func(ctx context.Context, network, addr string) (net.Conn, error)
}

func newEmail(name string, spec Spec, d Deps) (Channel, error) {
	cfg := d.SMTP
	if cfg.Host == "" {
		return nil, errors.New("email: smtp host is not configured")
	}
	switch cfg.TLS {
	case "":
		cfg.TLS = TLSStartTLS
	case TLSStartTLS, TLSImplicit, TLSNone:
	default:
		return nil, fmt.Errorf("email: smtp tls %q is not starttls, tls or none", cfg.TLS)
	}
	if cfg.Port == 0 {
		switch cfg.TLS {
		case TLSImplicit:
			cfg.Port = 465
		case TLSNone:
			cfg.Port = 25
		default:
			cfg.Port = 587
		}
	}
	if cfg.Port < 0 || cfg.Port > 65535 {
		return nil, fmt.Errorf("email: smtp port %d is out of range", cfg.Port)
	}
	if cfg.From == "" {
		return nil, errors.New("email: smtp from is not configured")
	}
	from, err := mail.ParseAddress(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("email: smtp from: %w", err)
	}
	if len(spec.To) == 0 {
		return nil, errors.New("email: no recipients")
	}
	to := make([]*mail.Address, 0, len(spec.To))
	for i, s := range spec.To {
		a, err := mail.ParseAddress(s)
		if err != nil {
			return nil, fmt.Errorf("email: to[%d]: %w", i, err)
		}
		to = append(to, a)
	}
	dial := d.Dial
	if dial == nil {
		dial = (&net.Dialer{Timeout: smtpTimeout}).DialContext
	}
	return &emailChannel{name: name, cfg: cfg, from: from, to: to, subject: spec.Subject, now: d.Now, dial: dial}, nil
}

func (e *emailChannel) Name() string { return e.name }

// Send mails the notice to every recipient in one transaction.
func (e *emailChannel) Send(ctx context.Context, n Notice) error {
	subject := n.Subject
	if subject == "" {
		subject = e.subject
	}
	if subject == "" {
		subject = "ticketbridge notification"
	}
	id, err := messageID(e.from.Address)
	if err != nil {
		return &core.CallError{Op: "send e-mail", Err: err}
	}
	msg := buildMessage(e.from, e.to, subject, n.details(), e.now(), id)
	return e.deliver(ctx, msg)
}

// deliver runs one SMTP session. ctx bounds all of it: the connection is
// closed when ctx ends, which unblocks whatever step is waiting.
func (e *emailChannel) deliver(ctx context.Context, msg []byte) (err error) {
	addr := net.JoinHostPort(e.cfg.Host, strconv.Itoa(e.cfg.Port))
	conn, err := e.dial(ctx, "tcp", addr)
	if err != nil {
		return smtpError("connect", err)
	}
	defer conn.Close()
	// The socket deadline only guards a context without one; ctx itself
	// ends the session by closing the connection, so the error seen then
	// is reported as ctx's.
	_ = conn.SetDeadline(time.Now().Add(smtpTimeout))
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	defer func() {
		if ctx.Err() != nil && err != nil {
			err = &core.CallError{Op: "send e-mail", Err: ctx.Err()}
		}
	}()

	tlsCfg := &tls.Config{ServerName: e.cfg.Host, RootCAs: e.cfg.RootCAs, MinVersion: tls.VersionTLS12}
	if e.cfg.TLS == TLSImplicit {
		tc := tls.Client(conn, tlsCfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			return smtpError("tls handshake", err)
		}
		conn = tc
	}
	c, err := smtp.NewClient(conn, e.cfg.Host)
	if err != nil {
		return smtpError("greeting", err)
	}
	defer c.Close()
	if err := c.Hello("localhost"); err != nil {
		return smtpError("ehlo", err)
	}
	if e.cfg.TLS == TLSStartTLS {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(tlsCfg); err != nil {
				return smtpError("starttls", err)
			}
		}
	}
	if e.cfg.Username != "" {
		if ok, _ := c.Extension("AUTH"); !ok {
			return &core.CallError{Op: "send e-mail: auth", Permanent: true, Message: "server offers no AUTH (is TLS required?)"}
		}
		if err := c.Auth(smtp.PlainAuth("", e.cfg.Username, e.cfg.Password, e.cfg.Host)); err != nil {
			return smtpError("auth", err)
		}
	}
	if err := c.Mail(e.from.Address); err != nil {
		return smtpError("mail from", err)
	}
	for _, a := range e.to {
		if err := c.Rcpt(a.Address); err != nil {
			return smtpError("rcpt to", err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return smtpError("data", err)
	}
	if _, err := w.Write(msg); err != nil {
		return smtpError("data", err)
	}
	if err := w.Close(); err != nil {
		return smtpError("data", err)
	}
	// The message is accepted once DATA is answered; a failed QUIT is
	// not worth sending it twice.
	_ = c.Quit()
	return nil
}

// smtpError classifies a failed step: a 5xx reply or a configuration
// problem (bad certificate, auth refused locally) fails again the same
// way; 4xx replies and network trouble are worth retrying.
func smtpError(step string, err error) error {
	ce := &core.CallError{Op: "send e-mail: " + step, Err: err}
	var te *textproto.Error
	var cve *tls.CertificateVerificationError
	var ne net.Error
	switch {
	case errors.As(err, &te):
		ce.Permanent = te.Code >= 500
		if !ce.Permanent {
			ce.RetryAfter = time.Minute
		}
	case errors.As(err, &cve):
		ce.Permanent = true
	case errors.As(err, &ne), errors.Is(err, net.ErrClosed):
		ce.Permanent = false
	case step == "auth":
		// net/smtp's own refusals: PLAIN over an unencrypted connection,
		// or a server name that does not match.
		ce.Permanent = true
	}
	return ce
}
