package wecomkf

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

// FetchAttachment streams a customer's file from media/get (kept three
// days).
func (s *Source) FetchAttachment(ctx context.Context, a core.Attachment) (io.ReadCloser, core.Attachment, error) {
	return s.api.Media(ctx, "fetch attachment", a)
}

// Check asks for a fresh access token: it proves corp_id and secret are
// right and the API is reachable, and changes nothing.
func (s *Source) Check(ctx context.Context) error {
	_, err := s.api.AccessToken(ctx, true)
	var ce *core.CallError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ce) && ce.Status == http.StatusOK:
		return fmt.Errorf("wecom refused the 微信客服 credentials (check corp_id and secret): %s", ce.Message)
	default:
		return fmt.Errorf("wecom api not reachable at %s: %w", s.api.Base, err)
	}
}
