package core

import (
	"errors"
	"fmt"
	"time"
)

// CallError is a failed call to a platform or ticket system. It says whether
// trying again can help, and carries the remote side's own message.
type CallError struct {
	// Op is what was attempted ("create ticket", "post message").
	Op string
	// Status is the HTTP status, 0 when the request never got an answer.
	Status int
	// Message is the remote side's explanation, verbatim.
	Message string
	// Permanent means retrying the same request cannot succeed.
	Permanent bool
	// RetryAfter is how long the remote side asked us to wait (429/503).
	RetryAfter time.Duration
	Err        error
}

func (e *CallError) Error() string {
	s := e.Op
	if e.Status != 0 {
		s += fmt.Sprintf(": status %d", e.Status)
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *CallError) Unwrap() error { return e.Err }

// IsPermanent reports whether err says that retrying cannot help.
func IsPermanent(err error) bool {
	var ce *CallError
	return errors.As(err, &ce) && ce.Permanent
}

// RetryAfterOf returns the wait the remote side asked for, if any.
func RetryAfterOf(err error) (time.Duration, bool) {
	var ce *CallError
	if errors.As(err, &ce) && ce.RetryAfter > 0 {
		return ce.RetryAfter, true
	}
	return 0, false
}

// ClassifyStatus builds the CallError for an HTTP answer: 4xx other than
// 408/409/425/429 are permanent, everything else is worth retrying.
func ClassifyStatus(op string, status int, message string, retryAfter time.Duration) *CallError {
	permanent := status >= 400 && status < 500 &&
		status != 408 && status != 409 && status != 425 && status != 429
	return &CallError{Op: op, Status: status, Message: message, Permanent: permanent, RetryAfter: retryAfter}
}

// Sentinel errors for rejected inbound requests; ingress maps them to
// status codes.
var (
	ErrBadSignature = errors.New("bad signature")
	ErrStale        = errors.New("timestamp outside the allowed window")
	ErrMalformed    = errors.New("malformed body")
	// ErrUnavailable: reading the request needed a call to the platform
	// (WeCom 微信客服's sync_msg) that failed; the platform delivers again.
	ErrUnavailable = errors.New("the platform's api did not answer")
)

// ErrSendRefused is wrapped by a post the platform refused under its own
// reply rules (WeCom 微信客服: 48 hours after the customer's last message,
// 5 messages per customer message): it is permanent, and the notice goes
// to the route's fallback channels.
var ErrSendRefused = errors.New("the platform's reply rules refuse the message")
