package judgereplay

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/judge"
)

// TestRecordThenReplay asks through the judge's own client: recording
// leaves the question in the file once and the local decision standing,
// and the verdict written for that question is what a replay answers.
func TestRecordThenReplay(t *testing.T) {
	t.Parallel()
	var recorded bytes.Buffer
	rec := httptest.NewServer(Recorder(&recorded))
	defer rec.Close()
	ask := func(url, text string) (judge.Verdict, error) {
		j := judge.New(config.Judge{URL: url + "/v1", Model: "m", APIKey: "k"}, judge.Options{})
		return j.Ask(context.Background(), text)
	}
	for range 2 {
		if _, err := ask(rec.URL, "the parcel never came"); err == nil {
			t.Fatal("recording answered a verdict; want an error so the local decision stands")
		}
	}
	var q Question
	if err := json.Unmarshal(recorded.Bytes(), &q); err != nil || q.Text != "the parcel never came" || strings.Count(recorded.String(), "\n") != 1 {
		t.Fatalf("recorded %q, want the question once", recorded.String())
	}

	answers := writeAnswers(t, `{"id":"`+q.ID+`","problem":true,"reason":"missing parcel"}`+"\n")
	a, err := ReadAnswers(answers)
	if err != nil {
		t.Fatal(err)
	}
	rep := httptest.NewServer(Replayer(a))
	defer rep.Close()
	v, err := ask(rep.URL, "the parcel never came")
	if err != nil || !v.Problem || v.Reason != "missing parcel" {
		t.Errorf("replay: %+v, %v; want the recorded verdict", v, err)
	}
	if _, err := ask(rep.URL, "a question nobody answered"); err == nil {
		t.Error("replay answered an unknown question")
	}
}

func TestReadAnswersNamesTheBadLine(t *testing.T) {
	t.Parallel()
	path := writeAnswers(t, `{"id":"a","problem":false,"reason":"thanks"}`+"\n"+`{"id":"b","reason":"no verdict"}`+"\n")
	if _, err := ReadAnswers(path); err == nil || !strings.Contains(err.Error(), path+":2:") {
		t.Errorf("err = %v, want it to name %s:2", err, path)
	}
}

func writeAnswers(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "answers.jsonl")
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
