package jobs

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/blob"
	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/store"
	"github.com/ticketbridge/ticketbridge/internal/store/storetest/teststore"
)

func TestPurgeRetention(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	st := teststore.SQLite(t)
	blobs, err := blob.NewFS(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	c := core.ConversationRef{Source: "slack", Conversation: "C1"}
	mk := func(id string, age time.Duration) core.Event {
		return core.Event{Source: "slack", EventID: id, Kind: core.KindMessage, Conversation: c,
			Time: now.Add(-age), Text: "text " + id, Attachments: []core.Attachment{{ID: "F/" + id, Name: id + ".txt"}}}
	}
	var ids []int64
	if _, err := st.IngestBatch(ctx, []core.Event{mk("old", 40*24*time.Hour), mk("new", time.Hour)},
		func(got []int64, _ []int) store.Jobs { ids = got; return nil }); err != nil {
		t.Fatal(err)
	}
	link, _, err := st.LinkOpen(ctx, store.Link{Route: "r", ConvKey: c.Key(), Conversation: c, Sink: "local"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	key := func(i int, att string) string {
		return strings.Join([]string{link.ID, strconv.FormatInt(ids[i], 10), safeSegment(att)}, "/")
	}
	for i, att := range []string{"F/old", "F/new"} {
		if _, err := blobs.Put(ctx, key(i, att), "f.txt", strings.NewReader("file body"), blob.Limits{MaxBytes: 1 << 20}); err != nil {
			t.Fatal(err)
		}
	}

	w := &RetentionWorker{Store: st, Blob: blobs, Policy: store.RetentionPolicy{Days: 30}, Now: func() time.Time { return now }}
	if err := w.Work(ctx, nil); err != nil {
		t.Fatalf("Work: %v", err)
	}
	if _, _, err := blobs.Open(ctx, key(0, "F/old")); err == nil {
		t.Error("the purged event's attachment blob is still there")
	}
	if rc, _, err := blobs.Open(ctx, key(1, "F/new")); err != nil {
		t.Errorf("the recent event's blob was deleted: %v", err)
	} else {
		rc.Close()
	}
	evs, err := st.EventsByID(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	if evs[0].Text != "" || len(evs[0].Attachments) != 0 || evs[1].Text != "text new" {
		t.Fatalf("events after purge: %+v", evs)
	}
	audit, err := st.AuditList(ctx, store.AuditFilter{Action: "retention.purge"})
	if err != nil {
		t.Fatal(err)
	}
	if len(audit) != 1 || audit[0].Actor != "system" || audit[0].Detail["slack"] != float64(1) {
		t.Fatalf("audit = %+v, want one system purge of 1 slack event", audit)
	}
	// A second run finds nothing and writes no audit entry.
	got, err := PurgeRetention(ctx, st, blobs, w.Policy, now, "system", 1)
	if err != nil || len(got) != 0 {
		t.Fatalf("second purge = %v, %v", got, err)
	}
	if audit, _ := st.AuditList(ctx, store.AuditFilter{}); len(audit) != 1 {
		t.Fatalf("audit entries after an empty purge = %d, want 1", len(audit))
	}
}

func TestRetentionArgsKind(t *testing.T) {
	t.Parallel()
	if (RetentionArgs{}).Kind() != "purge_retention" {
		t.Fatal("the persisted kind changed")
	}
	if RetentionPeriodic() == nil {
		t.Fatal("no periodic job")
	}
}
