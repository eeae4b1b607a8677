package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/ticketbridge/ticketbridge/internal/store"
)

func chatCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "chat", Short: "Read the chat inbox: the bot's messages to sources without a reply_url"}
	tail := &cobra.Command{
		Use:   "tail",
		Short: "Print the bot's latest messages (oldest first); --follow keeps printing new ones",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			n, _ := cmd.Flags().GetInt("lines")
			if n < 1 || n > maxListLimit {
				return fmt.Errorf("--lines must be between 1 and %d", maxListLimit)
			}
			cfg, err := loadConfig(cmd)
			if err != nil {
				return err
			}
			st, _, err := openStore(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			defer st.Close()
			inbox, ok := st.(store.ChatInbox)
			if !ok {
				return fmt.Errorf("the %s store keeps no chat inbox", cfg.Storage.Driver)
			}
			q := store.ChatInboxQuery{}
			q.Source, _ = cmd.Flags().GetString("source")
			q.Conversation, _ = cmd.Flags().GetString("conversation")
			asJSON, _ := cmd.Flags().GetBool("json")
			follow, _ := cmd.Flags().GetBool("follow")
			msgs, err := lastMessages(cmd.Context(), inbox, q, n)
			if err != nil {
				return err
			}
			for {
				for _, m := range msgs {
					if err := printMessage(cmd.OutOrStdout(), m, asJSON); err != nil {
						return err
					}
					q.After = m.ID
				}
				if !follow {
					return nil
				}
				select {
				case <-cmd.Context().Done():
					return nil
				case <-time.After(500 * time.Millisecond):
				}
				q.Limit = maxListLimit
				if msgs, err = inbox.ChatInboxList(cmd.Context(), q); err != nil {
					return err
				}
			}
		},
	}
	tail.Flags().IntP("lines", "n", 20, "how many of the latest messages to print first")
	tail.Flags().String("source", "", "only this source's messages")
	tail.Flags().String("conversation", "", "only this conversation's messages")
	tail.Flags().BoolP("follow", "f", false, "keep printing new messages until interrupted")
	tail.Flags().Bool("json", false, "one JSON object per line")
	addConfigFlag(tail)
	cmd.AddCommand(tail)
	return cmd
}

// lastMessages pages through the inbox and keeps the last n; the inbox
// lists oldest first and grows only at the end.
func lastMessages(ctx context.Context, inbox store.ChatInbox, q store.ChatInboxQuery, n int) ([]store.ChatMessage, error) {
	var last []store.ChatMessage
	q.Limit = maxListLimit
	for {
		page, err := inbox.ChatInboxList(ctx, q)
		if err != nil {
			return nil, err
		}
		last = append(last, page...)
		if len(last) > n {
			last = last[len(last)-n:]
		}
		if len(page) < q.Limit {
			return last, nil
		}
		q.After = page[len(page)-1].ID
	}
}

func printMessage(w io.Writer, m store.ChatMessage, asJSON bool) error {
	if asJSON {
		return json.NewEncoder(w).Encode(m)
	}
	conv := m.Source + "/" + m.Conversation
	if m.Thread != "" {
		conv += "/" + m.Thread
	}
	_, err := fmt.Fprintf(w, "%s  %s  bot: %s\n", m.CreatedAt.Local().Format("15:04:05"), conv, m.Text)
	if err == nil && m.Prompt != nil {
		_, err = fmt.Fprintf(w, "          [%s] / [%s]   reply with: ticketbridge send --conversation %s --text yes\n",
			m.Prompt.Confirm, m.Prompt.Reject, m.Conversation)
	}
	return err
}
