package ingress

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/netip"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/metrics"
	"github.com/ticketbridge/ticketbridge/internal/netguard"
	"github.com/ticketbridge/ticketbridge/internal/sink"
	"github.com/ticketbridge/ticketbridge/internal/source"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

// Handler serves /hooks/im/{source} and /hooks/tickets/{sink}.
type Handler struct {
	Sources map[string]source.Source
	Sinks   map[string]sink.Sink
	Writer  *Writer
	Store   store.Store
	// TicketDecide decides newly stored ticket events in the transaction
	// that stores them.
	TicketDecide store.DecideTickets
	MaxBody      int64
	Metrics      *metrics.Metrics
	Log          *slog.Logger
	// Allow lists, per hook path ("im/<id>", "tickets/<id>"), the client
	// networks that may call it; Trusted are the proxies whose
	// X-Forwarded-For is believed.
	Allow   map[string][]netip.Prefix
	Trusted []netip.Prefix
	// Backpressure, when set, refuses events while processing lags.
	Backpressure *Backpressure
	// Bodies bounds the bodies read at once; nil means no bound.
	Bodies *BodyLimiter
}

// admitted reports whether the client may call the hook path; a refusal
// is answered here.
func (h *Handler) admitted(w http.ResponseWriter, r *http.Request, path string) bool {
	list, ok := h.Allow[path]
	if !ok {
		return true
	}
	if ip := netguard.ClientIP(r, h.Trusted); ip.IsValid() && netguard.Contains(list, ip) {
		return true
	}
	writeError(w, http.StatusForbidden, "this address may not call "+path)
	return false
}

// Register adds the webhook routes to mux.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("POST /hooks/im/{source}", h.chat)
	// Some platforms verify the URL with a GET (WeCom's echostr).
	mux.HandleFunc("GET /hooks/im/{source}", h.chat)
	mux.HandleFunc("POST /hooks/tickets/{sink}", h.tickets)
	mux.HandleFunc("POST /hooks/im/{source}/transcripts", h.transcript)
}

func (h *Handler) chat(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("source")
	if !h.admitted(w, r, "im/"+id) {
		h.Metrics.Events.WithLabelValues(id, "", metrics.ResultForbidden).Inc()
		return
	}
	src, ok := h.Sources[id]
	if !ok {
		h.Metrics.Events.WithLabelValues("", "", metrics.ResultUnknown).Inc()
		writeError(w, http.StatusNotFound, "unknown source "+quote(id))
		return
	}
	if err := checkHeaders(src, r); err != nil {
		status, result := rejection(err)
		h.Metrics.Events.WithLabelValues(id, "", result).Inc()
		h.logger(w).InfoContext(r.Context(), "chat webhook rejected before its body", "source", id, "error", err)
		writeError(w, status, err.Error())
		return
	}
	body, status, result := h.readBody(w, r)
	if status != 0 {
		h.Metrics.Events.WithLabelValues(id, "", result).Inc()
		writeError(w, status, bodyRefusal(status))
		return
	}
	if err := src.Verify(r, body); err != nil {
		status, result := rejection(err)
		h.Metrics.Events.WithLabelValues(id, "", result).Inc()
		h.logger(w).InfoContext(r.Context(), "chat webhook rejected", "source", id, "error", err)
		writeError(w, status, err.Error())
		return
	}
	in, err := src.Parse(r.Context(), r, body)
	if err != nil {
		status, result := rejection(err)
		h.Metrics.Events.WithLabelValues(id, "", result).Inc()
		h.logger(w).InfoContext(r.Context(), "chat webhook not understood", "source", id, "error", err)
		writeError(w, status, err.Error())
		return
	}
	for i := range in.Events {
		in.Events[i].EventID = chatEventID(in.Events[i].EventID)
	}
	if len(in.Events) > 0 && h.Backpressure.refuse(w) {
		h.Metrics.Events.WithLabelValues(id, "", metrics.ResultBusy).Inc()
		return
	}
	accepted, err := h.Writer.Submit(r.Context(), in.Events)
	if err != nil {
		status, msg := storeFailure(err, "events")
		h.Metrics.Events.WithLabelValues(id, "", storeResult(status)).Inc()
		h.logger(w).ErrorContext(r.Context(), "store chat events", "source", id, "error", err)
		writeError(w, status, msg)
		return
	}
	if in.Stored != nil {
		// The events are stored; a failure here only means they are read
		// again (and dropped as duplicates) on the next callback.
		if err := in.Stored(r.Context()); err != nil {
			h.logger(w).WarnContext(r.Context(), "after storing chat events", "source", id, "error", err)
		}
	}
	fresh := 0
	for i, ok := range accepted {
		result := metrics.ResultDuplicate
		if ok {
			result = metrics.ResultAccepted
			fresh++
		}
		h.Metrics.Events.WithLabelValues(id, string(in.Events[i].Kind), result).Inc()
	}
	if in.Reply != nil {
		if len(in.Events) == 0 {
			h.Metrics.Events.WithLabelValues(id, "", metrics.ResultChallenge).Inc()
		}
		writeReply(w, in.Reply)
		return
	}
	writeCounts(w, acceptsJSON(r.Header["Accept"]) || acksInJSON(src), fresh, len(accepted)-fresh)
}

func (h *Handler) tickets(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("sink")
	if !h.admitted(w, r, "tickets/"+id) {
		h.Metrics.TicketEvents.WithLabelValues(id, "", metrics.ResultForbidden).Inc()
		return
	}
	snk, ok := h.Sinks[id]
	if !ok {
		h.Metrics.TicketEvents.WithLabelValues("", "", metrics.ResultUnknownSink).Inc()
		writeError(w, http.StatusNotFound, "unknown sink "+quote(id))
		return
	}
	body, status, result := h.readBody(w, r)
	if status != 0 {
		h.Metrics.TicketEvents.WithLabelValues(id, "", result).Inc()
		writeError(w, status, bodyRefusal(status))
		return
	}
	if ch, ok := sink.As[sink.Challenger](snk); ok {
		reply, isChallenge, err := ch.Challenge(r, body)
		if err != nil {
			status, result := rejection(err)
			h.Metrics.TicketEvents.WithLabelValues(id, "", result).Inc()
			h.logger(w).InfoContext(r.Context(), "ticket webhook challenge refused", "sink", id, "error", err)
			writeError(w, status, err.Error())
			return
		}
		if isChallenge {
			h.Metrics.TicketEvents.WithLabelValues(id, "", metrics.ResultChallenge).Inc()
			writeReply(w, reply)
			return
		}
	}
	events, err := snk.ParseWebhook(r, body)
	if err != nil {
		status, result := rejection(err)
		h.Metrics.TicketEvents.WithLabelValues(id, "", result).Inc()
		h.logger(w).InfoContext(r.Context(), "ticket webhook rejected", "sink", id, "error", err)
		writeError(w, status, err.Error())
		return
	}
	for i := range events {
		events[i].Sink = id
	}
	if err := checkTicketEvents(events); err != nil {
		h.Metrics.TicketEvents.WithLabelValues(id, "", metrics.ResultMalformed).Inc()
		h.logger(w).InfoContext(r.Context(), "ticket webhook refused", "sink", id, "error", err)
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	accepted, err := h.Store.TicketEventsIngest(r.Context(), events, h.TicketDecide)
	if err != nil {
		status, msg := storeFailure(err, "events")
		h.Metrics.TicketEvents.WithLabelValues(id, "", storeResult(status)).Inc()
		h.logger(w).ErrorContext(r.Context(), "store ticket events", "sink", id, "error", err)
		writeError(w, status, msg)
		return
	}
	fresh := 0
	for i, ok := range accepted {
		result := metrics.ResultDuplicate
		if ok {
			result = metrics.ResultAccepted
			fresh++
		}
		h.Metrics.TicketEvents.WithLabelValues(id, string(events[i].Kind), result).Inc()
	}
	writeCounts(w, acceptsJSON(r.Header["Accept"]), fresh, len(accepted)-fresh)
}

// acceptedTypes are the media types webhook bodies come in: JSON for
// most platforms, forms for Slack's and Mattermost's commands, XML for
// WeCom. Anything else (multipart uploads, HTML) is refused before it is
// read.
var acceptedTypes = map[string]bool{
	"application/json": true, "application/x-www-form-urlencoded": true,
	"text/xml": true, "application/xml": true, "text/plain": true,
}

// readBody reads at most MaxBody bytes; a larger body gives 413, a body
// of a media type no platform sends 415.
func (h *Handler) readBody(w http.ResponseWriter, r *http.Request) ([]byte, int, string) {
	if ct := r.Header.Get("Content-Type"); ct != "" && ct != "application/json" && r.Method == http.MethodPost {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || !acceptedTypes[mt] {
			return nil, http.StatusUnsupportedMediaType, metrics.ResultMalformed
		}
	}
	if !h.Bodies.acquire() {
		w.Header().Set("Retry-After", "1")
		return nil, http.StatusServiceUnavailable, metrics.ResultBusy
	}
	defer h.Bodies.release()
	if n := r.ContentLength; n >= 0 && n <= h.MaxBody {
		// The length is known and allowed: one buffer of that size, where
		// io.ReadAll starts small and grows. net/http ends the body at
		// Content-Length, so no limit is needed, and a shorter body is an
		// error here too.
		body := make([]byte, n)
		if _, err := io.ReadFull(r.Body, body); err != nil {
			return nil, http.StatusBadRequest, metrics.ResultMalformed
		}
		return body, 0, ""
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.MaxBody))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, http.StatusRequestEntityTooLarge, metrics.ResultTooLarge
	}
	if err != nil {
		return nil, http.StatusBadRequest, metrics.ResultMalformed
	}
	return body, 0, ""
}

func bodyRefusal(status int) string {
	switch status {
	case http.StatusUnsupportedMediaType:
		return "unsupported content type: webhooks are JSON, forms or XML"
	case http.StatusServiceUnavailable:
		return "too many requests being read at once; retry"
	}
	return "request body over the limit"
}

func (h *Handler) logger(w http.ResponseWriter) *slog.Logger {
	return LoggerFrom(w, h.Log)
}

// rejection maps a connector's refusal to a status and a metrics result.
func rejection(err error) (int, string) {
	switch {
	case errors.Is(err, core.ErrBadSignature):
		return http.StatusUnauthorized, metrics.ResultBadSignature
	case errors.Is(err, core.ErrStale):
		return http.StatusUnauthorized, metrics.ResultStale
	case errors.Is(err, core.ErrMalformed):
		return http.StatusBadRequest, metrics.ResultMalformed
	case errors.Is(err, core.ErrUnavailable):
		return http.StatusServiceUnavailable, metrics.ResultBusy
	}
	return http.StatusBadRequest, metrics.ResultMalformed
}

func writeReply(w http.ResponseWriter, rep *core.Reply) {
	ct := rep.ContentType
	if ct == "" {
		ct = "application/json"
	}
	w.Header().Set("Content-Type", ct)
	status := rep.Status
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	_, _ = w.Write(rep.Body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
