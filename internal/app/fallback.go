package app

import (
	"fmt"

	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/fallback"
)

// fallbacks builds each route's fallback channels; a channel that cannot
// be built is a problem at its place in the config.
func fallbacks(cfg *config.Config, opts Options) (map[string][]fallback.Channel, config.Problems) {
	var problems config.Problems
	out := map[string][]fallback.Channel{}
	smtp := fallback.SMTPConfig{Host: cfg.SMTP.Host, Port: cfg.SMTP.Port, Username: cfg.SMTP.Username,
		Password: cfg.SMTP.Password, From: cfg.SMTP.From, TLS: cfg.SMTP.TLS}
	for i, r := range cfg.Routes {
		for j, f := range r.Fallback {
			ch, err := fallback.New(fallback.Spec{Type: f.Type, Name: f.Name, Webhook: f.Webhook, Secret: f.Secret, To: f.To, Subject: f.Subject},
				fallback.Deps{HTTP: opts.HTTP, SMTP: smtp, Now: opts.Now})
			if err != nil {
				problems = append(problems, cfg.Problem(fmt.Sprintf("routes[%d].fallback[%d]", i, j), err.Error()))
				continue
			}
			out[r.Name] = append(out[r.Name], ch)
		}
	}
	return out, problems
}
