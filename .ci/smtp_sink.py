"""A real SMTP server for the tests (aiosmtpd, from PyPI; installed by .ci/smtp.sh).

    python smtp_sink.py DIR [PORT]

Listens on 127.0.0.1:PORT (0: a free port), prints "listening on <port>" once ready,
and writes every message it accepts to DIR as <n>.json: the envelope's recipients, the
decoded headers, the text and HTML parts, and the raw message (crates/testkit/src/smtp.rs
reads them). Plain SMTP without STARTTLS, like a relay on the same machine.
"""

import asyncio
import email
import email.policy
import json
import os
import sys

from aiosmtpd.smtp import SMTP


class Sink:
    def __init__(self, folder):
        self.folder = folder

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=email.policy.default)

        def part(kind):
            body = message.get_body(preferencelist=(kind,))
            return body.get_content() if body is not None else None

        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "subject": str(message["subject"] or ""),
            "from": str(message["from"] or ""),
            "to": str(message["to"] or ""),
            "message_id": str(message["message-id"] or ""),
            "content_type": message.get_content_type(),
            "text": part("plain"),
            "html": part("html"),
            "raw": raw.decode("utf-8", "replace"),
        }
        # Named by time of arrival, written whole then renamed, so a reader never sees
        # half a file.
        name = f"{asyncio.get_running_loop().time():020.6f}-{os.getpid()}"
        path = os.path.join(self.folder, name)
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            json.dump(record, f, ensure_ascii=False)
        os.rename(path + ".tmp", path + ".json")
        return "250 Message accepted for delivery"


async def main():
    folder = sys.argv[1]
    port = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    loop = asyncio.get_running_loop()
    handler = Sink(folder)
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="sink.test"), "127.0.0.1", port
    )
    print(f"listening on {server.sockets[0].getsockname()[1]}", flush=True)
    await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
