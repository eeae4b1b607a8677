package jira

import "encoding/json"

// The types below are Jira Cloud's JSON as far as this connector reads or
// writes it. They are exported so that the fake (jirafake) speaks exactly
// the same wire format.

// ADF is one node of an Atlassian Document Format tree.
type ADF struct {
	Type    string         `json:"type"`
	Version int            `json:"version,omitempty"`
	Text    string         `json:"text,omitempty"`
	Attrs   map[string]any `json:"attrs,omitempty"`
	Content []ADF          `json:"content,omitempty"`
}

// CreatedIssue is the answer to POST /rest/api/3/issue.
type CreatedIssue struct {
	ID   string `json:"id"`
	Key  string `json:"key"`
	Self string `json:"self,omitempty"`
}

// RequestCreate is the body of POST /rest/servicedeskapi/request.
type RequestCreate struct {
	ServiceDeskID      string         `json:"serviceDeskId"`
	RequestTypeID      string         `json:"requestTypeId"`
	RequestFieldValues map[string]any `json:"requestFieldValues"`
	RaiseOnBehalfOf    string         `json:"raiseOnBehalfOf,omitempty"`
}

// CreatedRequest is the answer to POST /rest/servicedeskapi/request.
type CreatedRequest struct {
	IssueID       string `json:"issueId"`
	IssueKey      string `json:"issueKey"`
	CurrentStatus struct {
		Status         string `json:"status"`
		StatusCategory string `json:"statusCategory"`
	} `json:"currentStatus"`
	Links struct {
		Web   string `json:"web,omitempty"`
		Agent string `json:"agent,omitempty"`
	} `json:"_links"`
}

// User is a Jira user as user search and webhooks show it.
type User struct {
	AccountID    string `json:"accountId"`
	AccountType  string `json:"accountType,omitempty"`
	EmailAddress string `json:"emailAddress,omitempty"`
	DisplayName  string `json:"displayName,omitempty"`
	Active       bool   `json:"active"`
}

// StatusCategory keys: new, indeterminate, done.
type StatusCategory struct {
	Key  string `json:"key"`
	Name string `json:"name,omitempty"`
}

// Status is an issue status.
type Status struct {
	ID             string         `json:"id,omitempty"`
	Name           string         `json:"name"`
	StatusCategory StatusCategory `json:"statusCategory"`
}

// Fields are the issue fields we read.
type Fields struct {
	Summary  string   `json:"summary,omitempty"`
	Status   *Status  `json:"status,omitempty"`
	Labels   []string `json:"labels,omitempty"`
	Updated  string   `json:"updated,omitempty"`
	Assignee *User    `json:"assignee,omitempty"`
	// Attachment lists the issue's files (fields=attachment).
	Attachment []AttachmentMeta `json:"attachment,omitempty"`
	Project    *struct {
		Key string `json:"key"`
	} `json:"project,omitempty"`
}

// AttachmentMeta is a file on an issue.
type AttachmentMeta struct {
	ID       string `json:"id"`
	Filename string `json:"filename"`
	Size     int64  `json:"size"`
}

// Issue is an issue as search, get and webhooks show it.
type Issue struct {
	ID        string     `json:"id"`
	Key       string     `json:"key"`
	Self      string     `json:"self,omitempty"`
	Fields    Fields     `json:"fields"`
	Changelog *Changelog `json:"changelog,omitempty"`
}

// Changelog is an issue's history (expand=changelog) or, in a webhook,
// the one change the event is about.
type Changelog struct {
	ID         string       `json:"id,omitempty"`
	Histories  []History    `json:"histories,omitempty"`
	Items      []ChangeItem `json:"items,omitempty"`
	StartAt    int          `json:"startAt,omitempty"`
	MaxResults int          `json:"maxResults,omitempty"`
	Total      int          `json:"total,omitempty"`
}

// History is one change set in an issue's changelog.
type History struct {
	ID      string       `json:"id"`
	Author  *User        `json:"author,omitempty"`
	Created string       `json:"created"`
	Items   []ChangeItem `json:"items"`
}

// ChangeItem is one field's change.
type ChangeItem struct {
	Field      string `json:"field"`
	FieldID    string `json:"fieldId,omitempty"`
	From       string `json:"from,omitempty"`
	FromString string `json:"fromString,omitempty"`
	To         string `json:"to,omitempty"`
	ToString   string `json:"toString,omitempty"`
}

// SearchRequest is the body of POST /rest/api/3/search/jql.
type SearchRequest struct {
	JQL           string   `json:"jql"`
	Fields        []string `json:"fields,omitempty"`
	Expand        string   `json:"expand,omitempty"`
	MaxResults    int      `json:"maxResults,omitempty"`
	NextPageToken string   `json:"nextPageToken,omitempty"`
}

// SearchResult is its answer.
type SearchResult struct {
	Issues        []Issue `json:"issues"`
	NextPageToken string  `json:"nextPageToken,omitempty"`
	IsLast        bool    `json:"isLast"`
}

// EntityProperty is a property set on a comment (JSM's sd.public.comment).
type EntityProperty struct {
	Key   string          `json:"key"`
	Value json.RawMessage `json:"value"`
}

// Visibility restricts a comment to a role or group.
type Visibility struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

// CommentCreate is the body of POST /rest/api/3/issue/{key}/comment.
type CommentCreate struct {
	Body       ADF              `json:"body"`
	Visibility *Visibility      `json:"visibility,omitempty"`
	Properties []EntityProperty `json:"properties,omitempty"`
}

// Transition is one entry of GET /rest/api/3/issue/{key}/transitions.
type Transition struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	To   Status `json:"to"`
}

// Transitions is that endpoint's answer.
type Transitions struct {
	Transitions []Transition `json:"transitions"`
}

// IssueType is an issue type in createmeta.
type IssueType struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// IssueTypePage is GET /rest/api/3/issue/createmeta/{project}/issuetypes.
// Jira has answered with both "issueTypes" and "values"; we read either.
type IssueTypePage struct {
	IssueTypes []IssueType `json:"issueTypes,omitempty"`
	Values     []IssueType `json:"values,omitempty"`
	StartAt    int         `json:"startAt"`
	MaxResults int         `json:"maxResults"`
	Total      int         `json:"total"`
}

// FieldMeta is one field of createmeta for an issue type.
type FieldMeta struct {
	FieldID         string            `json:"fieldId"`
	Key             string            `json:"key,omitempty"`
	Name            string            `json:"name"`
	Required        bool              `json:"required"`
	HasDefaultValue bool              `json:"hasDefaultValue"`
	AllowedValues   []json.RawMessage `json:"allowedValues,omitempty"`
}

// FieldPage is GET /rest/api/3/issue/createmeta/{project}/issuetypes/{id}
// ("fields" or "values", as above).
type FieldPage struct {
	Fields     []FieldMeta `json:"fields,omitempty"`
	Values     []FieldMeta `json:"values,omitempty"`
	StartAt    int         `json:"startAt"`
	MaxResults int         `json:"maxResults"`
	Total      int         `json:"total"`
}

// ErrorBody is Jira's error answer; JSM's request API uses errorMessage.
type ErrorBody struct {
	ErrorMessages []string          `json:"errorMessages,omitempty"`
	Errors        map[string]string `json:"errors,omitempty"`
	ErrorMessage  string            `json:"errorMessage,omitempty"`
}

// Webhook event names we act on.
const (
	EventIssueUpdated   = "jira:issue_updated"
	EventCommentCreated = "comment_created"
	EventIssueAssigned  = "issue_assigned"
)

// Webhook is the body of an admin webhook delivery.
type Webhook struct {
	Timestamp    int64           `json:"timestamp"`
	WebhookEvent string          `json:"webhookEvent"`
	IssueEvent   string          `json:"issue_event_type_name,omitempty"`
	User         *User           `json:"user,omitempty"`
	Issue        *Issue          `json:"issue,omitempty"`
	Changelog    *Changelog      `json:"changelog,omitempty"`
	Comment      *WebhookComment `json:"comment,omitempty"`
}

// WebhookComment is the comment of a comment_created delivery. Body is
// ADF in REST v3 shape, a plain string in older deliveries.
type WebhookComment struct {
	ID         string           `json:"id"`
	Author     *User            `json:"author,omitempty"`
	Body       json.RawMessage  `json:"body,omitempty"`
	Created    string           `json:"created,omitempty"`
	JSDPublic  *bool            `json:"jsdPublic,omitempty"`
	Visibility *Visibility      `json:"visibility,omitempty"`
	Properties []EntityProperty `json:"properties,omitempty"`
}

// Header names of Jira's webhook deliveries.
const (
	HeaderSignature  = "X-Hub-Signature"
	HeaderIdentifier = "X-Atlassian-Webhook-Identifier"
)

// LabelPrefix starts the label that carries our external id.
const LabelPrefix = "tb-ext-"

// PropertyPublicComment is JSM's comment property for internal notes.
const PropertyPublicComment = "sd.public.comment"

// PropertyEffect is our comment property: {"key": core.Comment.Key}, so a
// retried append finds the comment an earlier attempt wrote.
const PropertyEffect = "ticketbridge.effect"

// CommentPage is one page of GET /rest/api/3/issue/{key}/comment.
type CommentPage struct {
	StartAt    int           `json:"startAt"`
	MaxResults int           `json:"maxResults"`
	Total      int           `json:"total"`
	Comments   []CommentRead `json:"comments"`
}

// CommentRead is a comment as read back; Properties come only with
// expand=properties.
type CommentRead struct {
	ID         string           `json:"id"`
	Properties []EntityProperty `json:"properties,omitempty"`
}

// TimeFormat is how Jira writes times ("2026-01-02T15:04:05.000+0000").
const TimeFormat = "2006-01-02T15:04:05.000-0700"
