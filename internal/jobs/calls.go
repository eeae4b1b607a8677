package jobs

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/calls"
	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

// maxCallSignals bounds the signals one fold reads.
const maxCallSignals = 5000

// transcriptGrace is how long after a call's end a transcript sent before
// the fold still counts as the call's.
const transcriptGrace = 30 * time.Second

// foldCall folds a channel's stored signals into call sessions and stores
// a call_ended event for each session that has ended, with the
// transcripts received for it. The events' ids are derived from the
// session, so folding again after more signals (or a retry) never stores
// a second call_ended for the same call; each new one is processed like
// any other event.
func (w *processWorker) foldCall(ctx context.Context, ev core.StoredEvent) error {
	evs, err := w.d.Store.ConversationEvents(ctx, ev.Conversation.Key(), 0, ev.ID, maxCallSignals)
	if err != nil {
		return fmt.Errorf("load call signals: %w", err)
	}
	var signals []core.Event
	var transcripts []core.StoredEvent
	for _, e := range evs {
		switch e.Kind {
		case core.KindCallSignal:
			signals = append(signals, e.Event)
		case core.KindTranscript:
			transcripts = append(transcripts, e)
		}
	}
	var ended []core.Event
	for _, s := range calls.Fold(signals) {
		if !s.Ended {
			continue
		}
		ce := calls.CallEnded(ev.Source, s)
		if t := transcriptOf(transcripts, s); t != "" {
			ce.Meta["transcript"] = t
			ce.Text += "\n\nTranscript:\n" + t
		}
		ended = append(ended, ce)
	}
	if len(ended) == 0 {
		return nil
	}
	// A call's end acts: its processing takes the urgent lane.
	urgent := make([]bool, len(ended))
	for i := range urgent {
		urgent[i] = true
	}
	_, err = w.d.Store.IngestBatch(ctx, ended, func(ids []int64, index []int) store.Jobs {
		return ProcessJobs(ended, urgent, ids, index, w.d.Partitions)
	})
	if err != nil {
		return fmt.Errorf("store call_ended: %w", err)
	}
	return nil
}

// transcriptOf joins the transcripts stored for a session's time.
func transcriptOf(ts []core.StoredEvent, s calls.Session) string {
	var b strings.Builder
	for _, t := range ts {
		if t.Time.Before(s.Start) || t.Time.After(s.End.Add(transcriptGrace)) {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		b.WriteString(strings.TrimSpace(t.Text))
	}
	return b.String()
}
