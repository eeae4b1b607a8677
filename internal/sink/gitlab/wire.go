package gitlab

// The JSON shapes of GitLab's REST v4 and webhooks the sink uses.

// User is an account.
type User struct {
	ID       int64  `json:"id"`
	Username string `json:"username"`
	Name     string `json:"name,omitempty"`
}

// Issue is a project issue; iid is its number in the project.
type Issue struct {
	ID          int64    `json:"id"`
	IID         int      `json:"iid"`
	Title       string   `json:"title"`
	Description string   `json:"description"`
	State       string   `json:"state"` // opened, closed
	WebURL      string   `json:"web_url"`
	Labels      []string `json:"labels"`
	Author      User     `json:"author"`
}

// Note is a comment on an issue.
type Note struct {
	ID       int64  `json:"id"`
	Body     string `json:"body"`
	Internal bool   `json:"internal"`
	Author   User   `json:"author"`
}

// Upload is the answer of POST /projects/:id/uploads.
type Upload struct {
	Alt      string `json:"alt"`
	URL      string `json:"url"`
	FullPath string `json:"full_path"`
	Markdown string `json:"markdown"`
}

// Project is GET /projects/:id.
type Project struct {
	ID                int64  `json:"id"`
	PathWithNamespace string `json:"path_with_namespace"`
	IssuesEnabled     bool   `json:"issues_enabled"`
	WebURL            string `json:"web_url"`
}

// Hook is the body of the Issue Hook and Note Hook events.
type Hook struct {
	ObjectKind       string          `json:"object_kind"` // issue, note
	User             User            `json:"user"`
	ObjectAttributes HookAttributes  `json:"object_attributes"`
	Issue            *HookAttributes `json:"issue,omitempty"` // note events
	Changes          map[string]struct {
		Previous any `json:"previous"`
		Current  any `json:"current"`
	} `json:"changes,omitempty"`
	Assignees []User `json:"assignees,omitempty"`
}

// HookAttributes are an issue's or a note's attributes in a hook.
type HookAttributes struct {
	ID           int64  `json:"id"`
	IID          int    `json:"iid"`
	Title        string `json:"title"`
	Description  string `json:"description"`
	State        string `json:"state"`
	Action       string `json:"action"` // open, close, reopen, update
	URL          string `json:"url"`
	Note         string `json:"note"`
	NoteableType string `json:"noteable_type"`
	Internal     bool   `json:"internal"`
	Confidential bool   `json:"confidential"`
}

// Webhook headers.
const (
	HeaderToken     = "X-Gitlab-Token"
	HeaderEvent     = "X-Gitlab-Event"
	HeaderEventUUID = "X-Gitlab-Event-UUID"
)

// NoteMarker ends every note we post, so its hook is known as ours.
const NoteMarker = "<!-- ticketbridge -->"
