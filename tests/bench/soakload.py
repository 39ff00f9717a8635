#!/usr/bin/env python3
# tests/bench/soakload.py - the SMTP load of the soak (soak.sh): WORKERS
# sessions at a time, one message per session, each worker pausing PAUSE
# seconds between its sessions, until the file STOPFILE exists.
#
# Message SEQ (numbered across workers from 1) goes in TLS mode
# MODES[SEQ % 6] (plaintext, TLS 1.1, TLS 1.2, TLS 1.3, TLS 1.3 with the lab
# client certificate, TLS 1.2 with SMTP AUTH as SASL_USER / SASL_PASS from
# the environment) to 1 to 3 recipients, user SEQ at consecutive domains
# of the DOMAIN list (starting at SEQ % len), and carries "X-Soak-Id: SEQ".
# One line per message on OUT, written when its session is over:
#   SEQ MODE NRCPT QUEUE-ID            accepted (250 after DATA)
#   SEQ MODE NRCPT FAIL REASON...      anything else (a soak failure)
#
# Usage: soakload.py HOST PORT CA CERT KEY OUT WORKERS PAUSE STOPFILE DOMAIN...
import os
import re
import smtplib
import ssl
import sys
import threading
import time

host, port, ca, cert, key, out = sys.argv[1], int(sys.argv[2]), *sys.argv[3:7]
workers, pause, stopfile = int(sys.argv[7]), float(sys.argv[8]), sys.argv[9]
domains = sys.argv[10:]
MODES = ["plain", "TLSv1.1", "TLSv1.2", "TLSv1.3", "TLSv1.3-cert", "TLSv1.2-auth"]
SASL_USER, SASL_PASS = os.environ["SASL_USER"], os.environ["SASL_PASS"]
QUEUED = re.compile(rb"queued as ([0-9A-Za-z]+)")

lock = threading.Lock()
seq = 0
log = open(out, "a", buffering=1)


def context(mode):
    """A client TLS context for MODE: the lab CA, one protocol version."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False          # smtplib would check "127.0.0.1"
    ctx.load_verify_locations(ca)
    version = {"TLSv1.1": ssl.TLSVersion.TLSv1_1, "TLSv1.2": ssl.TLSVersion.TLSv1_2,
               "TLSv1.2-auth": ssl.TLSVersion.TLSv1_2}.get(
        mode, ssl.TLSVersion.TLSv1_3)
    if mode == "TLSv1.1":
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    ctx.minimum_version = ctx.maximum_version = version
    if mode == "TLSv1.3-cert":
        ctx.load_cert_chain(cert, key)
    return ctx


def send(n):
    """One session carrying message N; the queue id, or raises."""
    mode = MODES[n % len(MODES)]
    rcpts = [f"user{n}@{domains[(n + i) % len(domains)]}" for i in range(1 + n % 3)]
    body = (f"Subject: soak message {n}\r\nX-Soak-Id: {n}\r\n"
            f"Message-ID: <soak{n}@client.example.test>\r\n\r\nSoak message {n} ({mode}).\r\n")
    with smtplib.SMTP(host, port, "client.example.test", timeout=60) as s:
        s.ehlo("client.example.test")
        if mode != "plain":
            s.starttls(context=context(mode))
            s.ehlo("client.example.test")
        if mode.endswith("-auth"):
            s.login(SASL_USER, SASL_PASS)
        code, reply = s.mail("sender@client.example.test")
        if code != 250:
            raise smtplib.SMTPResponseException(code, reply)
        for r in rcpts:
            code, reply = s.rcpt(r)
            if code != 250:
                raise smtplib.SMTPResponseException(code, reply)
        code, reply = s.data(body.encode())
        if code != 250:
            raise smtplib.SMTPResponseException(code, reply)
        m = QUEUED.search(reply)
        if not m:
            raise RuntimeError(f"no queue id in {reply!r}")
    return mode, len(rcpts), m.group(1).decode()


def worker():
    global seq
    while not os.path.exists(stopfile):
        with lock:
            seq += 1
            n = seq
        try:
            mode, nrcpt, qid = send(n)
            line = f"{n} {mode} {nrcpt} {qid}"
        except Exception as e:  # noqa: BLE001 - every failure is reported
            line = f"{n} {MODES[n % len(MODES)]} {1 + n % 3} FAIL {type(e).__name__}: {e}"
        with lock:
            log.write(line.replace("\n", " ") + "\n")
        time.sleep(pause)


threads = [threading.Thread(target=worker) for _ in range(workers)]
for t in threads:
    t.start()
for t in threads:
    t.join()
