package fallback_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/ticketbridge/ticketbridge/internal/fallback"
)

// received is one message as the SMTP server saw it.
type received struct {
	from string
	to   []string
	data []byte
	user string // authenticated user, "" when none
	tls  bool
}

// mailServer is a real SMTP server (go-smtp) on a loopback port that keeps
// what it receives; rcptErr and the credentials shape its answers.
type mailServer struct {
	addr     string
	user     string
	password string
	rcptErr  error

	mu   sync.Mutex
	msgs []received
}

// messages returns what the server has accepted so far.
func (m *mailServer) messages() []received {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]received(nil), m.msgs...)
}

func (m *mailServer) NewSession(c *smtp.Conn) (smtp.Session, error) {
	_, isTLS := c.TLSConnectionState()
	return &mailSession{srv: m, cur: received{tls: isTLS}}, nil
}

type mailSession struct {
	srv *mailServer
	cur received
}

func (s *mailSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *mailSession) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != s.srv.user || password != s.srv.password {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "authentication failed"}
		}
		s.cur.user = username
		return nil
	}), nil
}

func (s *mailSession) Mail(from string, _ *smtp.MailOptions) error {
	if s.srv.user != "" && s.cur.user == "" {
		return smtp.ErrAuthRequired
	}
	s.cur.from = from
	return nil
}

func (s *mailSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if s.srv.rcptErr != nil {
		return s.srv.rcptErr
	}
	s.cur.to = append(s.cur.to, to)
	return nil
}

func (s *mailSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.cur.data = b
	s.srv.mu.Lock()
	s.srv.msgs = append(s.srv.msgs, s.cur)
	s.srv.mu.Unlock()
	return nil
}

func (s *mailSession) Reset()        { s.cur.from, s.cur.to, s.cur.data = "", nil, nil }
func (s *mailSession) Logout() error { return nil }

// mailOpts says how to run the test server.
type mailOpts struct {
	host      string // listen address host, 127.0.0.1 by default
	startTLS  bool   // offer STARTTLS
	implicit  bool   // TLS from the first byte
	plainAuth bool   // offer AUTH without TLS
	user      string
	password  string
	rcptErr   error
}

func startMailServer(t *testing.T, o mailOpts) (*mailServer, *x509.CertPool) {
	t.Helper()
	host := o.host
	if host == "" {
		host = "127.0.0.1"
	}
	m := &mailServer{user: o.user, password: o.password, rcptErr: o.rcptErr}
	cert, pool := selfSigned(t)
	srv := smtp.NewServer(m)
	srv.Domain = "mx.test"
	srv.ReadTimeout = 5 * time.Second
	srv.WriteTimeout = 5 * time.Second
	srv.AllowInsecureAuth = o.plainAuth
	srv.ErrorLog = testLogger{t}
	tlsCfg := &tls.Config{Certificates: []tls.Certificate{cert}}
	if o.startTLS {
		srv.TLSConfig = tlsCfg
	}
	var l net.Listener
	var err error
	if o.implicit {
		l, err = tls.Listen("tcp", host+":0", tlsCfg)
	} else {
		l, err = net.Listen("tcp", host+":0")
	}
	if err != nil {
		t.Skipf("cannot listen on %s: %v", host, err)
	}
	m.addr = l.Addr().String()
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return m, pool
}

type testLogger struct{ t *testing.T }

func (l testLogger) Printf(format string, v ...any) { l.t.Logf(format, v...) }
func (l testLogger) Println(v ...any)               { l.t.Log(v...) }

func smtpConfig(t *testing.T, m *mailServer, pool *x509.CertPool, mode, user, password string) fallback.SMTPConfig {
	t.Helper()
	host, port, err := net.SplitHostPort(m.addr)
	if err != nil {
		t.Fatal(err)
	}
	p := 0
	for _, c := range port {
		p = p*10 + int(c-'0')
	}
	return fallback.SMTPConfig{Host: host, Port: p, Username: user, Password: password,
		From: "工单机器人 <bridge@example.com>", TLS: mode, RootCAs: pool}
}

func TestEmailDelivered(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		opts     mailOpts
		mode     string
		user     string
		wantTLS  bool
		wantUser string
	}{
		"starttls with auth":      {opts: mailOpts{startTLS: true, user: "bridge", password: "pw"}, mode: "starttls", user: "bridge", wantTLS: true, wantUser: "bridge"},
		"starttls is the default": {opts: mailOpts{startTLS: true}, mode: "", wantTLS: true},
		"starttls not offered":    {opts: mailOpts{}, mode: "starttls"},
		"implicit tls with auth":  {opts: mailOpts{implicit: true, user: "bridge", password: "pw"}, mode: "tls", user: "bridge", wantTLS: true, wantUser: "bridge"},
		"none ignores starttls":   {opts: mailOpts{startTLS: true}, mode: "none"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv, pool := startMailServer(t, tc.opts)
			ch, err := fallback.New(fallback.Spec{Type: "email", To: []string{"ops@example.com", "值班 <oncall@example.org>"}},
				fallback.Deps{SMTP: smtpConfig(t, srv, pool, tc.mode, tc.user, "pw"), Now: fixedNow})
			if err != nil {
				t.Fatal(err)
			}
			n := sampleNotice()
			if err := ch.Send(context.Background(), n); err != nil {
				t.Fatalf("send: %v", err)
			}
			msgs := srv.messages()
			if len(msgs) != 1 {
				t.Fatalf("server got %d messages", len(msgs))
			}
			got := msgs[0]
			if got.tls != tc.wantTLS || got.user != tc.wantUser {
				t.Errorf("tls %v user %q, want tls %v user %q", got.tls, got.user, tc.wantTLS, tc.wantUser)
			}
			if got.from != "bridge@example.com" || strings.Join(got.to, ",") != "ops@example.com,oncall@example.org" {
				t.Errorf("envelope from %q to %q", got.from, got.to)
			}
			checkMessage(t, got.data, n)
		})
	}
}

// checkMessage parses the message as a mail reader would and compares
// every header and the decoded body.
func checkMessage(t *testing.T, data []byte, n fallback.Notice) {
	t.Helper()
	for i, line := range bytes.Split(data, []byte("\r\n")) {
		if len(line) > 78 {
			t.Errorf("line %d is %d bytes: %q", i, len(line), line)
		}
		if bytes.IndexByte(line, '\n') >= 0 {
			t.Errorf("line %d has a bare LF", i)
		}
		for _, c := range line {
			if c >= 0x80 {
				t.Fatalf("line %d has 8-bit data: %q", i, line)
			}
		}
	}
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("parse message: %v\n%s", err, data)
	}
	h := msg.Header
	dec := new(mime.WordDecoder)
	subject, err := dec.DecodeHeader(h.Get("Subject"))
	if err != nil || subject != n.Subject {
		t.Errorf("subject %q (%v), want %q; raw %q", subject, err, n.Subject, h.Get("Subject"))
	}
	from, err := mail.ParseAddress(h.Get("From"))
	if err != nil || from.Name != "工单机器人" || from.Address != "bridge@example.com" {
		t.Errorf("from %+v (%v)", from, err)
	}
	to, err := h.AddressList("To")
	if err != nil || len(to) != 2 || to[0].Address != "ops@example.com" || to[1].Name != "值班" || to[1].Address != "oncall@example.org" {
		t.Errorf("to %+v (%v)", to, err)
	}
	date, err := h.Date()
	if err != nil || !date.Equal(clock) {
		t.Errorf("date %v (%v), want %v", date, err, clock)
	}
	if id := h.Get("Message-ID"); !regexp.MustCompile(`^<[0-9a-f]{32}\.ticketbridge@example\.com>$`).MatchString(id) {
		t.Errorf("message-id %q", id)
	}
	for k, want := range map[string]string{
		"MIME-Version":              "1.0",
		"Content-Type":              "text/plain; charset=utf-8",
		"Content-Transfer-Encoding": "quoted-printable",
		"Auto-Submitted":            "auto-generated",
	} {
		if got := h.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	body, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
	if err != nil {
		t.Fatalf("decode body: %v", err)
	}
	want := "您好，您反馈的打印机问题已经处理完毕。\r\n如仍有问题请回复。\r\n\r\n" +
		"Ticket: jira OPS-42 https://jira.example.com/browse/OPS-42 (resolved)\r\n" +
		"Conversation: dt/cid123\r\n" +
		"Not delivered to the conversation: session webhook expired\r\n"
	if string(body) != want {
		t.Errorf("body\n%q\nwant\n%q", body, want)
	}
}

func TestEmailFailures(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		opts       mailOpts
		host       string // dial this host instead of the listener's
		mode       string
		user, pw   string
		pool       bool // trust the server's certificate
		wantErr    string
		permanent  bool
		retryAfter time.Duration
	}{
		"wrong password": {opts: mailOpts{startTLS: true, user: "bridge", password: "pw"}, mode: "starttls", user: "bridge", pw: "nope", pool: true,
			wantErr: "535", permanent: true},
		"recipient refused": {opts: mailOpts{rcptErr: &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}}, mode: "none",
			wantErr: "550", permanent: true},
		"mailbox busy": {opts: mailOpts{rcptErr: &smtp.SMTPError{Code: 450, EnhancedCode: smtp.EnhancedCode{4, 2, 1}, Message: "try later"}}, mode: "none",
			wantErr: "450", retryAfter: time.Minute},
		"untrusted certificate": {opts: mailOpts{startTLS: true}, mode: "starttls",
			wantErr: "certificate", permanent: true},
		"no auth offered": {opts: mailOpts{user: "bridge", password: "pw"}, mode: "starttls", user: "bridge", pw: "pw",
			wantErr: "no AUTH", permanent: true},
		// 127.0.0.2 is loopback but not "localhost" to net/smtp, which
		// then refuses to send a password in the clear.
		"password in the clear": {opts: mailOpts{host: "127.0.0.2", plainAuth: true, user: "bridge", password: "pw"}, mode: "starttls", user: "bridge", pw: "pw",
			wantErr: "unencrypted", permanent: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv, pool := startMailServer(t, tc.opts)
			if !tc.pool {
				pool = nil
			}
			ch, err := fallback.New(fallback.Spec{Type: "email", To: []string{"ops@example.com"}},
				fallback.Deps{SMTP: smtpConfig(t, srv, pool, tc.mode, tc.user, tc.pw), Now: fixedNow})
			if err != nil {
				t.Fatal(err)
			}
			err = ch.Send(context.Background(), sampleNotice())
			wantCallError(t, err, tc.wantErr, tc.permanent, tc.retryAfter)
			if msgs := srv.messages(); len(msgs) != 0 {
				t.Errorf("server accepted %d messages", len(msgs))
			}
		})
	}
}

// A server that never answers is given up on when ctx ends, not after
// the 30-second socket deadline.
func TestEmailContextCancel(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		c, err := l.Accept()
		if err == nil {
			defer c.Close()
			io.Copy(io.Discard, c) // never greets
		}
	}()
	host, port, _ := net.SplitHostPort(l.Addr().String())
	p := 0
	for _, c := range port {
		p = p*10 + int(c-'0')
	}
	ch, err := fallback.New(fallback.Spec{Type: "email", To: []string{"ops@example.com"}},
		fallback.Deps{SMTP: fallback.SMTPConfig{Host: host, Port: p, From: "bridge@example.com", TLS: "none"}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = ch.Send(ctx, sampleNotice())
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v, want deadline exceeded", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("took %v", d)
	}
}
