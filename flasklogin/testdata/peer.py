#!/usr/bin/python3
"""A real Flask app with Flask-Login, for flasklogin's live interop tests.

    /usr/bin/python3 flasklogin/testdata/peer.py SECRET [basic|strong]

Listens on 127.0.0.1 (a free port), prints "LISTENING http://127.0.0.1:PORT"
and stops when stdin reaches end of file. Every user id except "ghost" is a
user. Routes (GET):

  /login?user=ID[&remember=1][&seconds=N][&fresh=0]   login_user(...)
  /logout                                               logout_user()
  /whoami                                               current_user
  /ident                                                _create_identifier()

Each answers JSON {"authenticated", "id", "fresh", "session"} (the session
after the view; /ident answers {"identifier"}).
"""

import datetime
import os
import signal
import sys
import threading

import flask
import flask_login
from flask_login import utils as lu
from werkzeug.serving import make_server


class User(flask_login.UserMixin):
    def __init__(self, uid):
        self.id = uid


def build(secret, protection):
    app = flask.Flask(__name__)
    app.secret_key = secret.encode()
    lm = flask_login.LoginManager(app)
    lm.session_protection = protection

    @lm.user_loader
    def load(uid):
        return None if uid == "ghost" else User(uid)

    def state():
        u = flask_login.current_user
        auth = bool(u.is_authenticated)
        return flask.jsonify(authenticated=auth, id=u.get_id() if auth else "",
                             fresh=bool(auth and lu.login_fresh()),
                             session={k: v for k, v in flask.session.items()})

    @app.route("/login")
    def login():
        a = flask.request.args
        seconds = a.get("seconds")
        flask_login.login_user(
            User(a["user"]),
            remember=a.get("remember") == "1",
            duration=None if seconds is None else datetime.timedelta(seconds=int(seconds)),
            fresh=a.get("fresh") != "0",
        )
        return state()

    @app.route("/logout")
    def logout():
        flask_login.logout_user()
        return state()

    @app.route("/whoami")
    def whoami():
        return state()

    @app.route("/ident")
    def ident():
        return flask.jsonify(identifier=lu._create_identifier())

    return app


def main():
    secret = sys.argv[1]
    protection = sys.argv[2] if len(sys.argv) > 2 else "basic"
    server = make_server("127.0.0.1", 0, build(secret, protection), threaded=True)

    def watch_stdin():
        try:
            while os.read(0, 4096):
                pass
        except OSError:
            pass
        os.kill(os.getpid(), signal.SIGTERM)

    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    threading.Thread(target=watch_stdin, daemon=True).start()
    print(f"LISTENING http://127.0.0.1:{server.server_port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
