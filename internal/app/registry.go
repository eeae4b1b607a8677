package app

import (
	"time"

	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/jobs"
	"github.com/ticketbridge/ticketbridge/internal/sink"
	"github.com/ticketbridge/ticketbridge/internal/sink/feishuhelpdesk"
	"github.com/ticketbridge/ticketbridge/internal/sink/freshdesk"
	genericsink "github.com/ticketbridge/ticketbridge/internal/sink/generic"
	"github.com/ticketbridge/ticketbridge/internal/sink/github"
	"github.com/ticketbridge/ticketbridge/internal/sink/gitlab"
	"github.com/ticketbridge/ticketbridge/internal/sink/jira"
	"github.com/ticketbridge/ticketbridge/internal/sink/linear"
	"github.com/ticketbridge/ticketbridge/internal/sink/local"
	"github.com/ticketbridge/ticketbridge/internal/sink/redmine"
	"github.com/ticketbridge/ticketbridge/internal/sink/servicenow"
	"github.com/ticketbridge/ticketbridge/internal/sink/zammad"
	"github.com/ticketbridge/ticketbridge/internal/sink/zendesk"
	"github.com/ticketbridge/ticketbridge/internal/source"
	"github.com/ticketbridge/ticketbridge/internal/source/agora"
	"github.com/ticketbridge/ticketbridge/internal/source/dingtalk"
	"github.com/ticketbridge/ticketbridge/internal/source/feishu"
	genericsource "github.com/ticketbridge/ticketbridge/internal/source/generic"
	"github.com/ticketbridge/ticketbridge/internal/source/mattermost"
	"github.com/ticketbridge/ticketbridge/internal/source/slack"
	"github.com/ticketbridge/ticketbridge/internal/source/wecom"
	"github.com/ticketbridge/ticketbridge/internal/source/wecomkf"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

// Sources is the one list of chat connector types. The generic source
// keeps its replies in the store's chat inbox when it has no reply_url
// (st is nil in `config check`, where nothing is opened).
func Sources(st store.Store) *source.Registry {
	r := source.NewRegistry()
	inbox, _ := st.(store.ChatInbox)
	r.Add("generic", genericsource.InboxFactory(inbox))
	r.Add("slack", slack.Factory)
	r.Add("feishu", feishu.Factory)
	r.Add("wecom", wecom.Factory)
	r.Add("mattermost", mattermost.Factory)
	r.Add("agora", agora.Factory)
	r.Add("dingtalk", dingtalk.Factory)
	// 微信客服 keeps its sync_msg cursors in the store.
	var cursors wecomkf.Cursors
	if st != nil {
		cursors = st
	}
	r.Add(wecomkf.Type, wecomkf.Factory(cursors))
	return r
}

// Sinks is the one list of ticket connector types. The local desk keeps
// its tickets in our own database, so it needs the store (nil in
// `config check`, where nothing is opened).
func Sinks(st store.Store) *sink.Registry {
	r := sink.NewRegistry()
	r.Add("generic", genericsink.Factory)
	r.Add("jira", jira.Factory)
	r.Add("servicenow", servicenow.Factory)
	r.Add("zendesk", zendesk.Factory)
	r.Add(redmine.Type, redmine.Factory)
	r.Add(github.TypeGitHub, github.FactoryGitHub)
	r.Add(github.TypeGitea, github.FactoryGitea)
	r.Add(gitlab.Type, gitlab.Factory)
	r.Add(linear.Type, linear.Factory)
	r.Add(zammad.Type, zammad.Factory)
	r.Add(freshdesk.Type, freshdesk.Factory)
	r.Add(feishuhelpdesk.Type, feishuhelpdesk.Factory)
	r.Add("local", func(c config.Connector, d sink.Deps) (sink.Sink, error) {
		if err := c.Decode(&struct{}{}); err != nil {
			return nil, err
		}
		return local.New(c.ID, st, emitTicketEvent, d.Now).WithPublicURL(d.PublicURL), nil
	})
	return r
}

// emitTicketEvent is how the local desk announces its changes: the same
// job a ticket webhook would produce.
func emitTicketEvent(ev core.TicketEvent) store.Jobs {
	return store.Jobs{jobs.Insert(jobs.TicketEventArgs{Event: ev})}
}

// NewDesk returns the local desk on st, announcing its changes as jobs.
func NewDesk(id string, st store.Store) *local.Desk {
	return local.New(id, st, emitTicketEvent, time.Now)
}
