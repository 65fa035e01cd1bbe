"""Record how Werkzeug reads the "session" cookie from each Cookie header of
cookie-headers.json (the table cookie_header_test.go checks readCookie
against).

Run it with each Flask whose behaviour the table records; it fills in the
field named after the installed Werkzeug, "werkzeug-X.Y.Z":

    /usr/bin/python3 testdata/cookie-headers.py testdata/cookie-headers.json
    python3 testdata/cookie-headers.py testdata/cookie-headers.json

A header is a string of code points below 256 standing for the bytes of
the header (latin-1, as a WSGI server hands it to Werkzeug). The recorded
value is what request.cookies.get("session") returns, or null.
"""

import json
import sys
from importlib.metadata import version

from werkzeug.sansio.http import parse_cookie


def main(path):
    with open(path, encoding="utf-8") as f:
        table = json.load(f)
    field = "werkzeug-" + version("werkzeug")
    for row in table["rows"]:
        row[field] = parse_cookie(row["header"]).get("session")
    table.setdefault("recorded_with", [])
    if field not in table["recorded_with"]:
        table["recorded_with"].append(field)
        table["recorded_with"].sort()
    with open(path, "w", encoding="utf-8") as f:
        json.dump(table, f, indent=1, ensure_ascii=True)
        f.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])
