package servicenowfake

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Change is an agent's update inside the instance.
type Change struct {
	By       string  // user_name; default "beth.agent"
	State    string  // new state code; "" keeps it
	Comment  string  // journal text; "" adds none
	WorkNote bool    // the comment is a work note (internal)
	AssignTo *string // new assignee user_name; nil keeps it
}

// Update applies an agent's change to the incident and sends the webhook
// the business rule would: one signed POST to
// serverURL/hooks/tickets/{sinkID} carrying every change of the update.
// It returns the body sent, to resend it.
func (in *Instance) Update(ctx context.Context, serverURL, sinkID, number string, c Change) ([]byte, *http.Response, error) {
	if c.By == "" {
		c.By = "beth.agent"
	}
	in.mu.Lock()
	var inc *Incident
	for _, i := range in.incidents {
		if i.Number == number {
			inc = i
		}
	}
	if inc == nil {
		in.mu.Unlock()
		return nil, nil, fmt.Errorf("no incident %s", number)
	}
	prev := inc.Fields["state"]
	fields := map[string]string{}
	if c.State != "" {
		fields["state"] = c.State
	}
	kind := "comments"
	if c.WorkNote {
		kind = "work_notes"
	}
	if c.Comment != "" {
		fields[kind] = c.Comment
	}
	if c.AssignTo != nil {
		fields["assigned_to"] = *c.AssignTo
	}
	in.update(inc, fields, c.By)
	hook := map[string]any{
		"event_id":       inc.SysID + ":" + strconv.Itoa(inc.ModCount),
		"sys_id":         inc.SysID,
		"number":         inc.Number,
		"correlation_id": inc.Fields["correlation_id"],
		"state":          inc.Fields["state"],
		"previous_state": prev,
		"updated_by":     c.By,
		"sys_updated_on": inc.UpdatedOn,
	}
	if c.Comment != "" {
		label := "Additional comments"
		if c.WorkNote {
			label = "Work notes"
		}
		// What current.<field>.getJournalEntry(1) returns.
		hook["comment"] = fmt.Sprintf("%s - %s (%s)\n%s\n\n", inc.UpdatedOn, c.By, label, c.Comment)
		hook["comment_kind"] = kind
	}
	if c.AssignTo != nil {
		hook["assigned_to"] = *c.AssignTo
	}
	in.mu.Unlock()
	body, err := json.Marshal(hook)
	if err != nil {
		return nil, nil, fmt.Errorf("encode webhook: %w", err)
	}
	resp, err := in.Post(ctx, serverURL, sinkID, body, in.opts.Now())
	return body, resp, err
}

// Post signs body at time at the business rule's way and posts it.
func (in *Instance) Post(ctx context.Context, serverURL, sinkID string, body []byte, at time.Time) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, serverURL+"/hooks/tickets/"+sinkID, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	ts := at.Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-TB-Timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("X-TB-Signature", Signature(in.opts.WebhookSecret, ts, body))
	return http.DefaultClient.Do(req)
}

// Signature computes X-TB-Signature as the business rule's script does
// with GlideCertificateEncryption.generateMac (base64 HMAC-SHA256 of
// "<timestamp>.<body>"); written apart from the sink's code so that each
// checks the other.
func Signature(secret string, ts int64, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(m, "%d.%s", ts, body)
	return "sha256=" + base64.StdEncoding.EncodeToString(m.Sum(nil))
}
