package console

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// view is what every page template gets.
type view struct {
	T    catalog
	Lang string
	S    *session
	Path string // this page, for the language switch
	Data any
	// River is whether River's own UI is mounted (for the navigation).
	River bool
}

// Ops reports whether the signed-in user may see the operations pages.
func (v view) Ops() bool { return v.S != nil && v.S.may(opsView) }

// CSRF is the session's form token.
func (v view) CSRF() string {
	if v.S == nil {
		return ""
	}
	return v.S.CSRF
}

var funcs = template.FuncMap{
	"when": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04:05")
	},
	"join": strings.Join,
}

// parse builds one template set per page, each with the layout.
func (c *Console) parse() error {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return fmt.Errorf("console templates: %w", err)
	}
	c.pages = map[string]*template.Template{}
	for _, n := range names {
		page := strings.TrimPrefix(n, "templates/")
		if page == "layout.html" {
			continue
		}
		t, err := template.New(page).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", n)
		if err != nil {
			return fmt.Errorf("console template %s: %w", page, err)
		}
		c.pages[page] = t
	}
	return nil
}

// render writes page in the request's language. It renders into a buffer
// first so that a template error is a clean 500, not half a page.
func (c *Console) render(w http.ResponseWriter, r *http.Request, status int, page string, s *session, data any) {
	lang := language(r)
	v := view{T: catalogs[lang], Lang: lang, S: s, Path: r.URL.RequestURI(), Data: data, River: c.RiverUI != nil}
	var buf bytes.Buffer
	if err := c.pages[page].ExecuteTemplate(&buf, "layout", v); err != nil {
		if c.Log != nil {
			c.Log.Error("console page not rendered", slog.String("page", page), slog.String("error", err.Error()))
		}
		http.Error(w, "page not rendered", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// failView is the error page's data: a message key and optional detail.
type failView struct {
	Key    string
	Detail string
	Status int
}

func (c *Console) fail(w http.ResponseWriter, r *http.Request, s *session, status int, key string) {
	c.failDetail(w, r, s, status, key, "")
}

func (c *Console) failDetail(w http.ResponseWriter, r *http.Request, s *session, status int, key, detail string) {
	c.render(w, r, status, "error.html", s, failView{Key: key, Detail: detail, Status: status})
}

func urlQuery(s string) string { return url.QueryEscape(s) }
