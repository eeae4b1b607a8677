package github

// The JSON shapes of the GitHub and Gitea issue APIs the sink uses; Gitea
// follows GitHub's names.

// User is an account.
type User struct {
	ID    int64  `json:"id"`
	Login string `json:"login"`
}

// Label is an issue label.
type Label struct {
	ID   int64  `json:"id,omitempty"`
	Name string `json:"name"`
}

// Issue is an issue (or, in GitHub's lists, a pull request).
type Issue struct {
	ID          int64     `json:"id"`
	Number      int       `json:"number"`
	Title       string    `json:"title"`
	Body        string    `json:"body"`
	State       string    `json:"state"`
	HTMLURL     string    `json:"html_url"`
	User        User      `json:"user"`
	Labels      []Label   `json:"labels"`
	Assignee    *User     `json:"assignee,omitempty"`
	PullRequest *struct{} `json:"pull_request,omitempty"`
	Assets      []Asset   `json:"assets,omitempty"`
	UpdatedAt   string    `json:"updated_at,omitempty"`
	// Comments is how many comments the issue has.
	Comments int `json:"comments"`
}

// Asset is a file attached to a Gitea issue.
type Asset struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	Size int64  `json:"size"`
	UUID string `json:"uuid,omitempty"`
}

// Comment is an issue comment.
type Comment struct {
	ID        int64  `json:"id"`
	Body      string `json:"body"`
	User      User   `json:"user"`
	CreatedAt string `json:"created_at,omitempty"`
}

// Repository is GET /repos/{owner}/{repo}.
type Repository struct {
	FullName    string `json:"full_name"`
	HasIssues   bool   `json:"has_issues"`
	Permissions struct {
		Admin bool `json:"admin"`
		Push  bool `json:"push"`
		Pull  bool `json:"pull"`
	} `json:"permissions"`
}

// Webhook is the payload of the issues and issue_comment events.
type Webhook struct {
	Action   string   `json:"action"`
	Issue    *Issue   `json:"issue"`
	Comment  *Comment `json:"comment"`
	Sender   User     `json:"sender"`
	Assignee *User    `json:"assignee,omitempty"`
}

// Headers of the webhooks, per dialect.
const (
	HeaderGitHubSignature = "X-Hub-Signature-256"
	HeaderGitHubEvent     = "X-GitHub-Event"
	HeaderGitHubDelivery  = "X-GitHub-Delivery"
	HeaderGiteaSignature  = "X-Gitea-Signature"
	HeaderGiteaEvent      = "X-Gitea-Event"
	HeaderGiteaDelivery   = "X-Gitea-Delivery"
)

// CommentMarker ends every comment we post (HTML comments are not shown
// on either site), so its hook is known as ours.
const CommentMarker = "<!-- ticketbridge -->"
