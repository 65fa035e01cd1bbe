package flasklogin

// RequestCookie exposes the Werkzeug-style Cookie header reader to the
// vector tests.
var RequestCookie = requestCookie
