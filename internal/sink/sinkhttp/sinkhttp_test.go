package sinkhttp_test

import (
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/sink/sinkhttp"
)

func TestTitle(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		d    core.TicketDraft
		max  int
		want string
	}{
		"one line":         {core.TicketDraft{Title: " VPN\n drops "}, 20, "VPN drops"},
		"from description": {core.TicketDraft{Description: "\n first line \nsecond"}, 20, "first line"},
		"stock":            {core.TicketDraft{}, 20, "Ticket from chat"},
		"cut by runes":     {core.TicketDraft{Title: "服务台工单标题很长"}, 5, "服务台工…"},
	}
	for name, c := range cases {
		if got := sinkhttp.Title(c.d, c.max); got != c.want {
			t.Errorf("%s: %q, want %q", name, got, c.want)
		}
	}
}

func TestStream(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		body string
		over bool
	}{{"12345", false}, {"123456", true}} {
		up := sinkhttp.Stream(sinkhttp.Part{Field: "file", Name: `a "b".txt`, Body: strings.NewReader(c.body), Limit: 5, Fields: map[string]string{"private": "true"}})
		_, params, _ := mime.ParseMediaType(up.ContentType)
		mr := multipart.NewReader(up.Body, params["boundary"])
		var got []string
		var err error
		for {
			var p *multipart.Part
			if p, err = mr.NextPart(); err != nil {
				break
			}
			b, rerr := io.ReadAll(p)
			if rerr != nil {
				err = rerr
				break
			}
			got = append(got, p.FormName()+"="+p.FileName()+":"+string(b))
		}
		up.Body.Close()
		if up.Over() != c.over || c.over != errors.Is(err, sinkhttp.ErrOverLimit) {
			t.Fatalf("%q: over %v, err %v", c.body, up.Over(), err)
		}
		if !c.over && strings.Join(got, "|") != `private=:true|file=a "b".txt:12345` {
			t.Fatalf("parts = %q", got)
		}
	}
}

func TestClientErrors(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_700_000_000, 0)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Key") != "k" {
			w.WriteHeader(401)
			return
		}
		switch r.URL.Path {
		case "/limited":
			w.Header().Set("X-Reset", "1700000009")
			w.WriteHeader(429)
		case "/broken":
			_, _ = io.WriteString(w, "{not json")
		case "/empty":
			w.WriteHeader(204)
		}
	}))
	defer srv.Close()
	c := &sinkhttp.Client{HTTP: srv.Client(), Base: srv.URL, Now: func() time.Time { return now },
		Auth:    func(h http.Header) { h.Set("X-Key", "k") },
		Message: func(status int, _ []byte) string { return "said " + http.StatusText(status) },
		Wait: func(h http.Header, now time.Time) time.Duration {
			if h.Get("X-Reset") == "1700000009" {
				return 9 * time.Second
			}
			return 0
		}}
	var out map[string]any
	err := c.JSON(t.Context(), "op", "GET", "/limited", nil, &out)
	if w, ok := core.RetryAfterOf(err); !ok || w != 9*time.Second || core.IsPermanent(err) {
		t.Fatalf("limited: %v", err)
	}
	if err := c.JSON(t.Context(), "op", "POST", "/broken", map[string]int{"a": 1}, &out); err == nil || core.IsPermanent(err) {
		t.Fatalf("broken answer: %v, want transient", err)
	}
	if err := c.JSON(t.Context(), "op", "PUT", "/empty", nil, &out); err != nil {
		t.Fatalf("204: %v", err)
	}
	c.Auth = nil
	if err := c.JSON(t.Context(), "op", "GET", "/x", nil, nil); !core.IsPermanent(err) || !strings.Contains(err.Error(), "said Unauthorized") {
		t.Fatalf("401: %v", err)
	}
}
