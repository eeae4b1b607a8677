package ingress

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/metrics"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

// checkEvents refuses a request whose events a store could not keep, before
// they join a group commit: one such event would fail its whole batch.
func checkEvents(events []core.Event) error {
	for i, e := range events {
		if err := store.CheckEvent(e); err != nil {
			return eventError(i, len(events), err)
		}
	}
	return nil
}

func checkTicketEvents(events []core.TicketEvent) error {
	for i, e := range events {
		if err := store.CheckTicketEvent(e); err != nil {
			return eventError(i, len(events), err)
		}
	}
	return nil
}

func eventError(i, n int, err error) error {
	if n == 1 {
		return err
	}
	return fmt.Errorf("event %d of %d: %w", i+1, n, err)
}

// commitEach commits the submissions of a failed batch one by one, so that
// a submission the store refuses (a data error the checks did not foresee)
// fails alone and its neighbours are still stored.
func (w *Writer) commitEach(batch []*submission) {
	for _, s := range batch {
		w.commit([]*submission{s}, len(s.events))
	}
}

// storeFailure is the status and message for a failed store write: 400 when
// the data was refused (retrying it cannot help), 503 otherwise.
func storeFailure(err error, what string) (int, string) {
	switch {
	case errors.Is(err, store.ErrUnstorable):
		return http.StatusBadRequest, err.Error()
	case store.Unstorable(err):
		return http.StatusBadRequest, store.ErrUnstorable.Error() + ": the database refused its data"
	}
	return http.StatusServiceUnavailable, "could not store the " + what + "; retry"
}

func storeResult(status int) string {
	if status == http.StatusBadRequest {
		return metrics.ResultMalformed
	}
	return metrics.ResultError
}
