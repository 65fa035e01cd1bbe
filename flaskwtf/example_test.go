package flaskwtf_test

import (
	"fmt"
	"html/template"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"

	session "github.com/sessionkit/session"
	"github.com/sessionkit/session/flaskwtf"
)

// A form page and its POST handler, protected like a Flask app with
// CSRFProtect; a Flask app sharing the SECRET_KEY accepts the same tokens.
func Example() {
	key := []byte("the Flask app's SECRET_KEY")
	sm, err := session.New(session.Config{SecretKey: key})
	if err != nil {
		log.Fatal(err)
	}
	csrf, err := flaskwtf.New(flaskwtf.Config{SecretKey: key})
	if err != nil {
		log.Fatal(err)
	}
	form := template.Must(template.New("").Parse(`<input type="hidden" name="csrf_token" value="{{.}}">`))
	mux := http.NewServeMux()
	mux.HandleFunc("GET /form", func(w http.ResponseWriter, r *http.Request) {
		tok, err := csrf.Token(r)
		if err != nil {
			http.Error(w, "no session", http.StatusInternalServerError)
			return
		}
		form.Execute(w, tok)
	})
	mux.HandleFunc("POST /form", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "accepted", r.PostForm.Get("name"))
	})
	handler := sm.Handler(csrf.Handler(mux))

	// Render the form, then post it back with the session cookie.
	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, httptest.NewRequest("GET", "/form", nil))
	page := rec.Body.String()
	tok := page[strings.Index(page, `value="`)+7 : strings.LastIndex(page, `"`)]
	post := func(body url.Values) string {
		req := httptest.NewRequest("POST", "/form", strings.NewReader(body.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for _, c := range rec.Result().Cookies() {
			req.AddCookie(c)
		}
		out := httptest.NewRecorder()
		handler.ServeHTTP(out, req)
		return fmt.Sprint(out.Code, " ", strings.TrimSpace(out.Body.String()))
	}
	fmt.Println(post(url.Values{"name": {"alice"}, "csrf_token": {tok}}))
	fmt.Println(post(url.Values{"name": {"mallory"}}))
	// Output:
	// 200 accepted alice
	// 400 Bad Request: The CSRF token is missing.
}

func ExampleReason() {
	fmt.Println(flaskwtf.Reason(flaskwtf.ErrTokenExpired))
	// Output: The CSRF token has expired.
}
