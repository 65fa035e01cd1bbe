#!/usr/bin/python3
"""flaskpeer: sessionkit's real-Flask counterpart for interop tests.

Every cookie this script produces or checks goes through Flask's own
SecureCookieSessionInterface (its itsdangerous serializer and its tagged JSON),
inside a real Flask app. Run it with an interpreter that can import Flask,
e.g. Debian's /usr/bin/python3 after `apt-get install -y python3-flask`.

Subcommands (each has --help):

  verify  check and decode a session cookie the way Flask's open_session does
  sign    have Flask set a session cookie for a given session and print it
  serve   run a small Flask app on 127.0.0.1 for HTTP-level interop tests

Flask 3.1.3 is the behaviour sessionkit targets. When the imported Flask is
older (Debian ships 2.2.2), this script makes up for the differences that show
on the wire:

  * SECRET_KEY_FALLBACKS (3.1.1+): keys = [*fallbacks, SECRET_KEY]; cookies
    are signed with SECRET_KEY and checked against every key, newest first.
  * SESSION_COOKIE_PARTITIONED (3.1): adds the Partitioned attribute and forces
    Secure, on set and on deletion cookies.
  * SESSION_COOKIE_DOMAIN (Flask/Werkzeug 2.3+): used as configured, minus a
    port and any leading dot; SERVER_NAME is never consulted.
  * session.accessed (3.1.3): every use of the session in a view counts as an
    access, so an empty session that a view merely looked at still gets
    "Vary: Cookie".

TYPED JSON. Sessions are read and written in a JSON notation that keeps the
Python types Flask's tagged JSON distinguishes. Plain JSON values stand for
themselves, except these one-key objects:

  {"$float": "<repr>"}       float; the text is Python's repr ("1.0", "1e+16",
                             "nan", "inf", "-inf", "-0.0")
  {"$tuple": [...]}          tuple
  {"$bytes": "<base64>"}     bytes (standard alphabet, padded)
  {"$markup": "..."}         markupsafe.Markup
  {"$uuid": "8-4-4-4-12"}    uuid.UUID
  {"$datetime": "ISO 8601"}  datetime.datetime (as datetime.isoformat())
  {"$dict": {...}}           a real dict whose only key starts with "$"

Integers are plain JSON integers of any size. Output is canonical: keys sorted,
no spaces, ASCII only (json.dumps(sort_keys=True, separators=(",", ":"),
ensure_ascii=True)), so two outputs can be compared as strings.

Exit status (all subcommands): 64 for a usage error, 69 when Flask cannot be
imported, 70 for an unexpected error in this script (with a traceback).
"""

from __future__ import annotations

import argparse
import base64
import binascii
import datetime as _dt
import json
import os
import signal
import sys
import threading
import traceback
import uuid

try:
    import flask
    import flask.sessions
    import itsdangerous
    import itsdangerous.timed
    from itsdangerous import BadPayload, BadSignature
    from markupsafe import Markup
except ImportError as _e:  # exit 1 would read as "invalid cookie"
    print(f"flaskpeer: {_e}: this script needs Flask (apt-get install -y python3-flask)", file=sys.stderr)
    sys.exit(69)

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_BAD_PAYLOAD = 2
EXIT_NO_SECRET = 3
EXIT_NO_COOKIE = 3
EXIT_USAGE = 64
EXIT_UNAVAILABLE = 69  # Flask cannot be imported
EXIT_CRASH = 70  # an unexpected exception in this script (traceback on stderr)

PROG = "flaskpeer"


class UsageError(Exception):
    """Bad command-line input: reported on stderr, exit status 64."""


# --------------------------------------------------------------------------
# Typed JSON


def to_typed(value):
    """Turn a Python session value into its typed-JSON tree."""
    # bool before int (bool is an int), Markup before str (Markup is a str).
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, Markup):
        return {"$markup": str(value)}
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return {"$float": repr(value)}
    if isinstance(value, (bytes, bytearray)):
        return {"$bytes": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, uuid.UUID):
        return {"$uuid": str(value)}
    if isinstance(value, _dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, tuple):
        return {"$tuple": [to_typed(item) for item in value]}
    if isinstance(value, list):
        return [to_typed(item) for item in value]
    if isinstance(value, dict):
        tree = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"dict key {key!r} is not a str")
            tree[key] = to_typed(item)
        if len(tree) == 1 and next(iter(tree)).startswith("$"):
            return {"$dict": tree}
        return tree
    raise TypeError(f"no typed-JSON form for {type(value).__name__}: {value!r}")


def _tag_value(tag, arg):
    if tag == "$float":
        if not isinstance(arg, str):
            raise ValueError("$float takes a string (a Python float repr)")
        return float(arg)
    if tag == "$tuple":
        if not isinstance(arg, list):
            raise ValueError("$tuple takes an array")
        return tuple(from_typed(item) for item in arg)
    if tag == "$bytes":
        if not isinstance(arg, str):
            raise ValueError("$bytes takes a base64 string")
        try:
            return base64.b64decode(arg, validate=True)
        except binascii.Error as e:
            raise ValueError(f"$bytes: {e}") from None
    if tag == "$markup":
        if not isinstance(arg, str):
            raise ValueError("$markup takes a string")
        return Markup(arg)
    if tag == "$uuid":
        if not isinstance(arg, str):
            raise ValueError("$uuid takes a string")
        return uuid.UUID(arg)
    if tag == "$datetime":
        if not isinstance(arg, str):
            raise ValueError("$datetime takes an ISO 8601 string")
        return _dt.datetime.fromisoformat(arg)
    if tag == "$dict":
        if not isinstance(arg, dict):
            raise ValueError("$dict takes an object")
        return {key: from_typed(item) for key, item in arg.items()}
    raise ValueError(f"unknown typed-JSON tag {tag!r}")


def from_typed(tree):
    """Turn a typed-JSON tree (as parsed by json.loads) into Python values."""
    if isinstance(tree, list):
        return [from_typed(item) for item in tree]
    if isinstance(tree, dict):
        if len(tree) == 1:
            ((key, arg),) = tree.items()
            if key.startswith("$"):
                return _tag_value(key, arg)
        return {key: from_typed(item) for key, item in tree.items()}
    return tree


def canonical(tree) -> str:
    return json.dumps(tree, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def typed_text(value) -> str:
    return canonical(to_typed(value))


def parse_typed_session(text: str) -> dict:
    try:
        tree = json.loads(text)
    except ValueError as e:
        raise UsageError(f"session is not valid JSON: {e}") from None
    try:
        value = from_typed(tree)
    except (ValueError, TypeError) as e:
        raise UsageError(f"session is not valid typed JSON: {e}") from None
    if not isinstance(value, dict):
        raise UsageError("session must be a JSON object")
    return value


# --------------------------------------------------------------------------
# Clock


class frozen_clock:
    """Pin the clocks Flask's cookie code reads to Unix time `ts` (None: leave
    them alone): itsdangerous' TimestampSigner.get_timestamp (the signed
    timestamp, and "now" for the max_age check) and flask.sessions.datetime
    (Expires of a permanent session)."""

    def __init__(self, ts):
        self.ts = ts
        self._saved = None

    def __enter__(self):
        if self.ts is None:
            return self
        ts = int(self.ts)
        real = _dt.datetime

        class PinnedDatetime(real):
            @classmethod
            def now(cls, tz=None):
                return real.fromtimestamp(ts, tz)

            @classmethod
            def utcnow(cls):
                return real.fromtimestamp(ts, _dt.timezone.utc).replace(tzinfo=None)

        self._saved = (
            itsdangerous.timed.TimestampSigner.get_timestamp,
            flask.sessions.datetime,
        )
        itsdangerous.timed.TimestampSigner.get_timestamp = lambda signer: ts
        flask.sessions.datetime = PinnedDatetime
        return self

    def __exit__(self, *exc):
        if self._saved is not None:
            (
                itsdangerous.timed.TimestampSigner.get_timestamp,
                flask.sessions.datetime,
            ) = self._saved
            self._saved = None
        return False


# --------------------------------------------------------------------------
# The Flask app


HAS_FALLBACKS = "SECRET_KEY_FALLBACKS" in flask.Flask.default_config
HAS_PARTITIONED = "SESSION_COOKIE_PARTITIONED" in flask.Flask.default_config


class TargetSessionInterface(flask.sessions.SecureCookieSessionInterface):
    """Flask's own cookie session interface, with the Flask 3.1.3 behaviour
    that older Flask releases lack filled in (see the module docstring). On a
    Flask that has a feature natively, the native code runs."""

    def get_signing_serializer(self, app):
        if HAS_FALLBACKS:
            return super().get_signing_serializer(app)
        if not app.secret_key:
            return None
        keys = list(app.config.get("SECRET_KEY_FALLBACKS") or [])
        keys.append(app.secret_key)  # itsdangerous signs with the last key
        return itsdangerous.URLSafeTimedSerializer(
            keys,
            salt=self.salt,
            serializer=self.serializer,
            signer_kwargs={
                "key_derivation": self.key_derivation,
                "digest_method": self.digest_method,
            },
        )

    def get_cookie_domain(self, app):
        domain = app.config["SESSION_COOKIE_DOMAIN"]
        if not domain:
            return None
        return domain.partition(":")[0].lstrip(".") or None

    def _partitioned(self, app) -> bool:
        return not HAS_PARTITIONED and bool(app.config.get("SESSION_COOKIE_PARTITIONED"))

    def get_cookie_secure(self, app):
        return bool(super().get_cookie_secure(app)) or self._partitioned(app)

    def save_session(self, app, session, response):
        already = len(response.headers.getlist("Set-Cookie"))
        super().save_session(app, session, response)
        if not self._partitioned(app):
            return
        name = self.get_cookie_name(app)
        headers = response.headers.getlist("Set-Cookie")
        for i in range(already, len(headers)):
            if headers[i].partition("=")[0] == name and not headers[i].endswith("; Partitioned"):
                headers[i] += "; Partitioned"
        response.headers.remove("Set-Cookie")
        for value in headers:
            response.headers.add("Set-Cookie", value)


def build_app(secret, fallbacks, config) -> flask.Flask:
    app = flask.Flask("sessionkit_flaskpeer")
    app.session_interface = TargetSessionInterface()
    app.config["SECRET_KEY"] = secret
    if fallbacks:
        app.config["SECRET_KEY_FALLBACKS"] = list(fallbacks)
    app.config.update(config)
    return app


def used_session():
    """The request's session, marked accessed as Flask 3.1.3 marks it on any
    use of flask.session."""
    sess = flask.session._get_current_object()
    sess.accessed = True
    return sess


# --------------------------------------------------------------------------
# Command line


class Parser(argparse.ArgumentParser):
    def error(self, message):
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        sys.exit(EXIT_USAGE)


def add_key_options(p, *, secret=True):
    if secret:
        g = p.add_mutually_exclusive_group()
        g.add_argument("--secret", metavar="S", help="SECRET_KEY as text (UTF-8)")
        g.add_argument("--secret-hex", metavar="HEX", help="SECRET_KEY as raw bytes, hex-encoded")
    p.add_argument("--fallback", metavar="K", action="append", default=[],
                   help="a SECRET_KEY_FALLBACKS entry as text (repeatable, oldest first)")
    p.add_argument("--fallback-hex", metavar="HEX", action="append", default=[],
                   help="a SECRET_KEY_FALLBACKS entry as hex bytes (repeatable; listed after the --fallback ones)")
    p.add_argument("--config", metavar="KEY=JSON", action="append", default=[],
                   help="set app.config[KEY] to the JSON value, e.g. SESSION_COOKIE_SAMESITE='\"Lax\"' "
                        "or PERMANENT_SESSION_LIFETIME=3600 (repeatable)")


def hex_key(text: str, flag: str) -> bytes:
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise UsageError(f"{flag}: not hex: {text!r}") from None


def keys_from(args):
    if getattr(args, "secret_hex", None) is not None:
        secret = hex_key(args.secret_hex, "--secret-hex")
    else:
        secret = getattr(args, "secret", None)
    fallbacks = list(args.fallback) + [hex_key(h, "--fallback-hex") for h in args.fallback_hex]
    return secret, fallbacks


def config_from(args) -> dict:
    config = {}
    for item in args.config:
        key, eq, raw = item.partition("=")
        if not eq or not key:
            raise UsageError(f"--config {item!r}: want KEY=JSON")
        try:
            config[key] = json.loads(raw)
        except ValueError as e:
            raise UsageError(f"--config {key}: value is not JSON ({e}); quote strings: {key}='\"text\"'") from None
    return config


def read_arg(value: str) -> str:
    return sys.stdin.read() if value == "-" else value


# --------------------------------------------------------------------------
# verify

VERIFY_HELP = """\
Check COOKIE (a session cookie value) and decode it exactly as Flask's
open_session does: app.session_interface.get_signing_serializer(app).loads(
COOKIE, max_age=MAX_AGE), then session_class(data).

stdout: the session as canonical typed JSON (on success only).
stderr: why the cookie was refused.

exit status:
  0  valid
  1  invalid: bad signature, malformed or expired (Flask: new empty session)
  2  the signature is valid but the payload cannot be decoded (Flask: HTTP 500)
  3  no secret key (Flask: null session)
  64 usage error
"""


def cmd_verify(args) -> int:
    secret, fallbacks = keys_from(args)
    app = build_app(secret, fallbacks, config_from(args))
    cookie = args.cookie
    if cookie == "-":
        cookie = sys.stdin.read()
        if cookie.endswith("\n"):  # one line, as `echo` writes it
            cookie = cookie[:-1].rstrip("\r")
    with app.app_context():
        serializer = app.session_interface.get_signing_serializer(app)
        if serializer is None:
            print(f"{PROG} verify: no secret key: Flask uses a null session", file=sys.stderr)
            return EXIT_NO_SECRET
        if args.max_age is not None:
            max_age = args.max_age
        else:
            max_age = int(app.permanent_session_lifetime.total_seconds())
        try:
            with frozen_clock(args.now):
                data = serializer.loads(cookie, max_age=max_age)
        except BadSignature as e:
            print(f"{PROG} verify: invalid: {type(e).__name__}: {e}", file=sys.stderr)
            return EXIT_INVALID
        except BadPayload as e:
            print(f"{PROG} verify: bad payload: {type(e).__name__}: {e}", file=sys.stderr)
            return EXIT_BAD_PAYLOAD
        try:
            session = app.session_interface.session_class(data)
        except Exception as e:  # what open_session would raise: HTTP 500
            print(f"{PROG} verify: bad payload: Flask cannot make a session of "
                  f"{type(data).__name__}: {type(e).__name__}: {e}", file=sys.stderr)
            return EXIT_BAD_PAYLOAD
        print(typed_text(dict(session)))
    return EXIT_OK


# --------------------------------------------------------------------------
# sign

SIGN_HELP = """\
Have a real Flask app set the session cookie for SESSION (typed JSON; '-'
reads it from stdin): one request through the Werkzeug test client to a view
that does session.update(SESSION) (and session.permanent = True with
--permanent). Prints the cookie value Flask set, or with --header the whole
Set-Cookie header value.

exit status:
  0  cookie printed
  1  Flask answered with an error (e.g. no secret key: the null session
     refuses writes; a bad SESSION_COOKIE_SAMESITE); details on stderr
  3  Flask set no session cookie, or only a deletion cookie (empty session);
     with --header a deletion header is still printed
  64 usage error
"""


def cmd_sign(args) -> int:
    secret, fallbacks = keys_from(args)
    app = build_app(secret, fallbacks, config_from(args))
    data = parse_typed_session(read_arg(args.session))
    permanent = args.permanent

    @app.route("/sign")
    def sign_view():
        sess = used_session()
        sess.update(data)
        if permanent:
            sess.permanent = True
        return ""

    with frozen_clock(args.timestamp):
        response = app.test_client(use_cookies=False).get("/sign")
    if response.status_code != 200:
        print(f"{PROG} sign: Flask answered HTTP {response.status_code}", file=sys.stderr)
        return EXIT_INVALID
    name = app.session_interface.get_cookie_name(app)
    for header in response.headers.getlist("Set-Cookie"):
        cookie_name, _, rest = header.partition("=")
        if cookie_name != name:
            continue
        value = rest.partition(";")[0]
        if args.header:
            print(header)
        elif value:
            print(value)
        if not value:
            print(f"{PROG} sign: Flask sent a deletion cookie (the session is empty)", file=sys.stderr)
            return EXIT_NO_COOKIE
        return EXIT_OK
    print(f"{PROG} sign: Flask set no {name!r} cookie", file=sys.stderr)
    return EXIT_NO_COOKIE


# --------------------------------------------------------------------------
# serve

SERVE_HELP = """\
Run a real Flask app on 127.0.0.1:PORT (0 picks a free port). Prints
"LISTENING http://127.0.0.1:N" on stdout once it accepts connections. SECRET
is SECRET_KEY (missing or '' = none: Flask uses the null session, which reads
as empty and answers 500 to writes). Stops cleanly on SIGTERM or
SIGINT (and, with --exit-on-eof, when stdin reaches end of file, so a peer
whose parent dies goes away with it). Requests are logged on stderr.

Routes (GET; the body is the session after the view, as canonical typed JSON,
Content-Type application/json, no trailing newline):
  /set?k=v[&k2=v2...]     session[k] = v (strings) for every query argument
  /set-json?data=TJSON    session.update(typed JSON object)
  /get                    only reads the session
  /clear                  session.clear()
  /permanent              session.permanent = True
  /login?user=NAME        session["user"] = NAME; with &remember=1 also
                          session.permanent = True
  /flash?msg=M&cat=C      flask.flash(M, C)  (C defaults to "message")
  /markup-flash?msg=M     flask.flash(Markup(M), C)  (&cat=C as above)
  /flashes                get_flashed_messages(with_categories=True) (pops them);
                          body {"flashes": [[cat, msg], ...], "session": {...}};
                          &filter=C (repeatable) = category_filter
"""


class _Stop(Exception):
    pass


def _raise_stop(signum, frame):
    raise _Stop()


def build_peer_app(secret, fallbacks, config) -> flask.Flask:
    app = build_app(secret, fallbacks, config)
    req = flask.request

    def body(tree):
        return flask.Response(canonical(tree), mimetype="application/json")

    def session_body():
        return body(to_typed(dict(used_session())))

    @app.route("/set")
    def set_values():
        sess = used_session()
        for key, value in req.args.items(multi=True):
            sess[key] = value
        return session_body()

    @app.route("/set-json")
    def set_json():
        raw = req.args.get("data")
        if raw is None:
            return flask.Response("missing ?data=TYPED_JSON\n", status=400, mimetype="text/plain")
        try:
            data = parse_typed_session(raw)
        except UsageError as e:
            return flask.Response(f"{e}\n", status=400, mimetype="text/plain")
        used_session().update(data)
        return session_body()

    @app.route("/get")
    def get():
        return session_body()

    @app.route("/clear")
    def clear():
        used_session().clear()
        return session_body()

    @app.route("/permanent")
    def permanent():
        used_session().permanent = True
        return session_body()

    @app.route("/login")
    def login():
        sess = used_session()
        sess["user"] = req.args.get("user", "")
        if req.args.get("remember") == "1":
            sess.permanent = True
        return session_body()

    @app.route("/flash")
    def flash():
        used_session()
        flask.flash(req.args.get("msg", ""), req.args.get("cat", "message"))
        return session_body()

    @app.route("/markup-flash")
    def markup_flash():
        used_session()
        flask.flash(Markup(req.args.get("msg", "")), req.args.get("cat", "message"))
        return session_body()

    @app.route("/flashes")
    def flashes():
        used_session()
        wanted = req.args.getlist("filter")
        messages = flask.get_flashed_messages(with_categories=True, category_filter=wanted)
        listed = []
        for item in messages:
            if isinstance(item, (tuple, list)) and len(item) == 2:
                listed.append([to_typed(item[0]), to_typed(item[1])])
            else:  # not a (category, message) pair: show it as it is
                listed.append(to_typed(item))
        return body({"flashes": listed, "session": to_typed(dict(used_session()))})

    return app


def cmd_serve(args) -> int:
    from werkzeug.serving import make_server

    secret, fallbacks = keys_from(args)
    if args.secret_hex is not None and args.secret is not None:
        raise UsageError("give SECRET or --secret-hex, not both")
    if not secret:
        secret = None
    app = build_peer_app(secret, fallbacks, config_from(args))
    if not 0 <= args.port <= 65535:
        raise UsageError(f"PORT {args.port} out of range")
    try:
        server = make_server("127.0.0.1", args.port, app, threaded=True)
    except OSError as e:
        print(f"{PROG} serve: cannot listen on 127.0.0.1:{args.port}: {e}", file=sys.stderr)
        return 1
    signal.signal(signal.SIGTERM, _raise_stop)
    signal.signal(signal.SIGINT, _raise_stop)
    if args.exit_on_eof:
        def watch_stdin():
            # The raw descriptor, not sys.stdin: a daemon thread blocked
            # inside a buffered reader can abort the interpreter at exit.
            try:
                while os.read(0, 4096):
                    pass
            except OSError:
                pass
            os.kill(os.getpid(), signal.SIGTERM)

        threading.Thread(target=watch_stdin, name="stdin-eof", daemon=True).start()
    print(f"LISTENING http://127.0.0.1:{server.server_port}", flush=True)
    try:
        server.serve_forever()
    except _Stop:
        pass
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    server.server_close()
    # Skip interpreter finalization: request threads and the stdin watcher
    # are daemon threads that may still be blocked; nothing is left to flush
    # but the standard streams.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(EXIT_OK)


# --------------------------------------------------------------------------


def make_parser() -> Parser:
    top = Parser(prog=PROG, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = top.add_subparsers(dest="command", metavar="{verify,sign,serve}", parser_class=Parser)
    sub.required = True
    raw = argparse.RawDescriptionHelpFormatter

    p = sub.add_parser("verify", help="check and decode a session cookie",
                       description=VERIFY_HELP, formatter_class=raw)
    add_key_options(p)
    p.add_argument("--max-age", type=int, metavar="N",
                   help="seconds a cookie stays valid (default: PERMANENT_SESSION_LIFETIME, as Flask uses)")
    p.add_argument("--now", type=int, metavar="TS", help="pretend the current Unix time is TS")
    p.add_argument("cookie", metavar="COOKIE", help="the cookie value; '-' reads it from stdin")
    p.set_defaults(run=cmd_verify)

    p = sub.add_parser("sign", help="have Flask set a session cookie",
                       description=SIGN_HELP, formatter_class=raw)
    add_key_options(p)
    p.add_argument("--timestamp", type=int, metavar="TS",
                   help="freeze the clock at Unix time TS (signature timestamp and Expires)")
    p.add_argument("--permanent", action="store_true", help="also set session.permanent = True")
    p.add_argument("--header", action="store_true", help="print the whole Set-Cookie header value")
    p.add_argument("session", metavar="TYPED_JSON", help="the session (a typed-JSON object); '-' reads stdin")
    p.set_defaults(run=cmd_sign)

    p = sub.add_parser("serve", help="run a Flask app on 127.0.0.1",
                       description=SERVE_HELP, formatter_class=raw)
    add_key_options(p, secret=False)
    p.add_argument("--secret-hex", metavar="HEX", help="SECRET_KEY as hex bytes, instead of SECRET")
    p.add_argument("--exit-on-eof", action="store_true", help="stop when stdin reaches end of file")
    p.add_argument("port", type=int, metavar="PORT")
    p.add_argument("secret", metavar="SECRET", nargs="?",
                   help="SECRET_KEY as text; '' or missing = no secret key")
    p.set_defaults(run=cmd_serve)
    return top


def main(argv=None) -> int:
    args = make_parser().parse_args(argv)
    try:
        return args.run(args)
    except UsageError as e:
        print(f"{PROG} {args.command}: {e}", file=sys.stderr)
        return EXIT_USAGE
    except Exception:  # Python's own exit status 1 would read as "invalid"
        traceback.print_exc()
        print(f"{PROG} {args.command}: unexpected error (exit {EXIT_CRASH})", file=sys.stderr)
        return EXIT_CRASH


if __name__ == "__main__":
    sys.exit(main())
