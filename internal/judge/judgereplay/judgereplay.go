// Package judgereplay measures the LLM judge with verdicts recorded once.
// Recorder is an OpenAI-compatible chat-completions endpoint that writes
// every question it is asked (the judge's user turn, already masked) and
// answers 503, so the local decision stands; Replayer answers each
// question from verdicts an LLM gave beforehand. `rules eval --judge`
// against a Replayer measures that LLM through the judge's own code path,
// as often as needed, without the LLM running (eval/judgereplay serves
// both; docs/bench/session23 holds recorded verdicts).
//
// A question is keyed by a hash of the system prompt and the user turn,
// so verdicts given under one prompt never answer another.
package judgereplay

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"sync"
)

// Question is one line of a recording.
type Question struct {
	ID   string `json:"id"`
	Text string `json:"text"`
}

// Answer is one line of a file of verdicts.
type Answer struct {
	ID      string `json:"id"`
	Problem *bool  `json:"problem"`
	Reason  string `json:"reason"`
}

type chatRequest struct {
	Messages []struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	} `json:"messages"`
}

// ReadAnswers reads a JSONL file of verdicts, keyed by question id.
func ReadAnswers(path string) (map[string]Answer, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open the answers: %w", err)
	}
	defer f.Close()
	out := map[string]Answer{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for n := 1; sc.Scan(); n++ {
		var a Answer
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil || a.ID == "" || a.Problem == nil {
			return nil, fmt.Errorf("%s:%d: want {\"id\", \"problem\", \"reason\"}", path, n)
		}
		out[a.ID] = a
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read the answers: %w", err)
	}
	return out, nil
}

// Recorder writes each new question to w as a JSON line and answers 503.
func Recorder(w io.Writer) http.Handler {
	var mu sync.Mutex
	seen := map[string]bool{}
	return serve(func(rw http.ResponseWriter, id, user string) {
		mu.Lock()
		if !seen[id] {
			seen[id] = true
			line, _ := json.Marshal(Question{ID: id, Text: user})
			if _, err := w.Write(append(line, '\n')); err != nil {
				slog.Error("record a question", "id", id, "error", err)
			}
		}
		mu.Unlock()
		http.Error(rw, "recorded, not answered", http.StatusServiceUnavailable)
	})
}

// Replayer answers each question with its verdict in answers, and an
// unknown one with 500, which the judge counts as an error.
func Replayer(answers map[string]Answer) http.Handler {
	return serve(func(rw http.ResponseWriter, id, _ string) {
		a, ok := answers[id]
		if !ok {
			slog.Warn("no recorded answer", "id", id)
			http.Error(rw, "no recorded answer for "+id, http.StatusInternalServerError)
			return
		}
		verdict, _ := json.Marshal(map[string]any{"problem": *a.Problem, "reason": a.Reason})
		rw.Header().Set("Content-Type", "application/json")
		json.NewEncoder(rw).Encode(map[string]any{
			"object":  "chat.completion",
			"choices": []map[string]any{{"index": 0, "finish_reason": "stop", "message": map[string]string{"role": "assistant", "content": string(verdict)}}},
		})
	})
}

// serve decodes a chat-completions request and hands its key and user
// turn to answer.
func serve(answer func(rw http.ResponseWriter, id, user string)) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/chat/completions", func(rw http.ResponseWriter, r *http.Request) {
		var req chatRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(rw, "bad request body: "+err.Error(), http.StatusBadRequest)
			return
		}
		id, user := key(req)
		answer(rw, id, user)
	})
	return mux
}

// key names a question by its system prompt and user turn.
func key(req chatRequest) (id, user string) {
	h := sha256.New()
	for _, m := range req.Messages {
		h.Write([]byte(m.Role + "\x00" + m.Content + "\x00"))
		if m.Role == "user" {
			user = m.Content
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:16], user
}
