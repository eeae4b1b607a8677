// Package judge asks an LLM whether a chat message reports a problem, for
// the messages the intent model is unsure of. It speaks the OpenAI
// chat-completions protocol (vLLM, Ollama, DeepSeek, Qwen and most
// gateways serve it), masks personal data in the question and in the
// answer, and gives up quickly: past its timeout, its budget per minute,
// or on any error, the model's own decision stands.
package judge

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/redact"
)

// Errors for a question left unasked or unanswered.
var (
	ErrBudget     = errors.New("judge budget for this minute is spent")
	ErrCoolingOff = errors.New("judge asked us to slow down")
	ErrAnswer     = errors.New("judge answer is not a verdict")
)

// Options are a judge's dependencies.
type Options struct {
	// HTTP sends the requests; the app gives its outbound-guarded client.
	HTTP *http.Client
	// Redactor and Policy mask the message before it leaves and the
	// answer before it is kept (nil Redactor: nothing is masked).
	Redactor *redact.Redactor
	Policy   redact.Policy
	Now      func() time.Time
	Log      *slog.Logger
	// Requests (labels route, result) and Duration (label route), when
	// set, count every question by its Result and time the asked ones.
	Requests *prometheus.CounterVec
	Duration *prometheus.HistogramVec
	// Route labels the metrics; NewSet sets it per route.
	Route string
}

// Results of a question, the result label of the requests metric. Every
// question is cached (answered from an earlier verdict, never sent),
// over_budget (never sent) or asked; every asked one ends answered,
// timeout or error.
const (
	ResultAsked      = "asked"
	ResultAnswered   = "answered"
	ResultTimeout    = "timeout"
	ResultError      = "error"
	ResultOverBudget = "over_budget"
	ResultCached     = "cached"
)

// The judge keeps the verdicts of short messages: replies such as "nope"
// or "收到了" recur across conversations, and the same message under the
// same prompt and model gets the same verdict, so each costs the budget
// and the wait once. cacheSize bounds how many are kept (the oldest go
// first) and cacheText the length of a message kept, in bytes.
const (
	cacheSize = 4096
	cacheText = 256
)

// Verdict is the judge's answer.
type Verdict struct {
	Problem bool
	// Reason is the judge's own words, masked and at most 200 bytes.
	Reason string
}

// Judge asks one endpoint. It is safe for concurrent use.
type Judge struct {
	cfg  config.Judge
	opts Options

	mu      sync.Mutex
	window  time.Time // start of the current minute of budget
	used    int       // questions asked in it
	coolTil time.Time // no questions before this (after a 429)
	kept    map[string]Verdict
	order   []string // keys of kept, oldest at next once full
	next    int
}

// New builds a judge from a defaulted config.Judge.
func New(cfg config.Judge, opts Options) *Judge {
	if opts.HTTP == nil {
		opts.HTTP = http.DefaultClient
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = config.DefaultJudgeTimeout
	}
	if cfg.PerMinute <= 0 {
		cfg.PerMinute = config.DefaultJudgePerMinute
	}
	return &Judge{cfg: cfg, opts: opts, kept: map[string]Verdict{}}
}

// cached returns the verdict given earlier on the same masked message.
func (j *Judge) cached(masked string) (Verdict, bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	v, ok := j.kept[masked]
	return v, ok
}

// keep remembers a verdict on a short masked message, forgetting the
// oldest once cacheSize are kept.
func (j *Judge) keep(masked string, v Verdict) {
	if len(masked) > cacheText {
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if _, ok := j.kept[masked]; ok {
		return
	}
	if len(j.order) < cacheSize {
		j.order = append(j.order, masked)
	} else {
		delete(j.kept, j.order[j.next])
		j.order[j.next] = masked
		j.next = (j.next + 1) % cacheSize
	}
	j.kept[masked] = v
}

// take spends one question of the minute's budget.
func (j *Judge) take() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	now := j.opts.Now()
	if now.Before(j.coolTil) {
		return ErrCoolingOff
	}
	if now.Sub(j.window) >= time.Minute {
		j.window, j.used = now, 0
	}
	if j.used >= j.cfg.PerMinute {
		return ErrBudget
	}
	j.used++
	return nil
}

// coolOff stops questions until the endpoint's Retry-After (a minute when
// it gives none).
func (j *Judge) coolOff(retryAfter string) {
	d := time.Minute
	if s, err := strconv.Atoi(strings.TrimSpace(retryAfter)); err == nil && s >= 0 && s <= 3600 {
		d = time.Duration(s) * time.Second
	}
	j.mu.Lock()
	j.coolTil = j.opts.Now().Add(d)
	j.mu.Unlock()
}

func (j *Judge) mask(s string) string {
	if j.opts.Redactor == nil {
		return s
	}
	return j.opts.Redactor.Mask(s, j.opts.Policy)
}

func (j *Judge) count(result string) {
	if j.opts.Requests != nil {
		j.opts.Requests.WithLabelValues(j.opts.Route, result).Inc()
	}
}

// Ask asks whether text reports a problem that needs a support ticket.
func (j *Judge) Ask(ctx context.Context, text string) (Verdict, error) {
	masked := j.mask(text)
	if v, ok := j.cached(masked); ok {
		j.count(ResultCached)
		return v, nil
	}
	if err := j.take(); err != nil {
		j.count(ResultOverBudget)
		return Verdict{}, err
	}
	j.count(ResultAsked)
	start := j.opts.Now()
	v, err := j.ask(ctx, masked)
	if err == nil {
		j.keep(masked, v)
	}
	if j.opts.Duration != nil {
		j.opts.Duration.WithLabelValues(j.opts.Route).Observe(j.opts.Now().Sub(start).Seconds())
	}
	switch {
	case err == nil:
		j.count(ResultAnswered)
	case errors.Is(err, context.DeadlineExceeded):
		j.count(ResultTimeout)
	default:
		j.count(ResultError)
	}
	return v, err
}

// ask sends one question; masked is the message already masked.
func (j *Judge) ask(ctx context.Context, masked string) (Verdict, error) {
	ctx, cancel := context.WithTimeout(ctx, j.cfg.Timeout)
	defer cancel()
	body, err := json.Marshal(request(j.cfg.Model, masked))
	if err != nil {
		return Verdict{}, fmt.Errorf("encode judge request: %w", err)
	}
	url := strings.TrimSuffix(j.cfg.URL, "/") + "/chat/completions"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return Verdict{}, fmt.Errorf("judge request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	if j.cfg.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+j.cfg.APIKey)
	}
	resp, err := j.opts.HTTP.Do(req)
	if err != nil {
		return Verdict{}, fmt.Errorf("ask judge: %w", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return Verdict{}, fmt.Errorf("read judge answer: %w", err)
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		j.coolOff(resp.Header.Get("Retry-After"))
		return Verdict{}, fmt.Errorf("judge: %s: %w", resp.Status, ErrCoolingOff)
	case resp.StatusCode/100 != 2:
		return Verdict{}, fmt.Errorf("judge: %s", resp.Status)
	}
	v, err := parse(raw)
	if err != nil {
		return Verdict{}, err
	}
	v.Reason = truncate(j.mask(v.Reason), 200)
	return v, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !isRuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }
