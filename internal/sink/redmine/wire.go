package redmine

// The JSON shapes of Redmine's REST API that the sink reads and writes.

// IDName is Redmine's reference to a named object.
type IDName struct {
	ID   int    `json:"id"`
	Name string `json:"name,omitempty"`
}

// Issue is an issue as GET /issues/:id.json returns it.
type Issue struct {
	ID          int        `json:"id"`
	Project     IDName     `json:"project"`
	Tracker     IDName     `json:"tracker"`
	Status      Status     `json:"status"`
	Priority    IDName     `json:"priority"`
	Author      IDName     `json:"author"`
	AssignedTo  *IDName    `json:"assigned_to,omitempty"`
	Subject     string     `json:"subject"`
	Description string     `json:"description"`
	CreatedOn   string     `json:"created_on"`
	UpdatedOn   string     `json:"updated_on"`
	Journals    []Journal  `json:"journals,omitempty"`
	Attachments []Attached `json:"attachments,omitempty"`
}

// Status is an issue status; is_closed is given by Redmine 5.1 and later
// in issues and by every version in /issue_statuses.json.
type Status struct {
	ID       int    `json:"id"`
	Name     string `json:"name"`
	IsClosed bool   `json:"is_closed,omitempty"`
}

// Journal is one change set of an issue: notes and attribute details.
type Journal struct {
	ID           int             `json:"id"`
	User         IDName          `json:"user"`
	Notes        string          `json:"notes"`
	CreatedOn    string          `json:"created_on"`
	PrivateNotes bool            `json:"private_notes"`
	Details      []JournalDetail `json:"details"`
}

// JournalDetail is one changed attribute ("attr" status_id, assigned_to_id …).
type JournalDetail struct {
	Property string `json:"property"`
	Name     string `json:"name"`
	OldValue string `json:"old_value"`
	NewValue string `json:"new_value"`
}

// Attached is an attachment of an issue.
type Attached struct {
	ID          int    `json:"id"`
	Filename    string `json:"filename"`
	Filesize    int64  `json:"filesize"`
	ContentType string `json:"content_type"`
	Description string `json:"description,omitempty"`
}

// IssueList is a page of GET /issues.json.
type IssueList struct {
	Issues     []Issue `json:"issues"`
	TotalCount int     `json:"total_count"`
	Offset     int     `json:"offset"`
	Limit      int     `json:"limit"`
}

// IssueWrite is the body of POST /issues.json and PUT /issues/:id.json.
type IssueWrite struct {
	Issue IssueFields `json:"issue"`
}

// IssueFields are the writable fields the sink uses.
type IssueFields struct {
	ProjectID    string        `json:"project_id,omitempty"`
	TrackerID    int           `json:"tracker_id,omitempty"`
	StatusID     int           `json:"status_id,omitempty"`
	PriorityID   int           `json:"priority_id,omitempty"`
	Subject      string        `json:"subject,omitempty"`
	Description  string        `json:"description,omitempty"`
	Notes        string        `json:"notes,omitempty"`
	PrivateNotes bool          `json:"private_notes,omitempty"`
	CustomFields []CustomValue `json:"custom_fields,omitempty"`
	Uploads      []Upload      `json:"uploads,omitempty"`
}

// CustomValue sets one custom field.
type CustomValue struct {
	ID    int `json:"id"`
	Value any `json:"value"`
}

// Upload attaches a file uploaded to /uploads.json by its token.
type Upload struct {
	Token       string `json:"token"`
	Filename    string `json:"filename"`
	ContentType string `json:"content_type,omitempty"`
	// Description is shown beside the file; ours is the effect's key.
	Description string `json:"description,omitempty"`
}

// UploadAnswer is the answer of POST /uploads.json.
type UploadAnswer struct {
	Upload struct {
		ID    int    `json:"id"`
		Token string `json:"token"`
	} `json:"upload"`
}

// IssueAnswer wraps one issue.
type IssueAnswer struct {
	Issue Issue `json:"issue"`
}

// StatusList is GET /issue_statuses.json.
type StatusList struct {
	IssueStatuses []Status `json:"issue_statuses"`
}

// TrackerList is GET /trackers.json.
type TrackerList struct {
	Trackers []IDName `json:"trackers"`
}

// PriorityList is GET /enumerations/issue_priorities.json.
type PriorityList struct {
	IssuePriorities []struct {
		IDName
		IsDefault bool `json:"is_default"`
	} `json:"issue_priorities"`
}

// CurrentUser is GET /users/current.json.
type CurrentUser struct {
	User struct {
		ID    int    `json:"id"`
		Login string `json:"login"`
		Admin bool   `json:"admin"`
	} `json:"user"`
}

// ProjectAnswer is GET /projects/:id.json?include=trackers.
type ProjectAnswer struct {
	Project struct {
		ID         int      `json:"id"`
		Identifier string   `json:"identifier"`
		Name       string   `json:"name"`
		Trackers   []IDName `json:"trackers"`
	} `json:"project"`
}

// ErrorBody is Redmine's 422 answer.
type ErrorBody struct {
	Errors []string `json:"errors"`
}

// TimeFormat is how Redmine writes times in JSON (UTC, seconds).
const TimeFormat = "2006-01-02T15:04:05Z"

// MarkerPrefix starts the description line carrying our external id.
const MarkerPrefix = "ticketbridge-id: "
