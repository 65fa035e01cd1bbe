#!/usr/bin/python3
"""Record Flask-Login's behaviour as test vectors for package flasklogin.

Run with an interpreter that has Flask and Flask-Login (Debian:
python3-flask 2.2.2, python3-flask-login 0.6.2):

    /usr/bin/python3 flasklogin/testdata/gen_vectors.py > flasklogin/testdata/vectors.json

Everything is computed by the real packages inside a real Flask app; only the
clock (datetime.utcnow in flask_login.login_manager) is pinned so that the
remember cookie's Expires is reproducible.

Header values are written as strings of code points below 256, one per byte
of the header on the wire (Latin-1, as WSGI hands them to Flask). Session
values are JSON; a float is {"$float": repr}.
"""

import datetime
import json
import sys

import flask
import flask_login
import flask_login.login_manager as lm_mod
import werkzeug
from flask_login import utils as lu

SECRET = b"vector-secret-key"
NOW = datetime.datetime(2026, 11, 30, 9, 0, 0, 123456)


class FrozenDatetime(datetime.datetime):
    @classmethod
    def utcnow(cls):
        return NOW


lm_mod.datetime = FrozenDatetime


class User(flask_login.UserMixin):
    def __init__(self, uid):
        self.id = uid


def make_app(config):
    app = flask.Flask(__name__)
    app.secret_key = SECRET
    for k, v in config.items():
        if k == "REMEMBER_COOKIE_DURATION":
            v = datetime.timedelta(seconds=v)
        app.config[k] = v
    lm = flask_login.LoginManager(app)

    @lm.user_loader
    def load(uid):
        return None if uid == "ghost" else User(uid)

    @app.route("/act")
    def act():
        return "ok"

    return app


def typed(v):
    if isinstance(v, float):
        return {"$float": repr(v)}
    if isinstance(v, dict):
        return {k: typed(x) for k, x in v.items()}
    return v


def environ(req):
    env = {}
    if req.get("remote") is None:
        env["REMOTE_ADDR"] = None
    else:
        env["REMOTE_ADDR"] = req["remote"]
    for k, name in (("xff", "HTTP_X_FORWARDED_FOR"), ("ua", "HTTP_USER_AGENT")):
        if req.get(k) is not None:
            env[name] = req[k]
    return env


def identifiers():
    app = make_app({})
    cases = [
        {"remote": "127.0.0.1"},
        {"remote": "127.0.0.1", "ua": "Mozilla/5.0 (X11; Linux x86_64)"},
        {"remote": "::1", "ua": ""},
        {"remote": None},
        {"remote": None, "ua": "curl/8.0"},
        {"remote": "10.0.0.1", "xff": "203.0.113.7", "ua": "curl/8.0"},
        {"remote": "10.0.0.1", "xff": "203.0.113.7, 10.0.0.2", "ua": "curl/8.0"},
        {"remote": "10.0.0.1", "xff": "  203.0.113.7  ,10.0.0.2", "ua": "x"},
        {"remote": "10.0.0.1", "xff": "", "ua": "x"},
        {"remote": "10.0.0.1", "xff": ",1.2.3.4", "ua": "x"},
        {"remote": "10.0.0.1", "xff": "\t2001:db8::1\x0b", "ua": "x"},
        {"remote": "10.0.0.1", "xff": "caf\u00e9", "ua": "x"},
        {"remote": "10.0.0.1", "xff": "1.2.3.4\u00c2\u00a0, 5.6.7.8", "ua": "\u00a0x\u0085"},
        {"remote": "10.0.0.1", "xff": "\x0c1.2.3.4\r", "ua": "x"},
        {"remote": "10.0.0.1", "xff": "1.2.3.4", "ua": "caf\u00c3\u00a9 \u00ff\u0080"},
        {"remote": "10.0.0.1", "ua": "it's"},
        {"remote": "10.0.0.1", "ua": "it's \"quoted\""},
        {"remote": "10.0.0.1", "ua": "say \"hi\""},
        {"remote": "10.0.0.1", "ua": "back\\slash\ttab"},
        {"remote": "10.0.0.1", "ua": "del\x7f ctl\x01"},
        {"remote": "o'brien", "ua": None},
    ]
    out = []
    for c in cases:
        with app.test_request_context(environ_overrides=environ(c)):
            out.append(dict(c, identifier=lu._create_identifier()))
    return out


def cookies():
    app = make_app({})
    out = []
    with app.test_request_context():
        for uid in ["42", "alice", "a|b", "caf\u00e9", "", "x y;z\"\\"]:
            enc = lu.encode_cookie(uid)
            out.append({"cookie": enc, "id": lu.decode_cookie(enc)})
        good = lu.encode_cookie("alice")
        for bad in [
            good[:-1],
            good[:-1] + ("0" if good[-1] != "0" else "1"),
            good.upper(),
            "alice",
            "bob" + good[5:],
            good + "|",
            "|" + good.split("|")[1],
            "",
            "|",
        ]:
            out.append({"cookie": bad, "id": lu.decode_cookie(bad)})
        other = lu.encode_cookie("alice", key=b"other-key")
        out.append({"cookie": other, "id": lu.decode_cookie(other)})
    return out


ID_A = {"remote": "192.0.2.10", "ua": "Mozilla/5.0 test"}
ID_B = {"remote": "192.0.2.10", "ua": "Mozilla/5.0 other"}


def ident(req):
    app = make_app({})
    with app.test_request_context(environ_overrides=environ(req)):
        return lu._create_identifier()


def scenarios():
    ida = ident(ID_A)
    idb = ident(ID_B)
    logged = {"_user_id": "alice", "_fresh": True, "_id": ida}
    S = []

    def add(name, action, session=None, req=ID_A, config=None, cookie=None,
            permanent=False, **kw):
        S.append(dict(name=name, action=action, session=session or {}, request=req,
                      config=config or {}, remember_cookie=cookie,
                      permanent=permanent, **kw))

    good = None
    app = make_app({})
    with app.test_request_context():
        good = lu.encode_cookie("alice")
        bob = lu.encode_cookie("bob")
        odd = lu.encode_cookie("caf\u00e9 x;y")

    add("login", "login", id="alice")
    add("login not fresh", "login", id="alice", fresh=False)
    add("login remember", "login", id="alice", remember=True)
    add("login remember 60s", "login", id="alice", remember=True, duration_us=60_000_000)
    add("login remember 1.5s", "login", id="alice", remember=True, duration_us=1_500_000)
    add("login remember 1us", "login", id="alice", remember=True, duration_us=1)
    add("login remember 400 days", "login", id="alice", remember=True, duration_us=400 * 86400 * 10**6)
    add("login remember odd id", "login", id="caf\u00e9 x;y", remember=True)
    add("login remember pipe id", "login", id="a|b", remember=True)
    add("login remember cookie settings", "login", id="alice", remember=True, config={
        "REMEMBER_COOKIE_NAME": "rt", "REMEMBER_COOKIE_DOMAIN": "example.com",
        "REMEMBER_COOKIE_PATH": "/app", "REMEMBER_COOKIE_SECURE": True,
        "REMEMBER_COOKIE_HTTPONLY": False, "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_DURATION": 7 * 86400})
    add("login keeps old remember seconds", "login", id="bob",
        session={"_remember_seconds": 5.0})
    add("login after clear", "login", id="bob", session={"_remember": "clear"}, cookie=good)
    add("current fresh", "current", session=logged)
    add("current basic mismatch", "current", session=logged, req=ID_B)
    add("current basic mismatch already stale", "current", session=dict(logged, _fresh=False), req=ID_B)
    add("current basic no _id", "current", session={"_user_id": "alice", "_fresh": True})
    add("current strong mismatch", "current", session=dict(logged, next="/x", _remember_seconds=9.0),
        req=ID_B, config={"SESSION_PROTECTION": "strong"})
    add("current strong mismatch with cookie", "current", session=logged, req=ID_B,
        config={"SESSION_PROTECTION": "strong"}, cookie=good)
    add("current strong mismatch permanent", "current", session=logged, req=ID_B,
        config={"SESSION_PROTECTION": "strong"}, permanent=True)
    add("current strong match", "current", session=logged, config={"SESSION_PROTECTION": "strong"})
    add("current no protection mismatch", "current", session=logged, req=ID_B,
        config={"SESSION_PROTECTION": None})
    add("current empty session mismatch", "current", session={}, req=ID_B,
        config={"SESSION_PROTECTION": "strong"})
    add("current other keys only", "current", session={"cart": 3}, req=ID_B,
        config={"SESSION_PROTECTION": "strong"})
    add("current remember restore", "current", cookie=good)
    add("current remember restore strong", "current", cookie=good, config={"SESSION_PROTECTION": "strong"})
    add("current after restore strong", "current", session={"_user_id": "alice", "_fresh": False},
        cookie=good, config={"SESSION_PROTECTION": "strong"})
    add("current remember tampered", "current", cookie=good[:-1] + "0")
    add("current remember clear", "current", session={"_remember": "clear"}, cookie=good)
    add("current ghost then cookie", "current", session={"_user_id": "ghost", "_fresh": True, "_id": ida},
        cookie=bob)
    add("current ghost cookie", "current", cookie=lu_encode("ghost"))
    add("current odd cookie", "current", cookie=odd)
    add("current int user id", "current", session={"_user_id": 42, "_fresh": True, "_id": ida})
    add("current refresh each request", "current", session=logged,
        config={"REMEMBER_COOKIE_REFRESH_EACH_REQUEST": True})
    add("current refresh each request seconds", "current", session=dict(logged, _remember_seconds=30.5),
        config={"REMEMBER_COOKIE_REFRESH_EACH_REQUEST": True})
    add("current refresh each request 0.9s", "current", session=dict(logged, _remember_seconds=0.9),
        config={"REMEMBER_COOKIE_REFRESH_EACH_REQUEST": True})
    add("current refresh anonymous", "current", session={},
        config={"REMEMBER_COOKIE_REFRESH_EACH_REQUEST": True})
    add("logout", "logout", session=logged)
    add("logout with cookie", "logout", session=dict(logged, _remember_seconds=60.0), cookie=good)
    add("logout anonymous with cookie", "logout", cookie=good)
    add("logout strong mismatch", "logout", session=logged, req=ID_B,
        config={"SESSION_PROTECTION": "strong"})
    add("confirm", "confirm", session=dict(logged, _fresh=False, _id=idb))
    add("none", "none", session=dict(logged, _remember="set"))
    add("none remember set anonymous", "none", session={"_remember": "set"})
    return S


def lu_encode(uid):
    app = make_app({})
    with app.test_request_context():
        return lu.encode_cookie(uid)


def run(sc):
    app = make_app(sc["config"])
    action = sc["action"]
    result = {}

    @app.route("/run")
    def run_view():
        if action == "login":
            dur = sc.get("duration_us")
            flask_login.login_user(
                User(sc["id"]),
                remember=sc.get("remember", False),
                duration=None if dur is None else datetime.timedelta(microseconds=dur),
                fresh=sc.get("fresh", True),
            )
        elif action == "logout":
            flask_login.logout_user()
        elif action == "confirm":
            flask_login.confirm_login()
        if action != "none":
            u = flask_login.current_user
            result["user"] = {
                "authenticated": bool(u.is_authenticated),
                "id": u.get_id() if u.is_authenticated else "",
                "fresh": bool(u.is_authenticated and lu.login_fresh()),
            }
        return "ok"

    client = app.test_client()
    with client.session_transaction() as sess:
        sess.update(sc["session"])
        if sc["permanent"]:
            sess.permanent = True
    name = app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    if sc["remember_cookie"] is not None:
        client.set_cookie("localhost", name, sc["remember_cookie"])
    resp = client.get("/run", environ_overrides=environ(sc["request"]))
    assert resp.status_code == 200, resp.data
    with client.session_transaction() as sess:
        after = dict(sess)
    after.pop("_permanent", None)
    lines = [v for v in resp.headers.getlist("Set-Cookie") if v.startswith(name + "=")]
    sc = dict(sc)
    sc["session"] = typed(sc["session"])
    sc["session_after"] = typed(after)
    sc["set_cookie"] = lines
    sc.update(result)
    return sc


def cookie_headers():
    """How Werkzeug reads the remember cookie from a Cookie header."""
    from werkzeug.http import parse_cookie
    headers = [
        "remember_token=abc",
        "a=1; remember_token=abc|def; b=2",
        " remember_token = spaced ; x=y",
        'remember_token="quoted"',
        'remember_token="caf\\303\\251 x\\073y"',
        'remember_token="\\477\\400\\0777"',
        'remember_token="esc\\"aped\\\\"',
        'remember_token="unterminated',
        'remember_token="a\\',
        'remember_token=""',
        "remember_token=",
        "remember_token",
        "remember_token=first; remember_token=second",
        "other=1",
        "remember_tokenx=1; remember_token=2",
    ]
    out = []
    for h in headers:
        v = parse_cookie(h).get("remember_token")
        out.append({"header": h, "value": v})
    return out


def main():
    out = {
        "generator": "gen_vectors.py",
        "versions": {"flask": flask.__version__, "flask_login": flask_login.__version__,
                     "werkzeug": werkzeug.__version__},
        "secret": SECRET.decode(),
        "now": NOW.isoformat() + "Z",
        "identifiers": identifiers(),
        "cookies": cookies(),
        "scenarios": [run(s) for s in scenarios()],
        "cookie_headers": cookie_headers(),
    }
    json.dump(out, sys.stdout, indent=1, ensure_ascii=True, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
