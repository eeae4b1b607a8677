package jobs

import (
	"fmt"
	"slices"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

func TestProcessJobsPartitionAndLane(t *testing.T) {
	conv := func(id string) core.ConversationRef { return core.ConversationRef{Source: "chat", Conversation: id} }
	var events []core.Event
	for i := range 40 {
		events = append(events, core.Event{EventID: fmt.Sprint(i), Conversation: conv(fmt.Sprint("c", i%8))})
	}
	urgent := make([]bool, len(events))
	urgent[5], urgent[13] = true, true
	var ids []int64
	var index []int
	for i := range events {
		if i%10 == 9 {
			continue // a duplicate: no row
		}
		ids, index = append(ids, int64(100+i)), append(index, i)
	}
	jobs := ProcessJobs(events, urgent, ids, index, 4)
	seen := map[int64]bool{}
	for _, j := range jobs {
		args := j.Args.(ProcessArgs)
		for _, id := range args.EventIDs {
			i := int(id - 100)
			if seen[id] {
				t.Fatalf("event %d in two jobs", id)
			}
			seen[id] = true
			wantQ := PartitionQueue(Partition(events[i].Conversation.Key(), 4))
			wantP := priorityChatter
			if urgent[i] {
				wantP = priorityUrgent
			}
			if j.InsertOpts.Queue != wantQ || j.InsertOpts.Priority != wantP {
				t.Errorf("event %d in queue %s priority %d, want %s %d", i, j.InsertOpts.Queue, j.InsertOpts.Priority, wantQ, wantP)
			}
		}
		if !slices.IsSorted(args.EventIDs) {
			t.Errorf("job events out of order: %v", args.EventIDs)
		}
	}
	if len(seen) != len(ids) {
		t.Fatalf("%d of %d events in jobs", len(seen), len(ids))
	}
	if PartitionQueue(0) != QueueIngest || Partition("x", 1) != 0 {
		t.Fatal("one partition must be the historical ingest queue")
	}
}
