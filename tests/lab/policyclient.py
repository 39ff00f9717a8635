#!/usr/bin/env python3
"""policyclient.py - protocol tests of mtasts-milter's policy service.

Talks to the policy socket of a running daemon (argv[1]) the way Postfix's
check_policy_service and Exim's ${readsocket} do, and checks the answers
and the JSON records the daemon writes (argv[2]). The daemon is expected to
run with add_header = "would-fail", a draft enforce policy for
example.test naming mx1.example.test, mx_name = "mx1.example.test", and a
certificate for it that is good. argv[3] is an expired certificate (PEM)
for mx1.example.test. Prints "ok ..." or "FAIL ..." per check; exit 1 on
any failure.
"""
import hashlib
import json
import socket
import ssl
import sys
import time

SOCK, JSONL, EXPIRED_PEM = sys.argv[1], sys.argv[2], sys.argv[3]
failures = 0
serial = 0


def check(what, cond, got=None):
    global failures
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures += 1
        if got is not None:
            print("     got: %r" % (got,))


def connect():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(15)
    s.connect(SOCK)
    return s


def new_instance():
    global serial
    serial += 1
    return "t%d.%d" % (time.time(), serial)


def request(instance, state="RCPT", rcpt="user@example.test", **extra):
    attrs = {
        "request": "smtpd_access_policy", "protocol_state": state,
        "protocol_name": "ESMTP", "helo_name": "mail.sender.example",
        "queue_id": "Q" + instance.replace(".", ""), "sender": "a@sender.example",
        "recipient": rcpt, "client_address": "192.0.2.7",
        "client_name": "mail.sender.example", "instance": instance,
        "sasl_username": "", "encryption_protocol": "",
        "encryption_cipher": "", "encryption_keysize": "0",
        "server_address": "127.0.0.1",
    }
    attrs.update(extra)
    return "".join("%s=%s\n" % kv for kv in attrs.items()) + "\n"


def answers(s, n):
    """Read n answers ("action=...\\n\\n") from s."""
    buf = b""
    while buf.count(b"\n\n") < n:
        chunk = s.recv(65536)
        if not chunk:
            break
        buf += chunk
    return [a + "\n\n" for a in buf.decode().split("\n\n")[:n]]


def ask(s, text):
    s.sendall(text.encode())
    return answers(s, 1)[0]


def records(queue_id, wait=5):
    deadline = time.time() + wait
    while time.time() < deadline:
        try:
            with open(JSONL) as f:
                found = [json.loads(line) for line in f
                         if json.loads(line).get("queue_id") == queue_id]
        except FileNotFoundError:
            found = []
        if found:
            return found
        time.sleep(0.1)
    return []


DUNNO = "action=DUNNO\n\n"


def prepend(answer):
    return answer.startswith("action=PREPEND MTA-STS-Audit: ")


# 1. A plaintext message: PREPEND for the first example.test recipient,
# DUNNO for the second one and for a domain without policy; pipelined.
s = connect()
i = new_instance()
got = None
s.sendall((request(i) + request(i, rcpt="other@example.test") +
           request(i, rcpt="x@nopolicy.example") +
           request(i, state="END-OF-MESSAGE")).encode())
got = answers(s, 4)
check("pipelined: four answers", len(got) == 4)
want = ("action=PREPEND MTA-STS-Audit: mx1.example.test; domain=example.test; "
        "result=would-fail; reasons=starttls-not-supported; mode=enforce; "
        "id=lab1; source=draft; tls=none; mx=mx1.example.test\n\n")
check("plaintext: the section 7 value on one line", got[0] == want, got[0])
check("second recipient of the domain: DUNNO", got[1] == DUNNO)
check("domain without policy: DUNNO", got[2] == DUNNO)
check("END-OF-MESSAGE: DUNNO", got[3] == DUNNO)
rec = records("Q" + i.replace(".", ""))
check("one JSON record for the message", len(rec) == 1)
if rec:
    r = rec[0]
    check("record: milter fields", r["event"] == "message" and
          r["client"] == {"ip": "192.0.2.7", "ptr": "mail.sender.example",
                          "helo": "mail.sender.example"} and
          r["tls"] is None and r["mail_from_domain"] == "sender.example" and
          r["mx"] == {"name": "mx1.example.test", "source": "config"} and
          r["aborted"] is False)
    # nopolicy.example: pending, or no-policy once discovery answered.
    check("record: domains", [(d["domain"], d["rcpts"], d["result"])
                              for d in r["domains"]] in
          ([("example.test", 2, "would-fail"),
            ("nopolicy.example", 1, res)] for res in ("pending", "no-policy")),
          r["domains"])

# 2. Split: one request a byte at a time, on the same connection.
i = new_instance()
for b in request(i).encode():
    s.send(bytes([b]))
check("request split into single bytes: PREPEND", prepend(answers(s, 1)[0]))

# 3. TLS: 1.3 passes (no field under would-fail); 1.1 fails tls-version;
# GnuTLS spelling TLS1.1 is written TLSv1.1.
tls13 = dict(encryption_protocol="TLSv1.3",
             encryption_cipher="TLS_AES_256_GCM_SHA384",
             encryption_keysize="256")
check("TLSv1.3, good certificate: DUNNO",
      ask(s, request(new_instance(), **tls13)) == DUNNO)
a = ask(s, request(new_instance(), encryption_protocol="TLS1.1",
                   encryption_cipher="ECDHE-RSA-AES256-SHA",
                   encryption_keysize="256"))
check("TLS1.1 (GnuTLS name): reasons=tls-version, tls=TLSv1.1",
      prepend(a) and "reasons=tls-version;" in a and "tls=TLSv1.1;" in a)

# 4. Authenticated: DUNNO, and the record says why nothing was judged.
i = new_instance()
check("sasl_username: DUNNO",
      ask(s, request(i, sasl_username="alice")) == DUNNO)
ask(s, request(i, state="END-OF-MESSAGE", sasl_username="alice"))
rec = records("Q" + i.replace(".", ""))
check("authenticated record: domains [] and skipped",
      len(rec) == 1 and rec[0]["domains"] == [] and
      rec[0].get("skipped") == "authenticated")

# 5. Malformed and oversize requests answer DUNNO; the connection stays in
# step and the next request is answered as usual.
check("garbage: DUNNO", ask(s, "hello there\n\n") == DUNNO)
big = "request=smtpd_access_policy\n" + ("x=" + "y" * 1000 + "\n") * 70 + "\n"
check("oversize (70 KiB): DUNNO", ask(s, big) == DUNNO)
check("NUL byte: DUNNO", ask(s, "a=\0\n\n") == DUNNO)
check("after them, a request is answered",
      prepend(ask(s, request(new_instance()))))
check("other states: DUNNO",
      ask(s, request(new_instance(), state="DATA")) == DUNNO)
s.close()

# 6. A client that never ends its request is dropped after the deadline;
# another client is served meanwhile.
stuck = connect()
stuck.sendall(b"request=smtpd_access_policy\nprotocol_state=RCPT\n")
t0 = time.time()
other = connect()
a = ask(other, request(new_instance()))
check("served while another client is stuck", prepend(a) and
      time.time() - t0 < 2)
stuck.settimeout(30)
try:
    data = stuck.recv(100)
except OSError:
    data = None
waited = time.time() - t0
check("stuck client dropped after its deadline (%.1f s)" % waited,
      data == b"" and 9 <= waited <= 14)
check("the other client is still served",
      prepend(ask(other, request(new_instance()))))
other.close()

# 7. Exim ${readsocket}: the request, then shutdown of the write side; the
# answer, then the close.
e = connect()
e.sendall(request(new_instance(), tls_sni="mx1.example.test").encode())
e.shutdown(socket.SHUT_WR)
buf = b""
while True:
    chunk = e.recv(4096)
    if not chunk:
        break
    buf += chunk
check("half-closed client: answer then close", prepend(buf.decode()) and
      buf.endswith(b"\n\n"))
e = connect()
e.sendall(b"request=smtpd_access_policy\nprotocol_state=RCPT")
e.shutdown(socket.SHUT_WR)
check("half-closed inside a request: DUNNO then close",
      e.recv(4096) == DUNNO.encode() and e.recv(4096) == b"")

# 8. tls_ourcert: the certificate Exim served is the certificate source.
pem = open(EXPIRED_PEM).read()
one_line = "".join(pem.strip().splitlines())
der = ssl.PEM_cert_to_DER_cert(pem)
fp = hashlib.sha256(der).hexdigest().upper()
fp = ":".join(fp[k:k + 2] for k in range(0, len(fp), 2))
s = connect()
ok = False
for _ in range(50):
    a = ask(s, request(new_instance(), tls_ourcert=one_line, **tls13))
    if prepend(a) and "reasons=certificate-expired;" in a:
        ok = True
        break
    time.sleep(0.1)
check("tls_ourcert (PEM): an expired certificate gives certificate-expired",
      ok)
a = ask(s, request(new_instance(), tls_ourcert=fp, **tls13))
check("tls_ourcert (SHA-256 fingerprint): certificate-expired",
      prepend(a) and "reasons=certificate-expired;" in a)
check("without tls_ourcert the store's good certificate: DUNNO",
      ask(s, request(new_instance(), **tls13)) == DUNNO)
s.close()

sys.exit(1 if failures else 0)
