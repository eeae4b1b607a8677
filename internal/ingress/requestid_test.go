package ingress

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// What the handler's logger logs carries the request's id, the caller's
// when it sent a sane one.
func TestRequestIDInLogs(t *testing.T) {
	tests := []struct {
		name, sent string
		wantSame   bool
	}{
		{"caller's id kept", "abc123", true},
		{"missing id made up", "", false},
		{"overlong id replaced", strings.Repeat("x", 65), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
			h := RequestID(log, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				LoggerFrom(w, log).Info("inside")
			}))
			req := httptest.NewRequest(http.MethodPost, "/hooks/im/x", nil)
			if tc.sent != "" {
				req.Header.Set("X-Request-Id", tc.sent)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			id := rec.Header().Get("X-Request-Id")
			if id == "" || (id == tc.sent) != tc.wantSame {
				t.Fatalf("X-Request-Id = %q for sent %q", id, tc.sent)
			}
			lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
			if len(lines) != 2 {
				t.Fatalf("logged %d lines, want the handler's and the request's:\n%s", len(lines), buf.String())
			}
			for _, l := range lines {
				if !strings.Contains(l, "request_id="+id) {
					t.Errorf("log line without request_id=%s: %s", id, l)
				}
			}
		})
	}
	if l := LoggerFrom(httptest.NewRecorder(), slog.Default()); l != slog.Default() {
		t.Error("LoggerFrom outside RequestID did not return the fallback")
	}
}

// Below debug level nothing wraps the response, and the id still reaches
// the answer and the handler's logger.
func TestRequestIDAtInfo(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))
	h := RequestID(log, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, wrapped := w.(*statusRecorder); wrapped {
			t.Error("response wrapped although nothing logs the status")
		}
		LoggerFrom(w, log).Info("inside")
		w.WriteHeader(http.StatusAccepted)
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/hooks/im/x", nil))
	id := rec.Header().Get("X-Request-Id")
	if len(id) != 16 || rec.Code != http.StatusAccepted {
		t.Fatalf("X-Request-Id %q, status %d", id, rec.Code)
	}
	if got := strings.TrimSpace(buf.String()); strings.Count(got, "\n") != 0 || !strings.Contains(got, "request_id="+id) {
		t.Fatalf("logged %q, want the handler's one line with request_id=%s", got, id)
	}
}
