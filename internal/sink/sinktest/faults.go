package sinktest

import (
	"io"
	"net/http"
	"slices"
	"sync"
)

// Fault is a canned error answer a fake gives to one request.
type Fault struct {
	Method, Path string
	Status       int
	Header       http.Header
	// Body, when set, is sent as JSON.
	Body string
}

// Faults is a fake's queue of faults: each is given once, to the first
// request with its method and path, before the fake's own handling.
type Faults struct {
	mu   sync.Mutex
	list []Fault
}

// Add queues f.
func (q *Faults) Add(f Fault) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.list = append(q.list, f)
}

// Serve answers with the first fault queued for method and path, taking
// it off the queue, and reports whether there was one.
func (q *Faults) Serve(w http.ResponseWriter, method, path string) bool {
	q.mu.Lock()
	i := slices.IndexFunc(q.list, func(f Fault) bool { return f.Method == method && f.Path == path })
	if i < 0 {
		q.mu.Unlock()
		return false
	}
	f := q.list[i]
	q.list = slices.Delete(q.list, i, i+1)
	q.mu.Unlock()
	for k, v := range f.Header {
		w.Header()[k] = v
	}
	if f.Body != "" {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(f.Status)
	_, _ = io.WriteString(w, f.Body)
	return true
}
