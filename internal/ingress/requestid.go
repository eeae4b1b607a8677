package ingress

import (
	"encoding/binary"
	"encoding/hex"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"time"
)

// RequestID gives every request an id (the caller's X-Request-Id when it
// sends a sane one) and echoes it in the response, where the handlers'
// logger finds it (LoggerFrom); at debug level it logs the request when it
// ends. The id goes in no context: a context value and the request copy
// that carries it were two allocations and 300 bytes per webhook, for a
// logger most acknowledged webhooks never build.
func RequestID(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if id == "" || len(id) > 64 {
			id = newRequestID()
		}
		// The name is in canonical form already, so the map is set
		// directly; net/http copies the header map when the status is
		// written, so the slice is never changed under us.
		w.Header()["X-Request-Id"] = []string{id}
		if !log.Enabled(r.Context(), slog.LevelDebug) {
			// Nothing to log: no recorder and no clock for it.
			next.ServeHTTP(w, r)
			return
		}
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		start := time.Now()
		next.ServeHTTP(rec, r)
		log.With("request_id", id).DebugContext(r.Context(), "request", "method", r.Method, "path", r.URL.Path, "status", rec.status, "duration_ms", time.Since(start).Milliseconds())
	})
}

// newRequestID makes an id. It names a request in the logs and is no
// secret, so it comes from the runtime's generator, which costs no system
// call per request as crypto/rand may.
func newRequestID() string {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], rand.Uint64())
	var h [16]byte
	hex.Encode(h[:], b[:])
	return string(h[:])
}

// LoggerFrom returns fallback carrying the id RequestID gave the request
// whose answer w is, or fallback itself outside RequestID.
func LoggerFrom(w http.ResponseWriter, fallback *slog.Logger) *slog.Logger {
	if id := w.Header()["X-Request-Id"]; len(id) == 1 {
		return fallback.With("request_id", id[0])
	}
	return fallback
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the connection's writer, so
// the console's event streams can flush through this recorder.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }
