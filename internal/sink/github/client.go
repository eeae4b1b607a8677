package github

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/sink/sinkhttp"
	"github.com/ticketbridge/ticketbridge/internal/stdwebhook"
)

// newClient authenticates in the dialect's way: GitHub wants a Bearer
// token, its media type and API version; Gitea "token <token>".
func newClient(hc *http.Client, base, token string, github bool, now func() time.Time) *sinkhttp.Client {
	c := &sinkhttp.Client{HTTP: hc, Base: base, Now: now}
	c.Auth = func(h http.Header) {
		if github {
			h.Set("Authorization", "Bearer "+token)
			h.Set("Accept", "application/vnd.github+json")
			h.Set("X-GitHub-Api-Version", "2022-11-28")
			return
		}
		h.Set("Authorization", "token "+token)
	}
	c.Classify = func(op string, resp *http.Response, data []byte) error { return failure(op, resp, data, now()) }
	return c
}

// failure classifies an error answer. GitHub signals its rate limits with
// 403 as well as 429: the primary limit by x-ratelimit-remaining: 0 (wait
// until x-ratelimit-reset), a secondary limit by Retry-After or a message
// about it (wait at least a minute, GitHub's advice). Those 403s are
// worth retrying; other 403s are not.
func failure(op string, resp *http.Response, data []byte, now time.Time) error {
	msg := stdwebhook.ErrorMessage(data)
	wait := stdwebhook.ParseRetryAfter(resp.Header.Get("Retry-After"), now)
	limited := resp.StatusCode == http.StatusTooManyRequests || wait > 0 && resp.StatusCode == http.StatusForbidden
	if resp.Header.Get("X-Ratelimit-Remaining") == "0" && (resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusTooManyRequests) {
		limited = true
		if reset, err := strconv.ParseInt(resp.Header.Get("X-Ratelimit-Reset"), 10, 64); err == nil && wait == 0 {
			if at := time.Unix(reset, 0); at.After(now) {
				wait = at.Sub(now)
			}
		}
	}
	if resp.StatusCode == http.StatusForbidden && strings.Contains(strings.ToLower(msg), "secondary rate limit") {
		limited = true
		if wait == 0 {
			wait = time.Minute
		}
	}
	if limited {
		return &core.CallError{Op: op, Status: resp.StatusCode, Message: msg, RetryAfter: wait}
	}
	return core.ClassifyStatus(op, resp.StatusCode, msg, wait)
}
