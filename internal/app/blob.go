package app

import (
	"context"
	"crypto/rand"
	"fmt"

	"github.com/ticketbridge/ticketbridge/internal/blob"
	"github.com/ticketbridge/ticketbridge/internal/blob/s3"
	"github.com/ticketbridge/ticketbridge/internal/config"
)

// blobStore builds the attachment store and the signer of its links.
func blobStore(ctx context.Context, cfg config.Blob, publicURL string, opts Options) (blob.Store, *blob.Links, error) {
	var (
		fs  blob.Store
		err error
	)
	switch cfg.Driver {
	case "s3":
		fs, err = s3.New(ctx, s3.Settings{Endpoint: cfg.S3.Endpoint, Bucket: cfg.S3.Bucket, Region: cfg.S3.Region,
			AccessKey: cfg.S3.AccessKey, SecretKey: cfg.S3.SecretKey, UseSSL: cfg.S3.UseSSL, Prefix: cfg.S3.Prefix, PartSize: cfg.S3.PartSize})
	default:
		fs, err = blob.NewFS(cfg.Dir)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("open blob store: %w", err)
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
