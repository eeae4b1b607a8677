package ingress

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/metrics"
)

// Transcript is the body of POST /hooks/im/{source}/transcripts: a call's
// transcript (or a part of it) from Agora's speech-to-text or any other
// service, signed the way the source signs its webhooks.
type Transcript struct {
	// ID makes a redelivery recognisable (default: a hash of the body).
	ID string `json:"id,omitempty"`
	// Channel is the call's channel (the conversation of its signals).
	Channel string    `json:"channel"`
	Text    string    `json:"text"`
	Speaker string    `json:"speaker,omitempty"`
	Time    time.Time `json:"time,omitzero"`
}

func (h *Handler) transcript(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("source")
	if !h.admitted(w, r, "im/"+id) {
		h.Metrics.Events.WithLabelValues(id, string(core.KindTranscript), metrics.ResultForbidden).Inc()
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
		h.Metrics.Events.WithLabelValues(id, string(core.KindTranscript), result).Inc()
		writeError(w, status, err.Error())
		return
	}
	body, status, result := h.readBody(w, r)
	if status != 0 {
		h.Metrics.Events.WithLabelValues(id, string(core.KindTranscript), result).Inc()
		writeError(w, status, bodyRefusal(status))
		return
	}
	if err := src.Verify(r, body); err != nil {
		status, result := rejection(err)
		h.Metrics.Events.WithLabelValues(id, string(core.KindTranscript), result).Inc()
		writeError(w, status, err.Error())
		return
	}
	ev, err := parseTranscript(id, body, time.Now())
	if err != nil {
		h.Metrics.Events.WithLabelValues(id, string(core.KindTranscript), metrics.ResultMalformed).Inc()
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	accepted, err := h.Writer.Submit(r.Context(), []core.Event{ev})
	if err != nil {
		status, msg := storeFailure(err, "transcript")
		h.Metrics.Events.WithLabelValues(id, string(core.KindTranscript), storeResult(status)).Inc()
		writeError(w, status, msg)
		return
	}
	result = metrics.ResultDuplicate
	if accepted[0] {
		result = metrics.ResultAccepted
	}
	h.Metrics.Events.WithLabelValues(id, string(core.KindTranscript), result).Inc()
	writeJSON(w, http.StatusOK, map[string]bool{"accepted": accepted[0]})
}

func parseTranscript(source string, body []byte, now time.Time) (core.Event, error) {
	var t Transcript
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&t); err != nil {
		return core.Event{}, fmt.Errorf("%w: %v", core.ErrMalformed, err)
	}
	switch {
	case strings.TrimSpace(t.Channel) == "":
		return core.Event{}, fmt.Errorf("%w: channel is required", core.ErrMalformed)
	case strings.TrimSpace(t.Text) == "":
		return core.Event{}, fmt.Errorf("%w: text is required", core.ErrMalformed)
	}
	if t.ID == "" {
		sum := sha256.Sum256(body)
		t.ID = hex.EncodeToString(sum[:16])
	}
	if t.Time.IsZero() {
		t.Time = now
	}
	text := t.Text
	if t.Speaker != "" {
		text = t.Speaker + ": " + text
	}
	ev := core.Event{
		Source: source, EventID: "transcript:" + t.ID, Kind: core.KindTranscript,
		Conversation: core.ConversationRef{Source: source, Conversation: t.Channel},
		Sender:       core.Sender{ID: "transcript", Name: "Transcript", Role: core.RoleCustomer},
		Time:         t.Time.UTC(), Text: text, Raw: body,
	}
	return ev, nil
}
