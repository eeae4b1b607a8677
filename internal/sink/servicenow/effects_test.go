package servicenow_test

import (
	"strings"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/sink/servicenow/servicenowfake"
	"github.com/ticketbridge/ticketbridge/internal/sink/sinktest"
)

// A comment whose answer is lost (a 502 or a dropped connection after the
// journal entry is stored) is found in sys_journal_field by its key and
// not written twice.
func TestLostCommentIsFoundNotRepeated(t *testing.T) {
	t.Parallel()
	for name, loss := range map[string]servicenowfake.Loss{"502": servicenowfake.LoseWith502, "hang-up": servicenowfake.LoseHangUp} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			in := servicenowfake.New(t, servicenowfake.Options{})
			sn := newSink(t, in, nil)
			ref, err := sn.Create(t.Context(), core.TicketDraft{ExternalID: "tb-lc", Title: "lost comment"})
			if err != nil {
				t.Fatal(err)
			}
			count := func() int { inc, _ := in.Incident(ref.Key); return len(inc.Journal) }
			sinktest.LostComment(t, sn, ref, func() { in.LoseNextComment(loss) }, count)
			inc, _ := in.Incident(ref.Key)
			if v := inc.Journal[len(inc.Journal)-1].Value; !strings.HasSuffix(v, "\n\nref: tb-append-0123abcd-5-9") {
				t.Fatalf("journal entry does not end with its marker: %q", v)
			}
		})
	}
}

// The look-up filters the journal by the marker (LIKE), so it finds the
// newest comment however many entries the incident has.
func TestFindCommentAmongManyEntries(t *testing.T) {
	t.Parallel()
	in := servicenowfake.New(t, servicenowfake.Options{})
	sn := newSink(t, in, nil)
	ref, err := sn.Create(t.Context(), core.TicketDraft{ExternalID: "tb-many", Title: "many"})
	if err != nil {
		t.Fatal(err)
	}
	sinktest.ManyComments(t, sn, ref, 60)
}

// An upload whose answer is lost is found among the incident's
// attachments by name and size, and not sent twice.
func TestLostUploadIsFoundByNameAndSize(t *testing.T) {
	t.Parallel()
	for name, loss := range map[string]servicenowfake.Loss{"502": servicenowfake.LoseWith502, "hang-up": servicenowfake.LoseHangUp} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			in := servicenowfake.New(t, servicenowfake.Options{})
			sn := newSink(t, in, nil)
			ref, err := sn.Create(t.Context(), core.TicketDraft{ExternalID: "tb-lu", Title: "lost upload"})
			if err != nil {
				t.Fatal(err)
			}
			count := func() int { inc, _ := in.Incident(ref.Key); return len(inc.Attachments) }
			sinktest.LostUpload(t, sn, ref, sinktest.ByAttachment(sn, ref), func() { in.LoseNextUpload(loss) }, count)
		})
	}
}
