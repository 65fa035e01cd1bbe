# flask_app.py: a Flask app sharing the Go demo's session.
#   SESSIONKIT_SECRET=change-me go run ./cmd/sessiondemo -store cookie
#   SECRET_KEY=change-me flask --app flask_app run   # http://127.0.0.1:5000
import os
from flask import Flask, flash, redirect, session
from markupsafe import escape

app = Flask(__name__)
app.config.update(
    SECRET_KEY=os.environ["SECRET_KEY"],  # the demo's -secret
    SESSION_COOKIE_SAMESITE="Lax",        # as the demo sets it
)
GO_DEMO = os.environ.get("GO_DEMO", "http://127.0.0.1:8080/")


@app.get("/")
def index():
    if "user" not in session:
        return f'Not logged in: log in on <a href="{GO_DEMO}">the Go demo</a>.'
    return (f"Hello from Flask, {escape(session['user'])}! Counter: {session.get('count', 0)}."
            '<form method="post" action="/add10"><button>+10 from Flask</button></form>')


@app.post("/add10")
def add10():
    session["count"] = session.get("count", 0) + 10
    flash("Flask added 10 to your counter.", "success")
    return redirect(GO_DEMO)
