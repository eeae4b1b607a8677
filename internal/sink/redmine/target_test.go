package redmine_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"sync"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/sink/redmine"
	"github.com/ticketbridge/ticketbridge/internal/sink/redmine/redminefake"
)

// target is a Redmine the end-to-end tests run against, the fake or the
// real one .ci/redmine.sh starts, with what an agent does in the browser.
type target interface {
	URL() string
	Key() string         // the sink's key
	ReporterKey() string // a Reporter of the project (stock workflow)
	Project() string
	Issues(t *testing.T) []redmine.Issue // with journals and attachments
	AgentNote(t *testing.T, issue int, notes string, private bool)
	AgentStatus(t *testing.T, issue int, status string)
}

// targets are the fake and, when .ci/redmine.sh has been run, the real
// Redmine in a fresh project of the test's own.
func targets(t *testing.T) map[string]func(t *testing.T) target {
	return map[string]func(t *testing.T) target{
		"fake": func(t *testing.T) target { return fakeTarget{redminefake.New(t, redminefake.Options{})} },
		"real": func(t *testing.T) target {
			if os.Getenv("TICKETBRIDGE_TEST_REDMINE_URL") == "" {
				t.Skip(`TICKETBRIDGE_TEST_REDMINE_URL is not set: start the real Redmine with eval "$(.ci/redmine.sh)"`)
			}
			return newRealTarget(t)
		},
	}
}

type fakeTarget struct{ *redminefake.Server }

func (f fakeTarget) Key() string         { return redminefake.Key(redminefake.Admin) }
func (f fakeTarget) ReporterKey() string { return redminefake.Key(redminefake.Reporter) }
func (f fakeTarget) Project() string     { return redminefake.Project }
func (f fakeTarget) Issues(*testing.T) []redmine.Issue {
	var out []redmine.Issue
	for _, is := range f.Server.Issues() {
		out = append(out, is.Issue)
	}
	return out
}
func (f fakeTarget) AgentNote(_ *testing.T, issue int, notes string, private bool) {
	f.AddNote(issue, redminefake.Agent, notes, private)
}
func (f fakeTarget) AgentStatus(_ *testing.T, issue int, status string) {
	f.SetStatus(issue, redminefake.Agent, status)
}

// realTarget is a project of the real Redmine made for one test, with
// the agent as a Developer and the reporter as a Reporter in it.
//
// The real Redmine writes to one SQLite file, which takes one writer at
// a time; on a loaded machine parallel tests outwait its busy timeout
// and get 500s. So the tests against it take turns (realTurn).
type realTarget struct {
	url, admin, agent, reporter, project string
}

var realTurn sync.Mutex

func newRealTarget(t *testing.T) *realTarget {
	t.Helper()
	realTurn.Lock()
	t.Cleanup(realTurn.Unlock)
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	r := &realTarget{
		url:      os.Getenv("TICKETBRIDGE_TEST_REDMINE_URL"),
		admin:    os.Getenv("TICKETBRIDGE_TEST_REDMINE_KEY"),
		agent:    os.Getenv("TICKETBRIDGE_TEST_REDMINE_AGENT_KEY"),
		reporter: os.Getenv("TICKETBRIDGE_TEST_REDMINE_REPORTER_KEY"),
		project:  "tb-" + hex.EncodeToString(b),
	}
	r.do(t, r.admin, "POST", "/projects.json", map[string]any{"project": map[string]any{
		"name": r.project, "identifier": r.project, "is_public": false,
		"enabled_module_names": []string{"issue_tracking"}, "tracker_ids": []int{1, 2, 3},
	}}, nil)
	var roles struct {
		Roles []redmine.IDName `json:"roles"`
	}
	r.do(t, r.admin, "GET", "/roles.json", nil, &roles)
	role := map[string]int{}
	for _, ro := range roles.Roles {
		role[ro.Name] = ro.ID
	}
	for key, name := range map[string]string{r.agent: "Developer", r.reporter: "Reporter"} {
		var me redmine.CurrentUser
		r.do(t, key, "GET", "/users/current.json", nil, &me)
		r.do(t, r.admin, "POST", "/projects/"+r.project+"/memberships.json", map[string]any{"membership": map[string]any{
			"user_id": me.User.ID, "role_ids": []int{role[name]},
		}}, nil)
	}
	t.Cleanup(func() {
		if !t.Failed() {
			r.do(t, r.admin, "DELETE", "/projects/"+r.project+".json", nil, nil)
		}
	})
	return r
}

func (r *realTarget) URL() string         { return r.url }
func (r *realTarget) Key() string         { return r.admin }
func (r *realTarget) ReporterKey() string { return r.reporter }
func (r *realTarget) Project() string     { return r.project }

func (r *realTarget) Issues(t *testing.T) []redmine.Issue {
	var l redmine.IssueList
	r.do(t, r.admin, "GET", "/issues.json?status_id=*&sort=id&project_id="+r.project, nil, &l)
	out := make([]redmine.Issue, 0, len(l.Issues))
	for _, is := range l.Issues {
		var a redmine.IssueAnswer
		r.do(t, r.admin, "GET", "/issues/"+strconv.Itoa(is.ID)+".json?include=journals,attachments", nil, &a)
		out = append(out, a.Issue)
	}
	return out
}

func (r *realTarget) AgentNote(t *testing.T, issue int, notes string, private bool) {
	r.do(t, r.agent, "PUT", fmt.Sprintf("/issues/%d.json", issue), redmine.IssueWrite{Issue: redmine.IssueFields{Notes: notes, PrivateNotes: private}}, nil)
}

func (r *realTarget) AgentStatus(t *testing.T, issue int, status string) {
	var l redmine.StatusList
	r.do(t, r.agent, "GET", "/issue_statuses.json", nil, &l)
	for _, st := range l.IssueStatuses {
		if st.Name == status {
			r.do(t, r.agent, "PUT", fmt.Sprintf("/issues/%d.json", issue), redmine.IssueWrite{Issue: redmine.IssueFields{StatusID: st.ID}}, nil)
			return
		}
	}
	t.Fatalf("real Redmine has no status %q", status)
}

// do is a plain API call that must succeed.
func (r *realTarget) do(t *testing.T, key, method, path string, body, out any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		data, _ := json.Marshal(body)
		rd = bytes.NewReader(data)
	}
	req, _ := http.NewRequestWithContext(context.Background(), method, r.url+path, rd)
	req.Header.Set("X-Redmine-API-Key", key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode > 299 {
		t.Fatalf("%s %s: %s %s", method, path, resp.Status, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
	}
}
