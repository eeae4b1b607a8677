// Command judgereplay is an OpenAI-compatible chat-completions endpoint
// for measuring the LLM judge with answers recorded once: with -record it
// writes every question it is asked (the judge's user turn, already
// masked) to a file and answers 503, so the local decision stands; with
// -answers it answers each question from a file of verdicts made by an
// LLM beforehand. `rules eval --judge` then measures that LLM through the
// judge's own code path, as often as needed, without the LLM running.
//
// A question is keyed by a hash of the system prompt and the user turn,
// so verdicts given under one prompt never answer another.
package main

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"sync"
)

// question is one line of a -record file.
type question struct {
	ID   string `json:"id"`
	Text string `json:"text"`
}

// answer is one line of an -answers file.
type answer struct {
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

// server records questions when record is set, else answers them.
type server struct {
	mu      sync.Mutex
	record  io.Writer
	seen    map[string]bool
	answers map[string]answer
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8089", "address to listen on")
	record := flag.String("record", "", "append each new question to this JSONL file and answer 503")
	answers := flag.String("answers", "", "answer from this JSONL file of verdicts")
	flag.Parse()
	if err := run(*addr, *record, *answers); err != nil {
		fmt.Fprintln(os.Stderr, "judgereplay:", err)
		os.Exit(1)
	}
}

func run(addr, record, answers string) error {
	if (record == "") == (answers == "") {
		return errors.New("give exactly one of -record and -answers")
	}
	s := &server{seen: map[string]bool{}}
	if record != "" {
		f, err := os.OpenFile(record, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			return fmt.Errorf("open the record file: %w", err)
		}
		defer f.Close()
		s.record = f
	} else {
		a, err := readAnswers(answers)
		if err != nil {
			return err
		}
		s.answers = a
		slog.Info("answers loaded", "count", len(a))
	}
	return http.ListenAndServe(addr, s.handler())
}

func (s *server) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/chat/completions", s.complete)
	return mux
}

func readAnswers(path string) (map[string]answer, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open the answers: %w", err)
	}
	defer f.Close()
	out := map[string]answer{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for n := 1; sc.Scan(); n++ {
		var a answer
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil || a.ID == "" || a.Problem == nil {
			return nil, fmt.Errorf("%s:%d: want {\"id\", \"problem\", \"reason\"}", path, n)
		}
		out[a.ID] = a
	}
	return out, sc.Err()
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

func (s *server) complete(w http.ResponseWriter, r *http.Request) {
	var req chatRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, "bad request body: "+err.Error(), http.StatusBadRequest)
		return
	}
	id, user := key(req)
	if s.record != nil {
		s.remember(id, user)
		http.Error(w, "recorded, not answered", http.StatusServiceUnavailable)
		return
	}
	a, ok := s.answers[id]
	if !ok {
		slog.Warn("no recorded answer", "id", id)
		http.Error(w, "no recorded answer for "+id, http.StatusInternalServerError)
		return
	}
	verdict, _ := json.Marshal(map[string]any{"problem": *a.Problem, "reason": a.Reason})
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{
		"object":  "chat.completion",
		"choices": []map[string]any{{"index": 0, "finish_reason": "stop", "message": map[string]string{"role": "assistant", "content": string(verdict)}}},
	})
}

func (s *server) remember(id, user string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seen[id] {
		return
	}
	s.seen[id] = true
	line, _ := json.Marshal(question{ID: id, Text: user})
	if _, err := s.record.Write(append(line, '\n')); err != nil {
		slog.Error("record a question", "id", id, "error", err)
	}
}
