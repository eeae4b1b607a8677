package console

import (
	"net/http"
	"strings"
)

// catalog maps a message key to its text in one language; a missing key
// shows itself, so a gap is visible rather than blank.
type catalog map[string]string

// Get returns the text for key.
func (c catalog) Get(key string) string {
	if s, ok := c[key]; ok {
		return s
	}
	return key
}

const langCookie = "tb_lang"

// language picks zh or en: the switch's cookie first, then the browser's
// Accept-Language (its first zh or en entry), else English.
func language(r *http.Request) string {
	if ck, err := r.Cookie(langCookie); err == nil {
		if _, ok := catalogs[ck.Value]; ok {
			return ck.Value
		}
	}
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag := strings.ToLower(strings.TrimSpace(strings.SplitN(part, ";", 2)[0]))
		switch {
		case strings.HasPrefix(tag, "zh"):
			return "zh"
		case strings.HasPrefix(tag, "en"):
			return "en"
		}
	}
	return "en"
}

// setLang serves the language switch: it keeps the choice in a cookie and
// goes back to the page it was clicked on.
func (c *Console) setLang(w http.ResponseWriter, r *http.Request) {
	lang := r.PathValue("lang")
	if _, ok := catalogs[lang]; !ok {
		http.NotFound(w, r)
		return
	}
	ck := c.cookie(r, langCookie, lang, 365*24*3600)
	ck.HttpOnly = false
	http.SetCookie(w, ck)
	http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
}
