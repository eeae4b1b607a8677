package slack

import "encoding/json"

// envelope is the outer body of every Events API delivery.
type envelope struct {
	Type           string          `json:"type"`
	Challenge      string          `json:"challenge"`
	TeamID         string          `json:"team_id"`
	EventID        string          `json:"event_id"`
	EventTime      int64           `json:"event_time"`
	Event          json.RawMessage `json:"event"`
	Authorizations []authorization `json:"authorizations"`
}

// authorization names the installation a delivery is for; the bot's own
// user id is there, which spares an auth.test call.
type authorization struct {
	UserID string `json:"user_id"`
	IsBot  bool   `json:"is_bot"`
}

// message is a message or app_mention event, and also one entry of
// conversations.history/replies answers.
type message struct {
	Type     string    `json:"type"`
	Subtype  string    `json:"subtype"`
	Hidden   bool      `json:"hidden"`
	Channel  string    `json:"channel"`
	User     string    `json:"user"`
	BotID    string    `json:"bot_id"`
	Text     string    `json:"text"`
	TS       string    `json:"ts"`
	ThreadTS string    `json:"thread_ts"`
	EventTS  string    `json:"event_ts"`
	Files    []file    `json:"files"`
	Metadata *metadata `json:"metadata"`
}

// file is one entry of a message's files.
type file struct {
	ID                 string `json:"id"`
	Name               string `json:"name"`
	Title              string `json:"title"`
	Mimetype           string `json:"mimetype"`
	Size               int64  `json:"size"`
	Mode               string `json:"mode"`
	URLPrivate         string `json:"url_private"`
	URLPrivateDownload string `json:"url_private_download"`
}

// reactionEvent is a reaction_added event.
type reactionEvent struct {
	Type     string `json:"type"`
	User     string `json:"user"`
	Reaction string `json:"reaction"`
	ItemUser string `json:"item_user"`
	Item     struct {
		Type    string `json:"type"`
		Channel string `json:"channel"`
		TS      string `json:"ts"`
	} `json:"item"`
	EventTS string `json:"event_ts"`
}

// interaction is the payload= JSON of interactivity requests: message
// shortcuts and block actions (other types are acknowledged and ignored).
type interaction struct {
	Type       string `json:"type"`
	CallbackID string `json:"callback_id"`
	TriggerID  string `json:"trigger_id"`
	ActionTS   string `json:"action_ts"`
	Team       struct {
		ID string `json:"id"`
	} `json:"team"`
	User struct {
		ID       string `json:"id"`
		Name     string `json:"name"`
		Username string `json:"username"`
	} `json:"user"`
	Channel struct {
		ID string `json:"id"`
	} `json:"channel"`
	Container struct {
		ChannelID string `json:"channel_id"`
		MessageTS string `json:"message_ts"`
		ThreadTS  string `json:"thread_ts"`
	} `json:"container"`
	Message *message `json:"message"`
	Actions []action `json:"actions"`
}

// action is one pressed element of a block_actions payload.
type action struct {
	ActionID string `json:"action_id"`
	BlockID  string `json:"block_id"`
	Value    string `json:"value"`
	ActionTS string `json:"action_ts"`
}

// apiAnswer is the common part of every Web API answer.
type apiAnswer struct {
	OK       bool   `json:"ok"`
	Error    string `json:"error"`
	Needed   string `json:"needed"`
	Warning  string `json:"warning"`
	Metadata struct {
		NextCursor string `json:"next_cursor"`
	} `json:"response_metadata"`
}

// postMessage is the chat.postMessage request body.
type postMessage struct {
	Channel  string    `json:"channel"`
	Text     string    `json:"text"`
	ThreadTS string    `json:"thread_ts,omitempty"`
	Blocks   []block   `json:"blocks,omitempty"`
	Metadata *metadata `json:"metadata,omitempty"`
}

// metadata is Slack's message metadata: our event type and the notice's
// key, invisible to people, returned by conversations.history/replies
// with include_all_metadata.
type metadata struct {
	EventType    string         `json:"event_type"`
	EventPayload map[string]any `json:"event_payload"`
}

// block is the subset of Block Kit we write: a section and an actions
// block of buttons.
type block struct {
	Type     string    `json:"type"`
	BlockID  string    `json:"block_id,omitempty"`
	Text     *textObj  `json:"text,omitempty"`
	Elements []element `json:"elements,omitempty"`
}

type textObj struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

type element struct {
	Type     string   `json:"type"`
	ActionID string   `json:"action_id"`
	Text     *textObj `json:"text"`
	Value    string   `json:"value"`
	Style    string   `json:"style,omitempty"`
}

type postAnswer struct {
	apiAnswer
	Channel string `json:"channel"`
	TS      string `json:"ts"`
}

type authTestAnswer struct {
	apiAnswer
	UserID string `json:"user_id"`
	BotID  string `json:"bot_id"`
	Team   string `json:"team"`
	User   string `json:"user"`
}

type usersInfoAnswer struct {
	apiAnswer
	User struct {
		ID      string `json:"id"`
		Name    string `json:"name"`
		IsBot   bool   `json:"is_bot"`
		Deleted bool   `json:"deleted"`
		Profile struct {
			DisplayName string `json:"display_name"`
			RealName    string `json:"real_name"`
			Email       string `json:"email"`
		} `json:"profile"`
	} `json:"user"`
}

type messagesAnswer struct {
	apiAnswer
	Messages []message `json:"messages"`
	HasMore  bool      `json:"has_more"`
}
