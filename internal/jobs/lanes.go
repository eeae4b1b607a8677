package jobs

import (
	"hash/fnv"
	"strconv"

	"github.com/riverqueue/river"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

// Processing is partitioned by conversation: a conversation's events
// always go to the same partition queue, which one worker takes in order,
// while different partitions run in parallel. Within a partition, events
// that may act (commands, answers, complaints: rules.Engine.Urgent) go in
// jobs of a higher priority than chatter, so a /ticket never waits behind
// a burst of "thanks".
const (
	priorityUrgent  = 1
	priorityChatter = 2
)

// PartitionQueue is the River queue of processing partition p; partition
// 0 keeps the queue name processing always had.
func PartitionQueue(p int) string {
	if p == 0 {
		return QueueIngest
	}
	return QueueIngest + "_" + strconv.Itoa(p)
}

// Partition is the partition of a conversation among n.
func Partition(convKey string, n int) int {
	if n <= 1 {
		return 0
	}
	h := fnv.New32a()
	_, _ = h.Write([]byte(convKey))
	return int(h.Sum32() % uint32(n))
}

// ProcessJobs are the processing jobs for a group commit's new events:
// one per partition and lane that has any.
func ProcessJobs(events []core.Event, urgent []bool, ids []int64, index []int, partitions int) store.Jobs {
	type lane struct{ partition, priority int }
	var order []lane
	byLane := map[lane][]int64{}
	for i, id := range ids {
		ev := events[index[i]]
		l := lane{Partition(ev.Conversation.Key(), partitions), priorityChatter}
		if index[i] < len(urgent) && urgent[index[i]] {
			l.priority = priorityUrgent
		}
		if _, ok := byLane[l]; !ok {
			order = append(order, l)
		}
		byLane[l] = append(byLane[l], id)
	}
	out := make(store.Jobs, 0, len(order))
	for _, l := range order {
		out = append(out, river.InsertManyParams{
			Args:       ProcessArgs{EventIDs: byLane[l]},
			InsertOpts: &river.InsertOpts{Queue: PartitionQueue(l.partition), Priority: l.priority},
		})
	}
	return out
}
