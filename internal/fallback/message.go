package fallback

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"
)

// buildMessage writes an RFC 5322 message: UTF-8 text/plain body in
// quoted-printable (so no line is too long and 8-bit-unclean relays cope),
// non-ASCII subject as RFC 2047 encoded words, headers folded.
func buildMessage(from *mail.Address, to []*mail.Address, subject, body string, now time.Time, msgID string) []byte {
	var b bytes.Buffer
	header := func(name, value string) {
		b.WriteString(fold(name + ": " + value))
		b.WriteString("\r\n")
	}
	header("From", from.String())
	tos := make([]string, len(to))
	for i, a := range to {
		tos[i] = a.String()
	}
	header("To", strings.Join(tos, ", "))
	b.WriteString(subjectHeader(subject))
	b.WriteString("\r\n")
	header("Date", now.Format(time.RFC1123Z))
	header("Message-ID", msgID)
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	// RFC 3834: tells vacation responders not to answer a robot.
	header("Auto-Submitted", "auto-generated")
	b.WriteString("\r\n")

	qp := quotedprintable.NewWriter(&b)
	// The writer turns every \n into CRLF; a lone \r would be encoded.
	_, _ = qp.Write([]byte(strings.ReplaceAll(body, "\r\n", "\n")))
	_ = qp.Close()
	if !bytes.HasSuffix(b.Bytes(), []byte("\r\n")) {
		b.WriteString("\r\n")
	}
	return b.Bytes()
}

// subjectHeader writes the Subject line. Line breaks are removed (a
// header must not end early); a subject that is not plain ASCII becomes
// base64 encoded words, each cut on a rune boundary so that every line,
// the first included, stays within 78 characters.
func subjectHeader(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	const prefix = "Subject: "
	if mime.BEncoding.Encode("utf-8", s) == s {
		return fold(prefix + s)
	}
	const (
		limit    = 78
		overhead = len("=?utf-8?b?") + len("?=")
	)
	var b strings.Builder
	b.WriteString(prefix)
	used := len(prefix)
	for s != "" {
		// Base64 takes 3 bytes to 4 characters.
		budget := (limit - used - overhead) / 4 * 3
		n := 0
		for _, r := range s {
			l := utf8.RuneLen(r)
			if l < 0 {
				l = 3 // invalid bytes become U+FFFD
			}
			if n+l > budget && n > 0 {
				break
			}
			n += l
		}
		b.WriteString("=?utf-8?b?" + base64.StdEncoding.EncodeToString([]byte(s[:n])) + "?=")
		s = s[n:]
		if s != "" {
			b.WriteString("\r\n ")
			used = 1
		}
	}
	return b.String()
}

// fold breaks a header line at spaces so that lines stay under 78
// characters where the words allow; encoded words never contain spaces,
// and mime splits long text into several of them.
func fold(line string) string {
	const limit = 76
	if len(line) <= limit {
		return line
	}
	words := strings.Split(line, " ")
	var b strings.Builder
	cur := 0
	for i, w := range words {
		if i > 0 {
			if cur+1+len(w) > limit && cur > 0 {
				b.WriteString("\r\n ")
				cur = 1
			} else {
				b.WriteString(" ")
				cur++
			}
		}
		b.WriteString(w)
		cur += len(w)
	}
	return b.String()
}

// messageID is a random id under the sender's domain, so replies and
// duplicates can be told apart.
func messageID(fromAddr string) (string, error) {
	var r [16]byte
	if _, err := rand.Read(r[:]); err != nil {
		return "", fmt.Errorf("message id: %w", err)
	}
	domain := "ticketbridge.invalid"
	if i := strings.LastIndexByte(fromAddr, '@'); i >= 0 && i < len(fromAddr)-1 {
		domain = fromAddr[i+1:]
	}
	return "<" + hex.EncodeToString(r[:]) + ".ticketbridge@" + domain + ">", nil
}
