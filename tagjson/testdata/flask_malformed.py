"""Records what Flask's TaggedJSONSerializer.loads makes of malformed tagged
values, for tagjson's TestFlaskMalformedVectors.

Run with the Python that has Flask (Debian's python3-flask 2.2.2):

    /usr/bin/python3 tagjson/testdata/flask_malformed.py > tagjson/testdata/flask-malformed.json

Each vector is {"in": JSON text, "out": dumps(loads(in))} when Flask reads
it, or {"in": ..., "error": exception type} when loads raises (a session
cookie that makes Flask answer 500). "out" is Flask's own tagged JSON of
the value it read, so comparing it checks types (tuple, bytes, Markup,
UUID, datetime) as well as values.
"""
import json
import sys
from importlib.metadata import version

import flask
from flask.json.tag import TaggedJSONSerializer

TAGS = [" t", " b", " m", " u", " d", " di"]

# Payloads every tag is fed: every JSON type, empty and not, and every
# tagged type nested.
COMMON = [
    'null', 'true', 'false', '0', '1', '-1', '0.0', '1.5', '1e300', 'NaN', 'Infinity', '-Infinity',
    '12345678901234567890', '""', '"a"', '"abc"', '"caf\\u00e9"', '"\\ud83d\\ude00"', '"a b"',
    '[]', '[1]', '[1,2]', '["a","b"]', '[null]', '[[]]', '[{}]', '[{"a":1}]',
    '{}', '{"a":1}', '{"a__":1}', '{" t__":[1]}', '{"a__":1,"b__":2}', '{"b":1,"a":2}', '{"x":"y","z":[1,{"w":null}]}',
    '{"a__":1,"b__":2,"a__":3}', '{"":1}', '{"é":"ü"}',
    '{" t":[1,2]}', '{" t":[]}', '{" t":["a"]}', '{" b":"AQID"}', '{" b":""}', '{" m":"<b>"}', '{" m":""}',
    '{" u":"0f8fad5bd9cb469fa16570867728950e"}', '{" d":"Tue, 02 Jan 2024 03:04:05 GMT"}',
    '{" d":"not a date"}', '{" di":{"a__":1}}', '{" di":{" t__":[1]}}',
    '[{" t":[1]},{" b":"AA=="},{" m":"x"},{" d":"Tue, 02 Jan 2024 03:04:05 GMT"},{" u":"0f8fad5bd9cb469fa16570867728950e"}]',
    '{"k":{" b":"AA=="},"l":{" m":"x\'y"},"m":[1.0,-0.0,1e16,1e-05,true,null]}',
]

SPECIFIC = {
    " b": ['"AA=="', '"AA="', '"AA"', '"A"', '"AAA"', '"AAAA"', '"AAAAA"', '"AA==AA=="', '"AA=A"', '"A=A=A"',
           '"=AA="', '"==="', '"A==="', '"AB=x="', '"eA==\\n"', '"e A = ="', '"eA-_"', '"eA!!"', '"!!"',
           '"eB=="', '"eB"', '"QUJD"', '"QUJDRA"', '"QUJDRA=="', '"QUJDRA==="', '"QUJDRA====QUJD"', '"QU JD"',
           '"QUJ\\tD"', '"\\u00e9QUJD"', '"QUJD\\u0000"', '"Q\\u00ffUJD"', '"QUJD=QUJD"', '"QU=JD"', '"QUJ=D"',
           '{" b":"UVVKRA=="}', '{" b":"QUJD"}', '{" m":"QUJD"}', '{" m":"QUJ\\u00e9D"}', '{" b":"/w=="}'],
    " u": ['"0f8fad5b-d9cb-469f-a165-70867728950e"', '"0F8FAD5BD9CB469FA16570867728950E"',
           '"{0f8fad5b-d9cb-469f-a165-70867728950e}"', '"urn:uuid:0f8fad5b-d9cb-469f-a165-70867728950e"',
           '"URN:UUID:0f8fad5bd9cb469fa16570867728950e"', '"0f8fad5bd9cb469fa16570867728950"',
           '"0f8fad5bd9cb469fa16570867728950e0"', '"0f8fad5b-d9cb-469f-a165-70867728950g"',
           '"{{0f8fad5bd9cb469fa16570867728950e}}"', '"}0f8fad5bd9cb469fa16570867728950e{"',
           '"0f8f-ad5bd9cb-469fa165-70867728950e-"', '"urn:0f8fad5bd9cb469fa16570867728950e"',
           '"uuid:0f8fad5bd9cb469fa16570867728950e"', '"0f8fad5bd9cburn:469fa16570867728950e"',
           '"0x8fad5bd9cb469fa16570867728950e"', '"+f8fad5bd9cb469fa16570867728950e"',
           '" f8fad5bd9cb469fa16570867728950e"', '"0f8fad5bd9cb469fa16570867728950 "',
           '"0_8fad5bd9cb469fa16570867728950e"', '"0f8fad5bd9cb469fa1657086772895_e"',
           '"0__fad5bd9cb469fa16570867728950e"', '"_f8fad5bd9cb469fa16570867728950e"',
           '"0f8fad5bd9cb469fa16570867728950\\u0661"', '"\\u0661f8fad5bd9cb469fa16570867728950e"',
           '"ffffffffffffffffffffffffffffffff"', '"00000000000000000000000000000000"',
           '"\\u00e9f8fad5bd9cb469fa16570867728950e"', '"0f8fad5bd9cb469fa16570867728950\\u00e9"',
           '{" m":"0f8fad5bd9cb469fa16570867728950e"}', '{" b":"MGY4ZmFkNWJkOWNiNDY5ZmExNjU3MDg2NzcyODk1MGU="}',
           '"0f8fad5bd9cb469fa16570867728950e\\n"', '"\\t0f8fad5bd9cb469fa16570867728950e"'],
    " d": ['"Tue, 02 Jan 2024 03:04:05 GMT"', '"Mon, 02 Jan 2024 03:04:05 GMT"', '"02 Jan 2024 03:04:05 GMT"',
           '"Tue, 2 Jan 2024 03:04:05 GMT"', '"Tue, 02 Jan 2024 03:04:05 +0200"', '"Tue, 02 Jan 2024 03:04:05 -0130"',
           '"Tue, 02 Jan 2024 03:04:05 -0000"', '"Tue, 02 Jan 2024 03:04:05 +0000"', '"Tue, 02 Jan 2024 03:04:05 EST"',
           '"Tue, 02 Jan 2024 03:04:05 pdt"', '"Tue, 02 Jan 2024 03:04:05 XYZ"', '"Tue, 02 Jan 2024 03:04:05"',
           '"Tue, 02 Jan 2024 03:04 GMT"', '"Tue, 02 Jan 2024 03.04.05 GMT"', '"Tue, 02 Jan 2024 03.04 GMT"',
           '"Tue, 02 Jan 24 03:04:05 GMT"', '"Tue, 02 Jan 69 03:04:05 GMT"', '"Tue, 02 Jan 68 03:04:05 GMT"',
           '"Tue, 02 Jan 0050 03:04:05 GMT"', '"Tue, 02 Jan -5 03:04:05 GMT"', '"Tue, 02 Jan 10000 03:04:05 GMT"',
           '"Sat, 31 Feb 2024 00:00:00 GMT"', '"Tue, 02 Jan 2024 24:00:00 GMT"', '"Tue, 02 Jan 2024 23:60:00 GMT"',
           '"Tue, 02 Jan 2024 23:00:60 GMT"', '"Tue, 02 Jan 2024 03:04:05 GMT "', '"  Tue, 02 Jan 2024 03:04:05 GMT"',
           '"Tue, 02 Xyz 2024 03:04:05 GMT"', '"Tue, Jan 02 2024 03:04:05 GMT"', '"Tuesday, 02-Jan-24 03:04:05 GMT"',
           '"02-Jan-2024 03:04:05 GMT"', '"Tue, 02 January 2024 03:04:05 GMT"', '"Tue,02 Jan 2024 03:04:05 GMT"',
           '"Tue, 02 Jan 2024, 03:04:05 GMT"', '"Tue, 02 Jan 2024 03:04:05+0200"', '"2024-01-02T03:04:05Z"',
           '"2024-01-02"', '"yesterday"', '"not a date"', '" "', '"Tue, 02 Jan 2024 03:04:05 +2400"',
           '"Tue, 02 Jan 2024 03:04:05 +2359"', '"Tue, 02 Jan 2024 03:04:05 +99999999999999"',
           '"Tue, 02 Jan 2024 03:04:05 +999999999999999999999"', '"Tue, 02 Jan 2024 03:04:05 -0"',
           '"Tue, 02 Jan 2147483648 03:04:05 GMT"', '"Tue, 99999999999 Jan 2024 03:04:05 GMT"',
           '"Tue, 02 Jan 2024 99999999999:04:05 GMT"', '"Tue, 02 Jan 2024 03:04:1_0 GMT"',
           '"Tue, 02 Jan 2024 03:04:+5 GMT"', '"Tue, 02 Jan 2024 03:04:-5 GMT"', '"Sat, 01 Jan 0000 00:00:00 GMT"',
           '"Tue, 02 Jan 2024 3:4:5 GMT"', '"Tue, 02 Jan 2024 03:04:05 GMT extra words"', '"Tue 02 Jan 2024 03:04:05 GMT"',
           '"Jan 02 2024 03:04:05"', '"02 Jan 2024"', '"Tue, 02 Jan 2024 03:04:05 +02:00"', '"Tue, 02 JAN 2024 03:04:05 gmt"',
           '{" m":"Tue, 02 Jan 2024 03:04:05 GMT"}', '{" b":"VHVlLCAwMiBKYW4gMjAyNCAwMzowNDowNSBHTVQ="}',
           '"Tue, 02 Jan 2024 03:04:05 GMT\\u00a0"', '"Tue,\\u00a002 Jan 2024 03:04:05 GMT"',
           '"Tue, \\u0660\\u0662 Jan 2024 03:04:05 GMT"', '"Tue, 02 Jan 2024 03:04:05 +\\u0660\\u0661\\u0660\\u0660"'] + [
               # Limits, at the limit and one over: timedelta's 999999999 days,
               # C int fields of datetime(), int()'s 4300 digits, years.
               '"Tue, 02 Jan 2024 03:04:05 +%s"' % o for o in ("2399999999959", "2399999999960")] + [
               '"Tue, %s Jan 2024 03:04:05 GMT"' % d for d in ("2147483647", "2147483648", "-2147483648", "-2147483649")] + [
               '"Tue, 02 Jan %s 03:04:05 GMT"' % y for y in ("9999", "10000", "100", "99", "2147483647", "2147483648",
                                                           "0" * 4296 + "2024", "0" * 4297 + "2024")] + [
               '"Tue, 02 Jan 2024 23:59:59 GMT"', '"Tue, 02 Jan 2024 03:04:05 -2359"', '"Tue, 02 Jan 2024 03:04:05 -2400"',
               '"Thu, 29 Feb 2024 00:00:00 GMT"', '"Thu, 29 Feb 2023 00:00:00 GMT"', '"Thu, 00 Feb 2024 00:00:00 GMT"',
               # The first day name (index 0) without a comma, a leading comma.
               '"Mon 01 Jan 2024 03:04:05 GMT"', '"MON 01 Jan 2024 03:04:05 GMT"', '"sun 07 Jan 2024 03:04:05 GMT"',
               '",02 Jan 2024 03:04:05 GMT"', '"x,02 Jan 2024 03:04:05 GMT"',
               # Four words: a sign at the start of the last is not a zone.
               '"02 Jan 2024 +03:04"', '"02 Jan 2024 -03:04:05"', '"02 Jan 2024 03:04:05+0100"'],
    " m": ['"\'"', '"\\"\'"', '"\\\\"', '"\\n\\t\\r\\u0000\\u007f\\u0085\\u00a0\\u00ad\\u2028"', '"\\ud7ff\\ue000\\uffff"',
           '["\'","\\"","\\"\'","\\n","\\u00e9","\\u0378","\\ud800\\udc00","\\udb40\\udc01"]',
           '{" b":"AAEC/39/gA=="}', '{" b":"Jw=="}', '{" b":"JyI="}', '[{" b":"Jw=="}]',
           '[{" t":[]},{" t":[1]},{" t":[1,2]}]', '[{" m":"a\'b"}]', '[{" u":"0f8fad5bd9cb469fa16570867728950e"}]',
           '[{" d":"Tue, 02 Jan 2024 03:04:05 GMT"},{" d":"Tue, 02 Jan 2024 03:04:00 +0200"},{" d":"Tue, 02 Jan 2024 03:00:00 -0130"}]',
           '{" d":"Tue, 02 Jan 2024 03:04:05 -0130"}', '[1e16,1e-05,0.1,-0.0,1e22,5e-324,123456789012345680.0,NaN,-Infinity]',
           '[true,false,null]', '{"b":{"d":1,"c":2},"a":[{"f":1,"e":2}]}', '{" di":{"a__":1,"b__":2}}'],
    " t": ['"\\ud83d\\ude00x"', '{"b":1,"a":2,"b":3}'],
    " di": ['{"abc":1}', '{"a":1}', '{"":1}', '{"\\u00e9\\u00e9\\u00e9":1}', '{"\\ud83d\\ude00\\ud83d\\ude00x":1}',
            '{"z__":1,"a__":2}', '{" di":{"a__":1}}', '{" d":"x"}', '{" u":"0f8fad5bd9cb469fa16570867728950e"}'],
}

# Shapes around the tags: extra members, duplicates, escaped keys, nesting.
EXTRA = [
    '{" t":[1],"x":1}', '{" d":"not a date","x":1}', '{" t":[1]," t":"ab"}', '{" t":"ab"," t":[1]}',
    '{"\\u0020t":[1]}', '{" T":[1]}', '{"t":[1]}', '{" t ":[1]}', '{" x":[1]}', '{" di":{"a__":1},"b":2}',
    '{"x":{" d":"not a date"}}', '{"x":[{" d":"not a date"},{" d":null}]}', '{" d":{" d":"x"}}', '{" t":{" t":[1,2]}}',
    '{" t":{" t":"ab"}}', '{" b":{" b":"UVVKRA=="}}', '{" m":{" m":"x"}}', '{" u":{" u":"0f8fad5bd9cb469fa16570867728950e"}}',
    '{" di":{" di":{" di":{"a__":1}}}}', '{"_flashes":[{" t":["message","hi"]},{" t":"ab"}]}',
    '{"a":{" d":5},"a":1}', '{"a":1,"a":{" d":5}}', '{"a":{" d":"x"},"a":{" t":"ab"}}',
]


def cases():
    for tag in TAGS:
        for p in COMMON + SPECIFIC.get(tag, []):
            yield '{"%s":%s}' % (tag, p)
    yield from EXTRA


# Date strings parse_date is fed directly: its result as str(datetime)
# ("0001-01-02 03:04:05+00:00"), None, or the exception. Dates before the
# year 100 cannot be written back as tagged JSON, so they are checked here.
DATES = [
    "02 Jan x 03:04:05 -1999", "02 Jan x 03:04:05 -1998", "02 Jan x 03:04:05 -2000", "02 Jan x 03:04:05 -1932",
    "Tue, 02 Jan 2024 03:04:05 +0200", "Tue, 02 Jan 2024 03:04:05 -0130", "Tue, 02 Jan 2024 03:04:05 -0000",
    "02 Jan 2024 +03:04", "Tue, 02 Jan 2024 03:04:05 EDT", "2 Jan 24 3:4 +2359", "2 Jan 24 3:4 -2359",
    "02 Jan :x 03:04 2024", "02 Jan 2024, 03:04 GMT", "02 Jan 2024 03:04, GMT",
    "Tue, 02 Jan 2024 03:60:05 GMT", "Tue, 02 Jan 2024 03:04:60 GMT", "Tue, 02 Jan 2024 03:-1:05 GMT",
    "Tue, 02 Jan 2024 03:04:-1 GMT", "Tue, 02 Jan 2024 -1:04:05 GMT", "Tue, 02 Jan 2024 12:59:59 GMT",
]


def dates():
    from werkzeug.http import parse_date
    out = []
    for d in DATES + [json.loads(p) for p in SPECIFIC[" d"] if p.startswith('"')]:
        v = {"in": d}
        try:
            r = parse_date(d)
        except Exception as e:
            v["error"] = type(e).__name__
        else:
            v["str"] = None if r is None else str(r)
        out.append(v)
    return out


def main():
    app = flask.Flask("vectors")
    s = TaggedJSONSerializer()
    out = []
    with app.app_context():
        for text in cases():
            v = {"in": text}
            try:
                value = s.loads(text)
            except Exception as e:  # Flask answers 500
                v["error"] = type(e).__name__
            else:
                try:
                    v["out"] = s.dumps(value)
                except Exception as e:
                    v["dumps_error"] = type(e).__name__
            out.append(v)
    doc = {
        "generator": "tagjson/testdata/flask_malformed.py",
        "flask": version("flask"),
        "python": sys.version.split()[0],
        "vectors": out,
        "dates": dates(),
    }
    json.dump(doc, sys.stdout, indent=1, ensure_ascii=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
