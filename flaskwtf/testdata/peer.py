#!/usr/bin/python3
"""A real Flask app with Flask-WTF's CSRFProtect, for flaskwtf's live tests.

    /usr/bin/python3 flaskwtf/testdata/peer.py SECRET [CSRF_SECRET]

Listens on 127.0.0.1 (a free port), prints "LISTENING http://127.0.0.1:PORT"
and stops when stdin reaches end of file. CSRF_SECRET, when given, is
WTF_CSRF_SECRET_KEY. Routes:

  GET  /form     the form token (generate_csrf()) as text/plain
  GET  /raw      the session's raw token as text/plain
  POST /submit   CSRF-protected; "ok", or 400 with Flask-WTF's reason
  POST /exempt   exempt from CSRF; "ok"
"""

import os
import signal
import sys
import threading

import flask
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf
from werkzeug.serving import make_server


def build(secret, csrf_secret):
    app = flask.Flask(__name__)
    app.secret_key = secret.encode()
    if csrf_secret:
        app.config["WTF_CSRF_SECRET_KEY"] = csrf_secret.encode()
    csrf = CSRFProtect(app)

    @app.errorhandler(CSRFError)
    def on_error(e):
        return e.description, 400

    @app.route("/form")
    def form():
        return generate_csrf(), 200, {"Content-Type": "text/plain"}

    @app.route("/raw")
    def raw():
        return flask.session.get("csrf_token", ""), 200, {"Content-Type": "text/plain"}

    @app.route("/submit", methods=["POST"])
    def submit():
        return "ok"

    @app.route("/exempt", methods=["POST"])
    @csrf.exempt
    def exempt():
        return "ok"

    return app


def main():
    secret = sys.argv[1]
    csrf_secret = sys.argv[2] if len(sys.argv) > 2 else None
    server = make_server("127.0.0.1", 0, build(secret, csrf_secret), threaded=True)

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
