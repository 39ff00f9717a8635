#!/usr/bin/env python3
# tests/lab/smtpburst.py - N SMTP sessions open at the same time, for
# tests/lab/test-milter-concurrency.sh: every session connects and gets as
# far as RCPT TO, then waits until all N have (so N sessions, and N milter
# connections, are open at once), then sends its message (with
# "X-Lab-Case: burstI") and quits. Prints "sent K of N, at once M" and
# exits 1 unless every message got its 250 after DATA.
#
# Usage: smtpburst.py HOST PORT N RCPT [SECONDS]
import asyncio
import sys

host, port, count, rcpt = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
limit = float(sys.argv[5]) if len(sys.argv) > 5 else 180.0
ready = 0
gone = 0
peak = 0
all_ready = asyncio.Event()


async def reply(reader):
    while True:
        line = await reader.readline()
        if not line:
            raise ConnectionError("connection closed")
        if line[3:4] != b"-":
            return line.decode("ascii", "replace").strip()


async def command(reader, writer, text, code):
    writer.write(text.encode() + b"\r\n")
    await writer.drain()
    got = await reply(reader)
    if not got.startswith(code):
        raise ConnectionError(f"{text!r}: {got}")


def arrived():
    if ready + gone == count:
        all_ready.set()


async def session(i):
    global gone
    try:
        return await dialogue(i)
    except BaseException:
        if not all_ready.is_set():
            gone += 1       # failed before the barrier: do not wait for it
            arrived()
        raise


async def dialogue(i):
    global ready, peak
    reader, writer = await asyncio.open_connection(host, port)
    try:
        got = await reply(reader)
        if not got.startswith("220"):
            raise ConnectionError(f"banner: {got}")
        await command(reader, writer, "EHLO client.example.test", "250")
        await command(reader, writer, "MAIL FROM:<sender@client.example.test>", "250")
        await command(reader, writer, f"RCPT TO:<{rcpt}>", "250")
        ready += 1
        peak = max(peak, ready)
        arrived()
        await all_ready.wait()
        await command(reader, writer, "DATA", "354")
        body = (f"Subject: mtasts-milter lab: burst{i}\r\nX-Lab-Case: burst{i}\r\n\r\n"
                f"Message {i} of a burst of {count}.\r\n.")
        await command(reader, writer, body, "250")
        await command(reader, writer, "QUIT", "221")
        return True
    finally:
        writer.close()


async def main():
    tasks = [asyncio.create_task(session(i)) for i in range(count)]
    done, pending = await asyncio.wait(tasks, timeout=limit)
    for t in pending:
        t.cancel()
    if not all_ready.is_set():
        all_ready.set()  # let the others go on; the run has failed anyway
    ok = 0
    errors = {}
    for t in done:
        if t.cancelled() or t.exception() is not None:
            e = "cancelled" if t.cancelled() else str(t.exception())
            errors[e] = errors.get(e, 0) + 1
        else:
            ok += 1
    for e, n in sorted(errors.items()):
        print(f"{n} session(s): {e}")
    if pending:
        print(f"{len(pending)} session(s) not done within {limit:.0f} s")
    print(f"sent {ok} of {count}, at once {peak}")
    return 0 if ok == count else 1


sys.exit(asyncio.run(main()))
