# flask_app.py: a Flask app sharing the Go demo's session, login and forms.
#   SESSIONKIT_SECRET=change-me go run ./cmd/sessiondemo -store cookie
#   SECRET_KEY=change-me flask --app flask_app run   # http://127.0.0.1:5000
# Needs Flask, Flask-Login and Flask-WTF (pip install flask flask-login flask-wtf).
import os
import time

from flask import Flask, flash, redirect, request, session
from flask_login import LoginManager, UserMixin, current_user, login_fresh, login_user, logout_user
from flask_wtf.csrf import CSRFProtect, generate_csrf
from markupsafe import escape

app = Flask(__name__)
app.config.update(
    SECRET_KEY=os.environ["SECRET_KEY"],  # the demo's -secret
    SESSION_COOKIE_SAMESITE="Lax",        # as the demo sets it
)
GO_DEMO = os.environ.get("GO_DEMO", "http://127.0.0.1:8080/")
login_manager = LoginManager(app)  # the demo's flasklogin.Manager
CSRFProtect(app)                   # the demo's flaskwtf.CSRF.Handler


class User(UserMixin):
    def __init__(self, name):
        self.id = name


@login_manager.user_loader
def load_user(user_id):
    return User(user_id)  # no passwords: the name is the account, as in the demo


def form(action, body):
    token = f'<input type="hidden" name="csrf_token" value="{generate_csrf()}">'
    return f'<form method="post" action="{action}">{token}{body}</form>'


@app.get("/")
def index():
    if not current_user.is_authenticated:
        return (f'Not logged in: log in on <a href="{GO_DEMO}">the Go demo</a> or here.'
                + form("/login", '<input name="name" required maxlength="64"> '
                       '<label><input type="checkbox" name="remember"> Remember me</label> '
                       '<button>Log in on Flask</button>'))
    fresh = "fresh" if login_fresh() else "not fresh"  # Flask-Login's session protection
    return (f"Hello from Flask, {escape(current_user.id)}! Counter: {session.get('count', 0)}. Login: {fresh}."
            + form("/add10", "<button>+10 from Flask</button>")
            + form("/logout", "<button>Log out on Flask</button>"))


@app.post("/login")
def login():
    name = request.form.get("name", "").strip()
    if not name or len(name) > 64:
        return redirect("/")
    session.clear()
    login_user(User(name))
    session.permanent = request.form.get("remember") == "on"
    # What the Go demo's SetSubject writes in cookie mode, so that its "log
    # out other devices" reaches this login too.
    session["_subject"] = name
    session["_established_ns"] = time.time_ns()
    flash(f"Welcome from Flask, {name}!", "success")
    return redirect(GO_DEMO)


@app.post("/add10")
def add10():
    session["count"] = session.get("count", 0) + 10
    flash("Flask added 10 to your counter.", "success")
    return redirect(GO_DEMO)


@app.post("/logout")
def logout():
    logout_user()
    session.clear()
    return redirect("/")
