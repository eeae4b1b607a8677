package app

import (
	"crypto/rand"
	"fmt"

	"github.com/ticketbridge/ticketbridge/internal/blob"
	"github.com/ticketbridge/ticketbridge/internal/config"
)

// blobStore builds the attachment store and the signer of its links.
func blobStore(cfg config.Blob, publicURL string, opts Options) (blob.Store, *blob.Links, error) {
	fs, err := blob.NewFS(cfg.Dir)
	if err != nil {
		return nil, nil, err
	}
	secret := []byte(cfg.LinkSecret)
	if len(secret) == 0 {
		secret = make([]byte, 32)
		if _, err := rand.Read(secret); err != nil {
			return nil, nil, fmt.Errorf("make link secret: %w", err)
		}
		opts.Log.Warn("blob.link_secret is not set: file links given to tickets stop working when this process ends")
	}
	return fs, &blob.Links{Store: fs, Secret: secret, BaseURL: publicURL, TTL: cfg.LinkTTL, Now: opts.Now}, nil
}

func blobLimits(cfg config.Blob) blob.Limits {
	allowed := cfg.AllowedTypes
	if len(allowed) == 0 {
		allowed = blob.DefaultAllowed
	}
	return blob.Limits{MaxBytes: cfg.MaxBytes, Allowed: allowed}
}
