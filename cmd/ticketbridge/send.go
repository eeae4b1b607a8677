package main

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/ticketbridge/ticketbridge/internal/stdwebhook"
)

func sendCmd() *cobra.Command {
	var (
		url, src, secret, conv, thread, sender, name, role, text, typ, command, action string
	)
	cmd := &cobra.Command{
		Use:   "send",
		Short: "Send a signed test event to a running server's generic source",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if secret == "" {
				b, err := os.ReadFile(filepath.Join(dataDir, "dev-secret"))
				if err != nil {
					return fmt.Errorf("no --secret given and no development secret in %s (run `ticketbridge serve` once in this directory to make one, or pass --secret whsec_…): %w", dataDir, err)
				}
				secret = strings.TrimSpace(string(b))
			}
			key, err := stdwebhook.ParseSecret(secret)
			if err != nil {
				return fmt.Errorf("--secret: %w", err)
			}
			ev := map[string]any{
				"type":         typ,
				"conversation": map[string]string{"id": conv, "thread": thread},
				"sender":       map[string]string{"id": sender, "name": name, "role": role},
				"text":         text, "command": command, "action": action,
			}
			body, _ := json.Marshal(ev)
			req, err := http.NewRequestWithContext(cmd.Context(), http.MethodPost, strings.TrimRight(url, "/")+"/hooks/im/"+src, bytes.NewReader(body))
			if err != nil {
				return fmt.Errorf("build request: %w", err)
			}
			req.Header.Set("Content-Type", "application/json")
			// Ask for the counts: a platform gets a bare 200, a person wants
			// to see whether the event was new or a redelivery.
			req.Header.Set("Accept", "application/json")
			stdwebhook.SetHeaders(req.Header, key, "msg_"+randomHex(12), time.Now(), body)
			resp, err := http.DefaultClient.Do(req)
			if errors.Is(err, syscall.ECONNREFUSED) {
				return fmt.Errorf("send event to %s: no server is listening there; start one with `ticketbridge serve` in another terminal, or point --url at yours: %w", req.URL, err)
			}
			if err != nil {
				return fmt.Errorf("send event to %s: %w", req.URL, err)
			}
			defer resp.Body.Close()
			out, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
			// The answer may lack a final newline; the next prompt should
			// still start on its own line.
			fmt.Fprintf(cmd.OutOrStdout(), "%s %s\n", resp.Status, bytes.TrimRight(out, "\n"))
			if resp.StatusCode >= 300 {
				return fmt.Errorf("server answered %s", resp.Status)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&url, "url", "http://127.0.0.1:8080", "server base URL")
	f.StringVar(&src, "source", "chat", "source id")
	f.StringVar(&secret, "secret", "", "the source's whsec_ secret (default: the development secret under ./data)")
	f.StringVar(&conv, "conversation", "demo-conversation", "conversation id")
	f.StringVar(&thread, "thread", "", "thread id")
	f.StringVar(&sender, "sender", "customer-1", "sender id")
	f.StringVar(&name, "name", "Test Customer", "sender display name")
	f.StringVar(&role, "role", "customer", "sender role: customer, agent or bot")
	f.StringVar(&text, "text", "", "message text")
	f.StringVar(&typ, "type", "message", "event type: message, command, reaction, …")
	f.StringVar(&command, "command", "", "command name for type command")
	f.StringVar(&action, "action", "", "button action: confirm or reject")
	return cmd
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
