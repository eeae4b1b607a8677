package ingress

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"time"
)

type requestIDKey struct{}

// requestLog is what a request's context carries: the logger is built with
// the id only when something is logged, since deriving it costs more than
// the rest of an acknowledged webhook's bookkeeping. It also holds the
// response header's value, and goes in the context as a pointer: one
// allocation where the boxed value and the header's slice were two.
type requestLog struct {
	log    *slog.Logger
	id     string
	header [1]string
}

// RequestID gives every request an id (the caller's X-Request-Id when it
// sends a sane one), echoes it in the response, puts what makes a logger
// carrying it in the context and logs the request when it ends.
func RequestID(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if id == "" || len(id) > 64 {
			// An id names a request in the logs; it is no secret, so it
			// comes from the runtime's generator, which costs no system
			// call per request as crypto/rand may.
			var b [8]byte
			binary.LittleEndian.PutUint64(b[:], rand.Uint64())
			id = hex.EncodeToString(b[:])
		}
		rl := &requestLog{log: log, id: id, header: [1]string{id}}
		// The name is in canonical form already, so the map is set
		// directly; net/http copies the header map when the status is
		// written, so the slice is never changed under us.
		w.Header()["X-Request-Id"] = rl.header[:]
		ctx := context.WithValue(r.Context(), requestIDKey{}, rl)
		if !log.Enabled(ctx, slog.LevelDebug) {
			// Nothing to log: no recorder and no clock for it.
			next.ServeHTTP(w, r.WithContext(ctx))
			return
		}
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		start := time.Now()
		next.ServeHTTP(rec, r.WithContext(ctx))
		log.With("request_id", id).DebugContext(ctx, "request", "method", r.Method, "path", r.URL.Path, "status", rec.status, "duration_ms", time.Since(start).Milliseconds())
	})
}

// LoggerFrom returns the request's logger, or fallback.
func LoggerFrom(ctx context.Context, fallback *slog.Logger) *slog.Logger {
	if rl, ok := ctx.Value(requestIDKey{}).(*requestLog); ok {
		return rl.log.With("request_id", rl.id)
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
