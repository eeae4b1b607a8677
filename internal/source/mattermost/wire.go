package mattermost

import "encoding/json"

// outgoingJSON is an outgoing webhook delivery with content type
// application/json. (The form variant has the same keys; its timestamp
// is in seconds, this one's in milliseconds.)
type outgoingJSON struct {
	Token       string `json:"token,omitempty"`
	TeamID      string `json:"team_id"`
	TeamDomain  string `json:"team_domain"`
	ChannelID   string `json:"channel_id"`
	ChannelName string `json:"channel_name"`
	Timestamp   int64  `json:"timestamp"`
	UserID      string `json:"user_id"`
	UserName    string `json:"user_name"`
	PostID      string `json:"post_id"`
	Text        string `json:"text"`
	TriggerWord string `json:"trigger_word"`
	FileIDs     string `json:"file_ids"`
}

// actionRequest is what Mattermost posts to a button's integration URL.
type actionRequest struct {
	UserID      string         `json:"user_id"`
	UserName    string         `json:"user_name"`
	ChannelID   string         `json:"channel_id"`
	ChannelName string         `json:"channel_name"`
	TeamID      string         `json:"team_id"`
	TeamDomain  string         `json:"team_domain"`
	PostID      string         `json:"post_id"`
	TriggerID   string         `json:"trigger_id"`
	Type        string         `json:"type"`
	DataSource  string         `json:"data_source"`
	Context     *ActionContext `json:"context"`
}

// ActionContext is the integration context of the buttons we post (and
// of a "Create ticket" button another integration may post): Mattermost
// keeps it on the server and sends it back verbatim when the button is
// pressed. Secret is ActionSignature of the other fields.
type ActionContext struct {
	Action string `json:"action"`
	Token  string `json:"token"`
	Thread string `json:"thread,omitempty"`
	Secret string `json:"secret,omitempty"`
}

// actionAnswer is our answer to a button press: a note only the presser
// sees.
type actionAnswer struct {
	EphemeralText string `json:"ephemeral_text,omitempty"`
}

// commandAnswer is our answer to a slash command.
type commandAnswer struct {
	ResponseType string `json:"response_type"`
	Text         string `json:"text"`
}

// post is a Mattermost post as the REST API writes it.
type post struct {
	ID        string          `json:"id"`
	CreateAt  int64           `json:"create_at"`
	DeleteAt  int64           `json:"delete_at"`
	UserID    string          `json:"user_id"`
	ChannelID string          `json:"channel_id"`
	RootID    string          `json:"root_id"`
	Message   string          `json:"message"`
	Type      string          `json:"type"`
	Props     map[string]any  `json:"props"`
	FileIDs   []string        `json:"file_ids"`
	Metadata  *postMetadata   `json:"metadata"`
	Raw       json.RawMessage `json:"-"`
}

type postMetadata struct {
	Files []fileInfo `json:"files"`
}

// fileInfo is the metadata of an uploaded file.
type fileInfo struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	MimeType string `json:"mime_type"`
	Size     int64  `json:"size"`
}

// postList is the answer of posts/{id}/thread.
type postList struct {
	Order []string        `json:"order"`
	Posts map[string]post `json:"posts"`
}

// createPost is the body of POST /api/v4/posts.
type createPost struct {
	ChannelID string         `json:"channel_id"`
	Message   string         `json:"message"`
	RootID    string         `json:"root_id,omitempty"`
	Props     map[string]any `json:"props,omitempty"`
}

// attachment is a message attachment carrying our buttons.
type attachment struct {
	Fallback string   `json:"fallback,omitempty"`
	Text     string   `json:"text,omitempty"`
	Actions  []button `json:"actions"`
}

type button struct {
	ID          string      `json:"id"`
	Name        string      `json:"name"`
	Type        string      `json:"type"`
	Style       string      `json:"style,omitempty"`
	Integration integration `json:"integration"`
}

type integration struct {
	URL     string        `json:"url"`
	Context ActionContext `json:"context"`
}

// user is the answer of users/{id} and users/me.
type user struct {
	ID        string `json:"id"`
	Username  string `json:"username"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Nickname  string `json:"nickname"`
	Email     string `json:"email"`
	IsBot     bool   `json:"is_bot"`
}

// appError is Mattermost's error body.
type appError struct {
	ID         string `json:"id"`
	Message    string `json:"message"`
	Detailed   string `json:"detailed_error"`
	StatusCode int    `json:"status_code"`
}
