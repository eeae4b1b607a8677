// Package judgefake is an OpenAI-compatible chat-completions endpoint for
// tests: it checks requests the way the real APIs do (method, path,
// bearer key, JSON with a model and messages) and answers as told,
// including the failures a judge must survive: slowness, 5xx, 429 with
// Retry-After, and bodies that are not a verdict.
package judgefake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// Behaviour is how the fake answers.
type Behaviour string

// Behaviours.
const (
	// Verdict answers {"problem": …} by Decide (the default).
	Verdict Behaviour = "verdict"
	// Hang never answers; the request ends when its client gives up.
	Hang Behaviour = "hang"
	// Fail answers 500 with an OpenAI-style error body.
	Fail Behaviour = "fail"
	// RateLimit answers 429 with Retry-After: 30.
	RateLimit Behaviour = "rate_limit"
	// Garbage answers 200 with a body that is not JSON.
	Garbage Behaviour = "garbage"
	// Prose answers 200 with a chat completion whose content is words,
	// not the JSON the prompt asked for.
	Prose Behaviour = "prose"
)

// Request is what the fake received.
type Request struct {
	Model    string
	System   string
	User     string
	Auth     string
	MaxToken int
}

// Server is a running fake.
type Server struct {
	*httptest.Server
	Key string

	mu        sync.Mutex
	behaviour Behaviour
	decide    func(user string) (bool, string)
	requests  []Request
}

// New starts a fake that wants key as its bearer token and answers by
// decide (problem, reason) for the user's message.
func New(t testing.TB, key string, decide func(user string) (bool, string)) *Server {
	s := &Server{Key: key, behaviour: Verdict, decide: decide}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// URL is the base URL to configure (the API's /v1).
func (s *Server) BaseURL() string { return s.Server.URL + "/v1" }

// Set changes how the fake answers from now on.
func (s *Server) Set(b Behaviour) {
	s.mu.Lock()
	s.behaviour = b
	s.mu.Unlock()
}

// Requests returns what the fake has received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

func apiError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"error":{"message":%q,"type":%q,"param":null,"code":null}}`, msg, typ)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v1/chat/completions" {
		apiError(w, http.StatusNotFound, "invalid_request_error", "unknown url "+r.URL.Path)
		return
	}
	auth := r.Header.Get("Authorization")
	if s.Key != "" && auth != "Bearer "+s.Key {
		apiError(w, http.StatusUnauthorized, "invalid_request_error", "Incorrect API key provided")
		return
	}
	var body struct {
		Model    string `json:"model"`
		Messages []struct {
			Role    string `json:"role"`
			Content string `json:"content"`
		} `json:"messages"`
		MaxTokens int `json:"max_tokens"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.Model == "" || len(body.Messages) == 0 {
		apiError(w, http.StatusBadRequest, "invalid_request_error", "model and messages are required")
		return
	}
	req := Request{Model: body.Model, Auth: auth, MaxToken: body.MaxTokens}
	for _, m := range body.Messages {
		switch m.Role {
		case "system":
			req.System = m.Content
		case "user":
			req.User = m.Content
		}
	}
	s.mu.Lock()
	s.requests = append(s.requests, req)
	b := s.behaviour
	s.mu.Unlock()

	switch b {
	case Hang:
		<-r.Context().Done()
		return
	case Fail:
		apiError(w, http.StatusInternalServerError, "server_error", "The server had an error while processing your request")
		return
	case RateLimit:
		w.Header().Set("Retry-After", "30")
		apiError(w, http.StatusTooManyRequests, "rate_limit_exceeded", "Rate limit reached for requests")
		return
	case Garbage:
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `<html>502 Bad Gateway</html>`)
		return
	}
	content := "I think this is probably a problem."
	if b == Verdict {
		problem, reason := s.decide(req.User)
		out, _ := json.Marshal(map[string]any{"problem": problem, "reason": reason})
		content = "```json\n" + string(out) + "\n```"
	}
	w.Header().Set("Content-Type", "application/json")
	resp := map[string]any{
		"id": "chatcmpl-fake", "object": "chat.completion", "created": 1764806400, "model": body.Model,
		"choices": []any{map[string]any{"index": 0, "finish_reason": "stop",
			"message": map[string]any{"role": "assistant", "content": content}}},
		"usage": map[string]int{"prompt_tokens": len(strings.Fields(req.System + req.User)), "completion_tokens": 12, "total_tokens": 0},
	}
	_ = json.NewEncoder(w).Encode(resp)
}
