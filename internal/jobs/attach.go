package jobs

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/ticketbridge/ticketbridge/internal/blob"
	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/sink"
	"github.com/ticketbridge/ticketbridge/internal/source"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

// AttachArgs copies one attachment of a chat event onto the link's ticket.
type AttachArgs struct {
	LinkID       string `json:"link_id"`
	EventID      int64  `json:"event_id"`
	AttachmentID string `json:"attachment_id"`
}

func (AttachArgs) Kind() string { return KindAttach }

func (AttachArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: allStates}}
}

// attachJobs returns one attach job per attachment of evs.
func attachJobs(linkID string, evs []core.StoredEvent) store.Jobs {
	var out store.Jobs
	for _, ev := range evs {
		if ev.ID == 0 {
			continue // fetched from the platform, not stored by us
		}
		for _, a := range ev.Attachments {
			out = append(out, Insert(AttachArgs{LinkID: linkID, EventID: ev.ID, AttachmentID: a.ID}))
		}
	}
	return out
}

// attachWorker streams a file from the chat platform into the blob store
// and from there onto the ticket; where the ticket system cannot take it
// (no uploads, or over its limit) the ticket gets a signed, expiring link.
type attachWorker struct {
	river.WorkerDefaults[AttachArgs]
	d *Deps
}

func (w *attachWorker) Work(ctx context.Context, job *river.Job[AttachArgs]) error {
	d := w.d
	link, err := d.Store.LinkGet(ctx, job.Args.LinkID)
	if err != nil {
		return fmt.Errorf("load link: %w", err)
	}
	if link.TicketKey == "" {
		return river.JobSnooze(2 * time.Second)
	}
	evs, err := d.loadEvent(ctx, job.Args.EventID)
	if err != nil {
		return err
	}
	att, ok := findAttachment(evs[0], job.Args.AttachmentID)
	if !ok {
		return river.JobCancel(fmt.Errorf("event %d has no attachment %q", job.Args.EventID, job.Args.AttachmentID))
	}
	ref := core.TicketRef{Sink: link.Sink, Key: link.TicketKey, URL: link.TicketURL}
	snk := d.Sinks[link.Sink]
	key := strings.Join([]string{link.ID, strconv.FormatInt(evs[0].ID, 10), safeSegment(att.ID)}, "/")
	// The note's key makes a retry after a lost answer the same comment
	// (the sink drops or finds it) rather than a second note.
	noteKey := "tb-attach-" + strings.ReplaceAll(key, "/", "-")
	if job.Attempt > 1 {
		found, err := d.earlierComment(ctx, ref, noteKey)
		if err != nil || found {
			return err
		}
	}

	limits := d.BlobLimits
	if m := d.Routes[link.Route].MaxAttachmentBytes; m > 0 && (limits.MaxBytes == 0 || m < limits.MaxBytes) {
		limits.MaxBytes = m
	}
	info, err := w.copyIn(ctx, evs[0], att, key, limits)
	var refused *refusal
	if errors.As(err, &refused) {
		note := fmt.Sprintf("Attachment %q was not copied to the ticket: %s. It stays in the chat.", att.Name, refused.why)
		return retryable(snk.Comment(ctx, ref, core.Comment{Body: note, Author: "ticketbridge", Key: noteKey}))
	}
	if err != nil {
		return retryable(err)
	}
	if at, ok := sink.As[sink.Attacher](snk); ok {
		body, _, err := d.Blob.Open(ctx, key)
		if err != nil {
			return fmt.Errorf("open stored attachment: %w", err)
		}
		err = at.Attach(ctx, ref, core.File{Name: info.Name, ContentType: info.ContentType, Size: info.Size}, body)
		body.Close()
		if err == nil {
			return nil
		}
		if !errors.Is(err, sink.ErrTooLarge) {
			return retryable(fmt.Errorf("attach %s: %w", att.Name, err))
		}
	}
	link2 := d.Links.URL(key)
	note := fmt.Sprintf("Attachment %q (%s, %d bytes, sha256 %s) is too large for %s or cannot be uploaded there; download it until %s: %s",
		info.Name, info.ContentType, info.Size, info.SHA256[:12], link.Sink, d.Now().Add(d.Links.TTL).UTC().Format(time.RFC3339), link2)
	return retryable(snk.Comment(ctx, ref, core.Comment{Body: note, Author: "ticketbridge", Key: noteKey}))
}

// refusal is a file the blob store will not keep (too large, wrong type).
type refusal struct{ why string }

func (r *refusal) Error() string { return r.why }

// copyIn streams the attachment from the platform into the blob store.
func (w *attachWorker) copyIn(ctx context.Context, ev core.StoredEvent, att core.Attachment, key string, limits blob.Limits) (blob.Info, error) {
	d := w.d
	if _, info, err := d.Blob.Open(ctx, key); err == nil {
		return info, nil // an earlier attempt already copied it
	}
	af, ok := d.Sources[ev.Source].(source.AttachmentFetcher)
	if !ok {
		return blob.Info{}, &refusal{why: "its chat platform does not let us download files"}
	}
	rc, _, err := af.FetchAttachment(ctx, att)
	if err != nil {
		return blob.Info{}, fmt.Errorf("download %s: %w", att.Name, err)
	}
	defer rc.Close()
	name := att.Name
	if name == "" {
		name = att.ID
	}
	info, err := d.Blob.Put(ctx, key, name, rc, limits)
	switch {
	case errors.Is(err, blob.ErrTooLarge):
		return info, &refusal{why: fmt.Sprintf("it is over the %s limit", humanBytes(limits.MaxBytes))}
	case errors.Is(err, blob.ErrTypeDenied):
		return info, &refusal{why: "its type is not allowed (" + strings.TrimPrefix(err.Error(), blob.ErrTypeDenied.Error()+": ") + ")"}
	case err != nil:
		return info, fmt.Errorf("store %s: %w", att.Name, err)
	}
	return info, nil
}

func findAttachment(ev core.StoredEvent, id string) (core.Attachment, bool) {
	for _, a := range ev.Attachments {
		if a.ID == id {
			return a, true
		}
	}
	return core.Attachment{}, false
}

// safeSegment keeps a platform's file id usable as one path segment.
func safeSegment(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == '.' || r < ' ' {
			return '_'
		}
		return r
	}, s)
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
