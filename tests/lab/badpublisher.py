#!/usr/bin/env python3
# tests/lab/badpublisher.py - the misbehaving publisher side of MTA-STS for
# the fault lab (tests/lab/test-milter-faults.sh). In MODE:
#   stall:    HTTPS on 127.0.0.1:PORT with the lab certificate; completes the
#             TLS handshake, reads the request, never answers;
#   endless:  the same, but answers 200 text/plain with no Content-Length and
#             a body that starts as a valid policy and never ends ("10 GB");
#   servfail: DNS on UDP 127.0.0.1:PORT answering SERVFAIL to every query
#             (the lab dnsmasq forwards one name to it); CERT and KEY unused.
# For each connection it appends "MODE closed after N bytes" to LOG once the
# client has gone (or the server was stopped), so the test can see how much
# of the endless body the milter read before cutting it.
#
# Usage: badpolicyhost.py MODE PORT CERT KEY LOG
import socket
import ssl
import sys
import threading

mode, port, cert, key, log_path = sys.argv[1], int(sys.argv[2]), *sys.argv[3:6]
log_lock = threading.Lock()


def note(text):
    with log_lock, open(log_path, "a") as f:
        f.write(text + "\n")


def serve(conn):
    sent = 0
    try:
        conn.settimeout(30)
        conn.recv(4096)             # the request (one read is enough here)
        if mode == "stall":
            conn.settimeout(None)
            while conn.recv(4096):  # hold the connection until the client quits
                pass
            return
        head = (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                b"Connection: close\r\n\r\n"
                b"version: STSv1\r\nmode: enforce\r\nmx: mx1.example.test\r\n"
                b"max_age: 86400\r\n")
        conn.sendall(head)
        sent = len(head)
        chunk = b"x" * 16384
        while True:                 # endless: only the client can stop it
            conn.sendall(chunk)
            sent += len(chunk)
    except (OSError, ssl.SSLError):
        pass
    finally:
        note(f"{mode} closed after {sent} bytes")
        try:
            conn.close()
        except OSError:
            pass


def servfail():
    srv = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    srv.bind(("127.0.0.1", port))
    note(f"{mode} listening on {port}")
    while True:
        q, peer = srv.recvfrom(4096)
        if len(q) < 12:
            continue
        end = 12            # the question: labels up to the root, type, class
        while end < len(q) and q[end] != 0:
            end += q[end] + 1
        # Same id and question; QR, opcode and RD kept, RA set, RCODE 2.
        flags = bytes([0x80 | (q[2] & 0x79), 0x80 | 2])
        srv.sendto(q[:2] + flags + b"\x00\x01" + bytes(6) + q[12:end + 5], peer)
        note("servfail answered")


def main():
    if mode == "servfail":
        servfail()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", port))
    srv.listen(64)
    note(f"{mode} listening on {port}")
    while True:
        raw, _ = srv.accept()
        try:
            raw.settimeout(30)
            conn = ctx.wrap_socket(raw, server_side=True)
        except (OSError, ssl.SSLError):
            raw.close()
            continue
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


main()
