package servicenowfake

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

const timeLayout = "2006-01-02 15:04:05"

// stockMandatory are the mandatory incident/task columns of the fake's
// dictionary, with whether they have a default value.
var stockColumns = []struct {
	table, element, label string
	mandatory, hasDefault bool
}{
	{"task", "number", "Number", true, true},
	{"task", "short_description", "Short description", true, false},
	{"task", "description", "Description", false, false},
	{"task", "state", "State", true, true},
	{"task", "correlation_id", "Correlation ID", false, false},
	{"task", "correlation_display", "Correlation display", false, false},
	{"task", "urgency", "Urgency", false, true},
	{"task", "impact", "Impact", false, true},
	{"task", "assignment_group", "Assignment group", false, false},
	{"task", "assigned_to", "Assigned to", false, false},
	{"task", "comments", "Additional comments", false, false},
	{"task", "work_notes", "Work notes", false, false},
	{"task", "sys_updated_on", "Updated", true, true},
	{"incident", "caller_id", "Caller", true, false},
	{"incident", "category", "Category", false, true},
	{"incident", "close_code", "Resolution code", false, false},
	{"incident", "close_notes", "Resolution notes", false, false},
}

func (in *Instance) columns() map[string]bool {
	cols := map[string]bool{}
	for _, c := range stockColumns {
		cols[c.element] = true
	}
	for _, c := range append(append([]string(nil), in.opts.Mandatory...), in.opts.Columns...) {
		cols[c] = true
	}
	return cols
}

func (in *Instance) create(w http.ResponseWriter, r *http.Request) {
	fields, ok := decodeFields(w, r)
	if !ok {
		return
	}
	if strings.TrimSpace(fields["short_description"]) == "" {
		writeError(w, http.StatusBadRequest, "Operation Failed", "Data Policy Exception: \n Short description is mandatory")
		return
	}
	user := in.user(r)
	in.mu.Lock()
	cols := in.columns()
	in.seq++
	now := in.opts.Now().UTC().Format(timeLayout)
	inc := &Incident{
		SysID:     sysID("incident", in.seq),
		Number:    fmt.Sprintf("INC%07d", 10000+in.seq),
		Fields:    map[string]string{"state": "1", "urgency": "3", "impact": "3"},
		CreatedOn: now, UpdatedOn: now, UpdatedBy: user,
	}
	for k, v := range fields {
		// Like the instance, unknown columns are dropped silently.
		if cols[k] && k != "comments" && k != "work_notes" {
			inc.Fields[k] = v
		}
	}
	in.incidents = append(in.incidents, inc)
	lose := in.lose
	in.lose = 0
	answer := in.record(inc)
	in.mu.Unlock()
	switch lose {
	case LoseWith502:
		writeError(w, http.StatusBadGateway, "Bad Gateway", "upstream timed out")
	case LoseHangUp:
		hangUp(w)
	default:
		writeJSON(w, http.StatusCreated, map[string]any{"result": answer})
	}
}

func decodeFields(w http.ResponseWriter, r *http.Request) (map[string]string, bool) {
	var raw map[string]any
	if err := json.NewDecoder(r.Body).Decode(&raw); err != nil {
		writeError(w, http.StatusBadRequest, "Exception while reading request", "The payload is not valid JSON.")
		return nil, false
	}
	out := map[string]string{}
	for k, v := range raw {
		if s, ok := v.(string); ok {
			out[k] = s
		} else {
			out[k] = fmt.Sprint(v)
		}
	}
	return out, true
}

// user is the user_name the request authenticated as.
func (in *Instance) user(r *http.Request) string {
	if u, _, ok := r.BasicAuth(); ok {
		return u
	}
	return in.opts.Username
}

// record is the JSON row of an incident (display values off).
func (in *Instance) record(i *Incident) map[string]string {
	out := map[string]string{}
	for k, v := range i.Fields {
		out[k] = v
	}
	out["sys_id"], out["number"] = i.SysID, i.Number
	out["sys_created_on"], out["sys_updated_on"], out["sys_updated_by"] = i.CreatedOn, i.UpdatedOn, i.UpdatedBy
	out["sys_mod_count"] = strconv.Itoa(i.ModCount)
	return out
}

func (in *Instance) list(w http.ResponseWriter, r *http.Request) {
	in.listRows(w, r, func() (out []map[string]string) {
		for _, i := range in.incidents {
			out = append(out, in.record(i))
		}
		return out
	})
}

func (in *Instance) find(id string) *Incident {
	for _, i := range in.incidents {
		if i.SysID == id {
			return i
		}
	}
	return nil
}

func (in *Instance) get(w http.ResponseWriter, r *http.Request) {
	in.mu.Lock()
	i := in.find(r.PathValue("id"))
	var rec map[string]string
	if i != nil {
		rec = in.record(i)
	}
	in.mu.Unlock()
	if i == nil {
		writeError(w, http.StatusNotFound, "No Record found", "Record doesn't exist or ACL restricts the record retrieval")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"result": pick(rec, fieldsOf(r))})
}

func (in *Instance) patch(w http.ResponseWriter, r *http.Request) {
	fields, ok := decodeFields(w, r)
	if !ok {
		return
	}
	user := in.user(r)
	in.mu.Lock()
	defer in.mu.Unlock()
	i := in.find(r.PathValue("id"))
	if i == nil {
		writeError(w, http.StatusNotFound, "No Record found", "Record doesn't exist or ACL restricts the record retrieval")
		return
	}
	if st := fields["state"]; st == "6" || st == "7" {
		// The stock data policy on resolution.
		var missing []string
		if fields["close_code"] == "" && i.Fields["close_code"] == "" {
			missing = append(missing, "Resolution code")
		}
		if fields["close_notes"] == "" && i.Fields["close_notes"] == "" {
			missing = append(missing, "Resolution notes")
		}
		if len(missing) > 0 {
			writeError(w, http.StatusBadRequest, "Operation Failed", "Data Policy Exception: \n "+strings.Join(missing, ", ")+" are mandatory")
			return
		}
	}
	in.update(i, fields, user)
	if lose := in.loseNote; lose != 0 && (fields["comments"] != "" || fields["work_notes"] != "") {
		in.loseNote = 0
		if lose == LoseHangUp {
			hangUp(w)
			return
		}
		writeError(w, http.StatusBadGateway, "Bad Gateway", "upstream timed out")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"result": pick(in.record(i), fieldsOf(r))})
}

// update applies fields as user; callers hold mu.
func (in *Instance) update(i *Incident, fields map[string]string, user string) {
	cols := in.columns()
	now := in.opts.Now().UTC().Format(timeLayout)
	for k, v := range fields {
		switch {
		case (k == "comments" || k == "work_notes") && strings.TrimSpace(v) != "":
			in.seq++
			i.Journal = append(i.Journal, Journal{SysID: sysID("journal", in.seq), Element: k, Value: v, CreatedBy: user, CreatedOn: now})
		case cols[k]:
			i.Fields[k] = v
		}
	}
	i.ModCount++
	i.UpdatedOn, i.UpdatedBy = now, user
}

func (in *Instance) listUsers(w http.ResponseWriter, r *http.Request) {
	in.listRows(w, r, func() (out []map[string]string) {
		for _, u := range in.users {
			out = append(out, map[string]string{"sys_id": u.SysID, "user_name": u.UserName, "email": u.Email, "active": "true"})
		}
		return out
	})
}

func (in *Instance) listGroups(w http.ResponseWriter, r *http.Request) {
	in.listRows(w, r, func() (out []map[string]string) {
		for name, id := range in.groups {
			out = append(out, map[string]string{"sys_id": id, "name": name})
		}
		return out
	})
}

func (in *Instance) dictionary(w http.ResponseWriter, r *http.Request) {
	if in.opts.DictionaryForbidden {
		writeError(w, http.StatusForbidden, "Operation Failed", "ACL Exception Read Failed due to security constraints")
		return
	}
	q, err := parseQuery(r.URL.Query().Get("sysparm_query"))
	if err != nil {
		writeError(w, http.StatusBadRequest, "Invalid query", err.Error())
		return
	}
	var rows []map[string]string
	add := func(table, element, label string, mandatory, hasDefault bool) {
		rec := map[string]string{"name": table, "element": element, "column_label": label,
			"mandatory": strconv.FormatBool(mandatory), "active": "true", "default_value": ""}
		if hasDefault {
			rec["default_value"] = "javascript:getNextObjNumberPadded();"
		}
		if q.match(rec) {
			rows = append(rows, rec)
		}
	}
	for _, c := range stockColumns {
		add(c.table, c.element, c.label, c.mandatory, c.hasDefault)
	}
	for _, c := range in.opts.Mandatory {
		add("incident", c, c, true, false)
	}
	for _, c := range in.opts.Columns {
		add("incident", c, c, false, false)
	}
	writeJSON(w, http.StatusOK, map[string]any{"result": page(rows, r, fieldsOf(r))})
}

func (in *Instance) journal(w http.ResponseWriter, r *http.Request) {
	in.listRows(w, r, func() (out []map[string]string) {
		for _, i := range in.incidents {
			for _, j := range i.Journal {
				out = append(out, map[string]string{"sys_id": j.SysID, "name": "incident", "element_id": i.SysID, "element": j.Element,
					"value": j.Value, "sys_created_by": j.CreatedBy, "sys_created_on": j.CreatedOn})
			}
		}
		return out
	})
}

// listRows answers a list request with the rows of a table (all, called
// under mu) that match sysparm_query, ordered and paged as asked.
func (in *Instance) listRows(w http.ResponseWriter, r *http.Request, all func() []map[string]string) {
	q, err := parseQuery(r.URL.Query().Get("sysparm_query"))
	if err != nil {
		writeError(w, http.StatusBadRequest, "Invalid query", err.Error())
		return
	}
	in.mu.Lock()
	var rows []map[string]string
	for _, rec := range all() {
		if q.match(rec) {
			rows = append(rows, rec)
		}
	}
	in.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"result": page(q.sort(rows), r, fieldsOf(r))})
}

func (in *Instance) attach(w http.ResponseWriter, r *http.Request) {
	qs := r.URL.Query()
	if qs.Get("table_name") != "incident" || qs.Get("file_name") == "" {
		writeError(w, http.StatusBadRequest, "Invalid file type or table name", "table_name, table_sys_id and file_name are required")
		return
	}
	h := sha256.New()
	n, err := io.Copy(h, io.LimitReader(r.Body, in.opts.MaxAttachment+1))
	if err != nil {
		writeError(w, http.StatusBadRequest, "Bad Request", "upload broken: "+err.Error())
		return
	}
	if n > in.opts.MaxAttachment {
		writeError(w, http.StatusRequestEntityTooLarge, "Request Entity Too Large", "Maximum file size exceeded")
		return
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	i := in.find(qs.Get("table_sys_id"))
	if i == nil {
		writeError(w, http.StatusNotFound, "No Record found", "Invalid table_sys_id")
		return
	}
	in.seq++
	a := Attachment{SysID: sysID("attachment", in.seq), FileName: qs.Get("file_name"), ContentType: r.Header.Get("Content-Type"), Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}
	i.Attachments = append(i.Attachments, a)
	if lose := in.loseUpload; lose != 0 {
		in.loseUpload = 0
		if lose == LoseHangUp {
			hangUp(w)
			return
		}
		writeError(w, http.StatusBadGateway, "Bad Gateway", "upstream timed out")
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"result": attachmentRecord(i, a)})
}

func attachmentRecord(i *Incident, a Attachment) map[string]string {
	return map[string]string{"sys_id": a.SysID, "file_name": a.FileName, "size_bytes": strconv.FormatInt(a.Size, 10),
		"table_name": "incident", "table_sys_id": i.SysID, "content_type": a.ContentType}
}

// attachments lists attachment metadata (GET /api/now/attachment) that
// matches sysparm_query, as the Attachment API does.
func (in *Instance) attachments(w http.ResponseWriter, r *http.Request) {
	in.listRows(w, r, func() (out []map[string]string) {
		for _, i := range in.incidents {
			for _, a := range i.Attachments {
				out = append(out, attachmentRecord(i, a))
			}
		}
		return out
	})
}

// query is a parsed encoded query: terms ANDed, an optional order.
type query struct {
	terms   []term
	orderBy string
	desc    bool
}

type term struct{ field, op, value string }

var termPattern = regexp.MustCompile(`^([a-z_][a-z0-9_.]*)(>=|<=|=|!=|IN|STARTSWITH|LIKE|ISNOTEMPTY|ISEMPTY)(.*)$`)

func parseQuery(s string) (query, error) {
	var q query
	if s == "" {
		return q, nil
	}
	for _, part := range strings.Split(s, "^") {
		if f, ok := strings.CutPrefix(part, "ORDERBYDESC"); ok {
			q.orderBy, q.desc = f, true
			continue
		}
		if f, ok := strings.CutPrefix(part, "ORDERBY"); ok {
			q.orderBy = f
			continue
		}
		m := termPattern.FindStringSubmatch(part)
		if m == nil {
			return q, fmt.Errorf("cannot read query term %q", part)
		}
		q.terms = append(q.terms, term{m[1], m[2], m[3]})
	}
	return q, nil
}

func (q query) match(rec map[string]string) bool {
	for _, t := range q.terms {
		v := rec[t.field]
		ok := false
		switch t.op {
		case "=":
			ok = v == t.value
		case "!=":
			ok = v != t.value
		case ">=":
			ok = v >= t.value
		case "<=":
			ok = v <= t.value
		case "IN":
			for _, x := range strings.Split(t.value, ",") {
				ok = ok || v == x
			}
		case "STARTSWITH":
			ok = strings.HasPrefix(v, t.value)
		case "LIKE":
			ok = strings.Contains(strings.ToLower(v), strings.ToLower(t.value))
		case "ISNOTEMPTY":
			ok = v != ""
		case "ISEMPTY":
			ok = v == ""
		}
		if !ok {
			return false
		}
	}
	return true
}

func (q query) sort(rows []map[string]string) []map[string]string {
	if q.orderBy != "" {
		sort.SliceStable(rows, func(a, b int) bool {
			if q.desc {
				return rows[a][q.orderBy] > rows[b][q.orderBy]
			}
			return rows[a][q.orderBy] < rows[b][q.orderBy]
		})
	}
	return rows
}

func fieldsOf(r *http.Request) []string {
	f := r.URL.Query().Get("sysparm_fields")
	if f == "" {
		return nil
	}
	return strings.Split(f, ",")
}

func pick(rec map[string]string, fields []string) map[string]string {
	if fields == nil {
		return rec
	}
	out := map[string]string{}
	for _, f := range fields {
		out[f] = rec[f]
	}
	return out
}

func page(rows []map[string]string, r *http.Request, fields []string) []map[string]string {
	out := []map[string]string{}
	limit, err := strconv.Atoi(r.URL.Query().Get("sysparm_limit"))
	if err != nil || limit <= 0 {
		limit = 10000
	}
	for _, rec := range rows {
		if len(out) == limit {
			break
		}
		out = append(out, pick(rec, fields))
	}
	return out
}
