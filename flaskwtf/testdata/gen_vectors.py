#!/usr/bin/python3
"""Record Flask-WTF's CSRF behaviour as test vectors for package flaskwtf.

Run with an interpreter that has Flask and Flask-WTF (Debian: python3-flask
2.2.2, python3-flaskext.wtf 1.1.1):

    /usr/bin/python3 flaskwtf/testdata/gen_vectors.py > flaskwtf/testdata/vectors.json

Tokens are made and checked by the real generate_csrf, validate_csrf and
CSRFProtect inside a real Flask app; only itsdangerous' clock is pinned.
"""

import json
import sys

import flask
import flask_wtf
import itsdangerous
import itsdangerous.timed
import werkzeug
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf, validate_csrf
from itsdangerous import URLSafeTimedSerializer
from wtforms import ValidationError

SECRET = "wtf-vector-secret"
T = 1764493200  # 2025-11-30T09:00:00Z
RAW = "8d6c3a3f0bd1d5cf1c3f6b1c2f4a9e7d6b5a4c3e"
CLOCK = [T]


class Clock:
    @staticmethod
    def time():
        return CLOCK[0]


itsdangerous.timed.time = Clock


def make_app(config=None):
    app = flask.Flask(__name__)
    app.secret_key = SECRET
    app.config.update(config or {})
    CSRFProtect(app)

    @app.errorhandler(CSRFError)
    def on_error(e):
        return e.description, 400

    @app.route("/form", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    def form():
        return "ok"

    return app


def dumps(raw, secret=SECRET, at=T):
    CLOCK[0] = at
    return URLSafeTimedSerializer(secret, salt="wtf-csrf-token").dumps(raw)


def tokens():
    out = []
    app = make_app()
    for raw in [RAW, "abc", "caf\u00e9 \U0001f600", 'q"uote\\ <&>\x7f\n', "a" * 200,
                "\x00\x08\x0c\r\t\x1f\x1e \u2028"]:
        CLOCK[0] = T
        with app.test_request_context():
            flask.session["csrf_token"] = raw
            out.append({"raw": raw, "unix": T, "token": generate_csrf()})
    return out


def validations():
    app = make_app()
    good = dumps(RAW)
    sig_bad = good[:-1] + ("A" if good[-1] != "A" else "B")
    payload, ts, sig = good.split(".")
    cases = [
        ("valid age 0", RAW, good, T, None),
        ("valid at the limit", RAW, good, T + 3600, None),
        ("expired one over", RAW, good, T + 3601, None),
        ("future by one", RAW, good, T - 1, None),
        ("limit 60 at 60", RAW, good, T + 60, 60),
        ("limit 60 at 61", RAW, good, T + 61, 60),
        ("no limit, a year later", RAW, good, T + 365 * 86400, "none"),
        ("missing token", RAW, "", T, None),
        ("session token missing", None, good, T, None),
        ("bad signature", RAW, sig_bad, T, None),
        ("tampered payload", RAW, dumps("f" * 40).split(".")[0] + "." + ts + "." + sig, T, None),
        ("tampered timestamp", RAW, payload + ".aaaaaa." + sig, T, None),
        ("wrong secret", RAW, dumps(RAW, secret="another-secret"), T, None),
        ("mismatched", RAW, dumps("0" * 40), T, None),
        ("garbage", RAW, "not-a-token", T, None),
        ("two parts", RAW, payload + "." + sig, T, None),
        ("compressed", "a" * 200, dumps("a" * 200), T, None),
        ("empty raw", "", dumps(""), T, None),
        ("non-ascii raw", "caf\u00e9", dumps("caf\u00e9"), T, None),
    ]
    out = []
    for name, raw, token, now, limit in cases:
        CLOCK[0] = now
        with app.test_request_context():
            if raw is not None:
                flask.session["csrf_token"] = raw
            tl = None if limit is None else (None if limit == "none" else limit)
            if limit == "none":
                app.config["WTF_CSRF_TIME_LIMIT"] = None
            try:
                validate_csrf(token, time_limit=tl)
                reason = ""
            except ValidationError as e:
                reason = e.args[0]
            except TypeError:
                # hmac.compare_digest refuses non-ASCII str: Flask answers 500.
                reason = "TypeError"
            finally:
                app.config["WTF_CSRF_TIME_LIMIT"] = 3600
        out.append({"name": name, "raw": raw, "token": token, "now": now,
                    "time_limit": limit, "reason": reason})
    return out


def protects():
    good = dumps(RAW)
    cases = [
        ("GET is not checked", "GET", {}, {}, False, None),
        ("POST form", "POST", {"csrf_token": good}, {}, False, None),
        ("POST no token", "POST", {}, {}, False, None),
        ("POST empty field then header", "POST", {"csrf_token": ""}, {"X-CSRFToken": good}, False, None),
        ("POST prefixed field", "POST", {"login-csrf_token": good}, {}, False, None),
        ("PUT X-CSRFToken", "PUT", {}, {"X-CSRFToken": good}, False, None),
        ("PATCH X-CSRF-Token", "PATCH", {}, {"X-CSRF-Token": good}, False, None),
        ("DELETE bad header", "DELETE", {}, {"X-CSRFToken": "nope"}, False, None),
        ("POST form wins over header", "POST", {"csrf_token": "nope"}, {"X-CSRFToken": good}, False, None),
        ("HTTPS no referrer", "POST", {"csrf_token": good}, {}, True, None),
        ("HTTPS same origin", "POST", {"csrf_token": good}, {"Referer": "https://example.com/page"}, True, None),
        ("HTTPS referrer upper-case host", "POST", {"csrf_token": good}, {"Referer": "https://EXAMPLE.com/x"}, True, None),
        ("HTTPS Host with :443", "POST", {"csrf_token": good}, {"Referer": "https://example.com/"}, True, {"host": "example.com:443"}),
        ("HTTPS Host with :8443", "POST", {"csrf_token": good}, {"Referer": "https://example.com:8443/"}, True, {"host": "example.com:8443"}),
        ("HTTPS Host with :8443, referrer without", "POST", {"csrf_token": good}, {"Referer": "https://example.com/"}, True, {"host": "example.com:8443"}),
        ("HTTPS referrer :443", "POST", {"csrf_token": good}, {"Referer": "https://example.com:443/"}, True, None),
        ("HTTPS referrer http", "POST", {"csrf_token": good}, {"Referer": "http://example.com/"}, True, None),
        ("HTTPS referrer other host", "POST", {"csrf_token": good}, {"Referer": "https://evil.example/"}, True, None),
        ("HTTPS bad token before referrer", "POST", {"csrf_token": "x"}, {}, True, None),
        ("HTTPS not strict", "POST", {"csrf_token": good}, {}, True, {"WTF_CSRF_SSL_STRICT": False}),
        ("custom field name", "POST", {"token": good}, {}, False, {"WTF_CSRF_FIELD_NAME": "token"}),
        ("custom methods", "DELETE", {}, {}, False, {"WTF_CSRF_METHODS": ["POST"]}),
    ]
    out = []
    for name, method, form, headers, https, config in cases:
        config = dict(config or {})
        host = config.pop("host", "example.com")
        app = make_app(config)
        field = (config or {}).get("WTF_CSRF_FIELD_NAME", "csrf_token")
        CLOCK[0] = T
        client = app.test_client()
        with client.session_transaction() as sess:
            sess[field] = RAW
        base = ("https://" if https else "http://") + host
        resp = client.open("/form", base_url=base, method=method, data=form, headers=headers)
        reason = "" if resp.status_code == 200 else resp.get_data(as_text=True)
        out.append({"name": name, "method": method, "form": form, "headers": headers,
                    "https": https, "host": host, "config": config, "raw": RAW, "now": T,
                    "status": resp.status_code, "reason": reason})
    return out


def main():
    out = {
        "generator": "gen_vectors.py",
        "versions": {"flask": flask.__version__, "flask_wtf": flask_wtf.__version__,
                     "itsdangerous": itsdangerous.__version__, "werkzeug": werkzeug.__version__},
        "secret": SECRET,
        "tokens": tokens(),
        "validations": validations(),
        "protect": protects(),
    }
    json.dump(out, sys.stdout, indent=1, ensure_ascii=True, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
