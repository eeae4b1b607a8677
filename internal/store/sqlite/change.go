package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

// Apply commits changes and the jobs of those that took effect in one
// transaction.
func (s *Store) Apply(ctx context.Context, changes []store.Change) ([]bool, error) {
	var made []bool
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		made, err = store.ApplyChanges(ctx, changeTx{s: s, tx: tx}, changes)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("apply changes: %w", err)
	}
	return made, nil
}

// changeTx is an open write transaction seen as a store.ChangeTx.
type changeTx struct {
	s  *Store
	tx *sql.Tx
}

func (c changeTx) CompleteJob(ctx context.Context, job *rivertype.JobRow) error {
	_, err := river.JobCompleteTx[*riversqlite.Driver](ctx, c.tx, store.RowJob(job))
	return err
}

func (c changeTx) InsertJobs(ctx context.Context, jobs store.Jobs) error {
	return c.s.insertJobs(ctx, c.tx, jobs)
}

func (c changeTx) ResolveProposal(ctx context.Context, id, state string) (bool, error) {
	res, err := c.tx.ExecContext(ctx, `UPDATE tb_proposals SET state = ? WHERE id = ? AND state = ?`,
		state, id, store.ProposalPending)
	if err != nil {
		return false, fmt.Errorf("resolve proposal: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// InsertProposal records p as pending; false when the route already has a
// pending proposal for the conversation.
func (c changeTx) InsertProposal(ctx context.Context, p store.Proposal) (bool, error) {
	p = store.PendingProposal(p, now())
	conv, err := jsonText(p.Conversation, false)
	if err != nil {
		return false, fmt.Errorf("insert proposal: %w", err)
	}
	res, err := c.tx.ExecContext(ctx, `INSERT INTO tb_proposals (`+proposalCols+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		p.ID, p.Route, p.ConvKey, conv, p.EventID, p.Rule, p.Category, p.State, nanos(p.ExpiresAt), nanos(p.CreatedAt))
	if err != nil {
		return false, fmt.Errorf("insert proposal: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// InsertLink opens l in state "creating"; false when the route already
// has an open link for the conversation.
func (c changeTx) InsertLink(ctx context.Context, l store.Link) (bool, error) {
	l = store.CreatingLink(l, now())
	conv, err := jsonText(l.Conversation, false)
	if err != nil {
		return false, fmt.Errorf("insert link: %w", err)
	}
	res, err := c.tx.ExecContext(ctx, `INSERT INTO tb_links (`+linkCols+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		l.ID, l.Route, l.ConvKey, conv, l.Sink, l.TicketKey, l.TicketURL, l.SinkStatus, l.State,
		l.Cursor, nanos(l.CreatedAt), nanos(l.UpdatedAt))
	if err != nil {
		return false, fmt.Errorf("insert link: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

func (c changeTx) InsertDeskTicket(ctx context.Context, d core.TicketDraft) (store.DeskTicket, bool, error) {
	return c.s.deskInsert(ctx, c.tx, d)
}

func (c changeTx) RecordTicket(ctx context.Context, l store.TicketLinking) (store.Jobs, error) {
	if err := c.s.checkJobs(l.Jobs); err != nil {
		return nil, err
	}
	return c.s.linkTicketJobs(ctx, c.tx, l)
}

func (c changeTx) InsertDryRun(ctx context.Context, d store.DryRun) error {
	s := c.s
	if d.CreatedAt.IsZero() {
		d.CreatedAt = now()
	}
	draft, err := json.Marshal(d.Draft)
	if err != nil {
		return fmt.Errorf("record dry run: %w", err)
	}
	var id int64
	err = c.tx.QueryRowContext(ctx, `INSERT INTO tb_dry_runs (route, conv_key, rule, draft, created_at)
		VALUES (?, ?, ?, ?, ?) RETURNING id`, d.Route, d.ConvKey, d.Rule, s.plainOrEmpty(string(draft)),
		nanos(d.CreatedAt)).Scan(&id)
	if err != nil || s.cipher == nil {
		return err
	}
	_, err = c.tx.ExecContext(ctx, `UPDATE tb_dry_runs SET draft = ? WHERE id = ?`,
		s.sealString(string(draft), store.ADDryRun(id)), id)
	return err
}

// ConversationsState returns the open links and pending proposals of the
// conversations.
func (s *Store) ConversationsState(ctx context.Context, convKeys []string) (map[string]store.ConversationState, error) {
	return s.conversationsState(ctx, s.rdb, convKeys)
}

func (s *Store) conversationsState(ctx context.Context, q querier, convKeys []string) (map[string]store.ConversationState, error) {
	out := make(map[string]store.ConversationState, len(convKeys))
	if len(convKeys) == 0 {
		return out, nil
	}
	// The keys are joined rather than matched with IN (SELECT …): IN
	// builds a temporary index of the list in every statement, which cost
	// a third of this read in the ingest writer. A join repeats a row for
	// a repeated key, so the list holds each key once.
	keys, err := jsonList(slices.Compact(slices.Sorted(slices.Values(convKeys))))
	if err != nil {
		return nil, fmt.Errorf("conversations' state: %w", err)
	}
	// Most conversations of a chat batch have no open ticket and no
	// pending proposal. One statement finds the few that do, and the two
	// that read their rows run only for those: for a batch of chatter
	// that is one statement instead of two.
	keys, err = s.conversationsWithState(ctx, q, keys)
	if err != nil || keys == "" {
		return out, err
	}
	rows, err := q.QueryContext(ctx, conversationLinksSQL, keys)
	if err != nil {
		return nil, fmt.Errorf("conversations' links: %w", err)
	}
	err = eachRow(rows, scanLink, func(l store.Link) {
		st := out[l.ConvKey]
		st.Links = append(st.Links, l)
		out[l.ConvKey] = st
	})
	if err != nil {
		return nil, fmt.Errorf("conversations' links: %w", err)
	}
	rows, err = q.QueryContext(ctx, conversationProposalsSQL, keys)
	if err != nil {
		return nil, fmt.Errorf("conversations' proposals: %w", err)
	}
	err = eachRow(rows, scanProposal, func(p store.Proposal) {
		st := out[p.ConvKey]
		st.Proposals = append(st.Proposals, p)
		out[p.ConvKey] = st
	})
	if err != nil {
		return nil, fmt.Errorf("conversations' proposals: %w", err)
	}
	return out, nil
}

// conversationsWithState returns, as a JSON list, the keys of the JSON
// list keys whose conversation has an open link or a pending proposal;
// "" when none has.
func (s *Store) conversationsWithState(ctx context.Context, q querier, keys string) (string, error) {
	rows, err := q.QueryContext(ctx, conversationsWithStateSQL, keys)
	if err != nil {
		return "", fmt.Errorf("conversations with state: %w", err)
	}
	var found []string
	err = eachRow(rows, func(row interface{ Scan(...any) error }) (string, error) {
		var k string
		return k, row.Scan(&k)
	}, func(k string) { found = append(found, k) })
	if err != nil {
		return "", fmt.Errorf("conversations with state: %w", err)
	}
	if len(found) == 0 {
		return "", nil
	}
	list, err := jsonList(found)
	if err != nil {
		return "", fmt.Errorf("conversations with state: %w", err)
	}
	return list, nil
}

var (
	// conversationsWithStateSQL's conditions are those of the two reads
	// below, each an index search per key (tb_links_conv,
	// tb_proposals_conv).
	conversationsWithStateSQL = `SELECT k.value FROM json_each(?) AS k
		WHERE EXISTS (SELECT 1 FROM tb_links AS l WHERE l.conv_key = k.value AND l.state NOT IN ('resolved', 'closed'))
		OR EXISTS (SELECT 1 FROM tb_proposals AS p WHERE p.conv_key = k.value AND p.state = 'pending')`
	conversationLinksSQL = `SELECT ` + qualified("l", linkSelectCols) + ` FROM json_each(?) AS k
		JOIN tb_links AS l ON l.conv_key = k.value
		WHERE l.state NOT IN ('resolved', 'closed') ORDER BY l.created_at, l.id`
	conversationProposalsSQL = `SELECT ` + qualified("p", proposalCols) + ` FROM json_each(?) AS k
		JOIN tb_proposals AS p ON p.conv_key = k.value WHERE p.state = 'pending'`
)

// qualified prefixes every column of a comma-separated list with a
// table's alias, for joins with json_each, whose own columns include id.
func qualified(alias, cols string) string {
	parts := strings.Split(cols, ",")
	for i, c := range parts {
		parts[i] = alias + "." + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}

// jsonList encodes a list as one JSON array argument, read back with
// json_each: an IN list with one placeholder per value would make a new
// statement text, compiled anew, for every length.
func jsonList[T any](list []T) (string, error) {
	b, err := json.Marshal(list)
	return string(b), err
}

// eachRow scans every row with scan and hands it to use.
func eachRow[T any](rows *sql.Rows, scan func(interface{ Scan(...any) error }) (T, error), use func(T)) error {
	defer rows.Close()
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return err
		}
		use(v)
	}
	return rows.Err()
}
