package console

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/riverqueue/river/rivertype"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/jobs"
	"github.com/ticketbridge/ticketbridge/internal/rules"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

type convView struct {
	Q      string
	Links  []store.Link
	Events []core.StoredEvent
	Key    string // the conversation shown
}

// conversations finds a conversation by ticket key (LOCAL-1, or
// sink:KEY for another sink) or by conversation key (source/conversation)
// and shows its links and events.
func (c *Console) conversations(w http.ResponseWriter, r *http.Request, s *session) {
	ctx := r.Context()
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	v := convView{Q: q}
	if q != "" {
		convKey, err := c.findConversation(ctx, q)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			c.fail(w, r, s, http.StatusServiceUnavailable, "err.store")
			return
		}
		if err == nil {
			v.Key = convKey
			if v.Links, err = c.Store.LinksForConversation(ctx, convKey); err == nil {
				v.Events, err = c.Store.ConversationEvents(ctx, convKey, 0, 0, timelineLimit)
			}
			if err != nil {
				c.fail(w, r, s, http.StatusServiceUnavailable, "err.store")
				return
			}
		}
	}
	c.render(w, r, http.StatusOK, "conversations.html", s, v)
}

func (c *Console) findConversation(ctx context.Context, q string) (string, error) {
	sinkID, key, found := strings.Cut(q, ":")
	if !found && c.Desk != nil && strings.HasPrefix(q, "LOCAL-") {
		sinkID, key, found = c.Desk.ID(), q, true
	}
	if found {
		l, err := c.Store.LinkByTicket(ctx, sinkID, key)
		if err != nil {
			return "", err
		}
		return l.ConvKey, nil
	}
	return q, nil
}

type deadView struct {
	Letters []jobs.DeadLetter
	Result  string
}

// deadShown bounds the dead-letter page.
const deadShown = 200

func (c *Console) deadLetters(w http.ResponseWriter, r *http.Request, s *session) {
	rows, err := jobs.DeadLetters(r.Context(), c.Queue, deadShown)
	if err != nil {
		c.fail(w, r, s, http.StatusServiceUnavailable, "err.store")
		return
	}
	c.render(w, r, http.StatusOK, "dead.html", s, deadView{Letters: jobs.Describe(rows), Result: r.URL.Query().Get("result")})
}

// ids reads the checked dead letters of a form.
func ids(r *http.Request) ([]int64, error) {
	_ = r.ParseForm()
	var out []int64
	for _, v := range r.PostForm["id"] {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return nil, fmt.Errorf("job id %q is not a number", v)
		}
		out = append(out, id)
	}
	if len(out) == 0 {
		return nil, errors.New("no dead letter selected")
	}
	return out, nil
}

// replay retries each selected dead letter and reports how many went
// back to the queue; one failure does not stop the others.
func (c *Console) replay(w http.ResponseWriter, r *http.Request, s *session) {
	list, err := ids(r)
	if err != nil {
		c.failDetail(w, r, s, http.StatusBadRequest, "err.invalid", err.Error())
		return
	}
	done, failed := c.eachJob(r, s, list, "console.dead_letter.replay", nil, func(ctx context.Context, id int64) error {
		return jobs.Replay(ctx, c.Queue, id)
	})
	c.afterJobs(w, r, "replayed", len(list), done, failed)
}

// jobDeleter is River's client beside store.Queue: discarding a dead
// letter deletes its job row.
type jobDeleter interface {
	JobDelete(ctx context.Context, id int64) (*rivertype.JobRow, error)
}

// maxReason bounds a discard reason.
const maxReason = 1000

func (c *Console) discard(w http.ResponseWriter, r *http.Request, s *session) {
	list, err := ids(r)
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	switch {
	case err != nil:
		c.failDetail(w, r, s, http.StatusBadRequest, "err.invalid", err.Error())
		return
	case reason == "" || len(reason) > maxReason:
		c.failDetail(w, r, s, http.StatusBadRequest, "err.reason", "")
		return
	}
	del, ok := c.Queue.(jobDeleter)
	if !ok {
		c.fail(w, r, s, http.StatusNotImplemented, "err.store")
		return
	}
	done, failed := c.eachJob(r, s, list, "console.dead_letter.discard", map[string]any{"reason": reason},
		func(ctx context.Context, id int64) error {
			job, err := c.Queue.JobGet(ctx, id)
			if err != nil {
				return err
			}
			if job.State != rivertype.JobStateDiscarded && job.State != rivertype.JobStateCancelled {
				return fmt.Errorf("job %d is %s, not a dead letter", id, job.State)
			}
			_, err = del.JobDelete(ctx, id)
			return err
		})
	c.afterJobs(w, r, "discarded", len(list), done, failed)
}

// eachJob applies fn to every id, auditing each success.
func (c *Console) eachJob(r *http.Request, s *session, list []int64, action string, detail map[string]any,
	fn func(context.Context, int64) error) (int, []string) {
	done := 0
	var failed []string
	for _, id := range list {
		if err := fn(r.Context(), id); err != nil {
			failed = append(failed, fmt.Sprintf("%d: %v", id, err))
			continue
		}
		done++
		d := map[string]any{}
		for k, v := range detail {
			d[k] = v
		}
		c.audit(r, s, action, "job/"+strconv.FormatInt(id, 10), d)
	}
	return done, failed
}

func (c *Console) afterJobs(w http.ResponseWriter, r *http.Request, what string, total, done int, failed []string) {
	result := fmt.Sprintf("%s %d of %d", what, done, total)
	if len(failed) > 0 {
		result += "; " + strings.Join(failed, "; ")
	}
	http.Redirect(w, r, "/console/ops/dead-letters?result="+urlQuery(result), http.StatusSeeOther)
}

type rulesView struct {
	Input   string
	Results []benchResult
	NoRules bool
}

type benchResult struct {
	Input string
	rules.EvalResult
	Error string
}

func (c *Console) rulesPage(w http.ResponseWriter, r *http.Request, s *session) {
	c.render(w, r, http.StatusOK, "rules.html", s, rulesView{NoRules: c.Rules == nil})
}

// maxBench bounds what the bench evaluates at once.
const maxBench = 1 << 20

// rulesEval runs pasted lines (or an uploaded JSONL file) through the
// same code as `ticketbridge rules eval`. Plain-text lines become
// messages of one conversation, so a propose then "yes" creates.
func (c *Console) rulesEval(w http.ResponseWriter, r *http.Request, s *session) {
	if c.Rules == nil {
		c.fail(w, r, s, http.StatusNotFound, "err.norules")
		return
	}
	input := r.PostFormValue("input")
	if f, _, err := r.FormFile("file"); err == nil {
		b, err := io.ReadAll(io.LimitReader(f, maxBench+1))
		f.Close()
		if err != nil || len(b) > maxBench {
			c.fail(w, r, s, http.StatusRequestEntityTooLarge, "err.toolarge")
			return
		}
		input = string(b)
	}
	if len(input) > maxBench {
		c.fail(w, r, s, http.StatusRequestEntityTooLarge, "err.toolarge")
		return
	}
	var lines, shown []string
	for line := range strings.Lines(input) {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		shown = append(shown, line)
		if !strings.HasPrefix(line, "{") {
			b, _ := json.Marshal(rules.EvalLine{Text: line, Conversation: "bench", Sender: "customer"})
			line = string(b)
		}
		lines = append(lines, line)
	}
	var out bytes.Buffer
	opts := rules.EvalOptions{Now: c.now, Preview: true}
	if err := rules.EvalStreamWith(c.Rules, strings.NewReader(strings.Join(lines, "\n")), &out, opts); err != nil {
		c.failDetail(w, r, s, http.StatusBadRequest, "err.invalid", err.Error())
		return
	}
	v := rulesView{Input: input}
	sc := bufio.NewScanner(&out)
	sc.Buffer(make([]byte, 64<<10), maxBench)
	for i := 0; sc.Scan() && i < len(shown); i++ {
		res := benchResult{Input: shown[i]}
		var e struct {
			Error string `json:"error"`
		}
		_ = json.Unmarshal(sc.Bytes(), &e)
		res.Error = e.Error
		if res.Error == "" {
			_ = json.Unmarshal(sc.Bytes(), &res.EvalResult)
		}
		v.Results = append(v.Results, res)
	}
	c.render(w, r, http.StatusOK, "rules.html", s, v)
}
