"""The playground page's HTTP side, served beside the verify pages on the bot's web server.

The page (``assets/``) reads the chats from ``/playground/api/state``, follows them through
server-sent events (``/playground/api/events``: a chat whole each time it changes, and the
answers to button presses), and acts through a few POSTs that do what a person's messenger
would: send a text, press a button, share a contact, send a photo or a file. Each action is
a person's action on the loopback server (:mod:`loopback.people`); the bot sees it only as
the Bot API update it becomes. ``/playground/api/scan`` reads a confirmation's QR code from
an uploaded picture, as a verifier's phone camera would, and answers the verify page's path.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import logging
from collections.abc import Awaitable, Callable
from importlib.resources import files
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from aiohttp import BodyPartReader, web

from domain import texts
from domain.uploads import UploadRejected, clean_document, sniff_image
from loopback.limits import JSON
from loopback.server import FakeBotApi
from loopback.world import image_size
from rendering.fonts import font_bytes
from rendering.scan import qr_texts

log = logging.getLogger(__name__)

ASSETS = files("bot.playground") / "assets"
# name → MIME type of what /playground/static/ serves (font.ttf is the documents' typeface).
STATIC = {
    "playground.js": "text/javascript",
    "playground.css": "text/css",
    "font.ttf": "font/ttf",
}
PAGE_POLICY = (
    "default-src 'self'; img-src 'self' blob: data:; frame-src 'self'; object-src 'self'; "
    "style-src 'self'; script-src 'self'; connect-src 'self'; font-src 'self'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": PAGE_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
MAX_JSON_BODY = 64 * 1024
MAX_UPLOAD = 20 * 1024 * 1024  # what the Bot API lets a bot download
MAX_TEXT = 4096
KEEP_ALIVE_SECONDS = 15.0
SUBSCRIBER_QUEUE = 256
_CLOSE = b""

Route = Callable[[web.Request], Awaitable[web.StreamResponse]]


class ActionRefused(Exception):
    """An action the page asked for cannot be done; ``key`` names its Persian text."""

    def __init__(self, key: str, status: int = 400) -> None:
        super().__init__(key)
        self.key = key
        self.status = status


def _event(name: str, data: JSON) -> bytes:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return f"event: {name}\ndata: {body}\n\n".encode()


def _json(data: JSON, status: int = 200) -> web.Response:
    return web.Response(
        body=json.dumps(data, ensure_ascii=False).encode(),
        status=status,
        content_type="application/json",
        headers=PAGE_HEADERS,
    )


class Office(Protocol):
    """What the site needs of the playground (bot.playground.office.Playground)."""

    api: FakeBotApi
    data_dir: Path
    host: str
    port: int
    platform: str
    office_name: str
    holder_id: int
    reviewer_id: int
    signer_id: int
    staff_chat_id: int

    def people(self) -> dict[int, str]: ...


class Site:
    """The playground's routes on ``app`` (the bot's web application, before it starts)."""

    def __init__(self, playground: Office, app: web.Application) -> None:
        self.playground = playground
        self.api = playground.api
        self._panes = {
            "holder": (playground.holder_id, [(playground.holder_id, "holder")]),
            "staff": (
                playground.staff_chat_id,
                [(playground.reviewer_id, "reviewer"), (playground.signer_id, "signer")],
            ),
        }
        self._members = {
            chat: {user for user, _ in people} for chat, people in self._panes.values()
        }
        self._fingerprints: dict[int, str] = {}
        self._revisions: dict[int, int] = {}
        self._pending_mark: tuple[int, int] = (0, 0)
        self._queries: dict[str, int] = {}  # callback query id → chat, for the answers
        self._answers_seen = 0
        self._subscribers: set[asyncio.Queue[bytes]] = set()
        # On loopback, only requests naming a loopback address reach the page: a site whose
        # name was re-pointed at 127.0.0.1 (DNS rebinding) is refused.
        self._hosts = (
            {f"{name}:{playground.port}" for name in ("127.0.0.1", "localhost", "[::1]")}
            if is_loopback(playground.host)
            else None
        )
        app.router.add_get("/", self._guarded(self.page))
        app.router.add_get("/playground/static/{name}", self._guarded(self.static))
        app.router.add_get("/playground/api/state", self._guarded(self.state))
        app.router.add_get("/playground/api/events", self._guarded(self.events))
        app.router.add_get("/playground/api/file/{file_id}", self._guarded(self.file))
        app.router.add_post("/playground/api/send", self._action(self._send))
        app.router.add_post("/playground/api/press", self._action(self._press))
        app.router.add_post("/playground/api/contact", self._action(self._contact))
        app.router.add_post("/playground/api/upload", self._action(self._upload))
        app.router.add_post("/playground/api/scan", self._action(self._scan))
        app.on_response_prepare.append(_frame_verify_pages)
        self.publish()

    # --- what the page shows -----------------------------------------------------------------

    def chat_view(self, chat_id: int) -> JSON:
        """One chat as the page shows it: its messages, reply keyboard and open prompt."""
        prompts = self.api.force_replies.get(chat_id, set())
        messages = self.api.history(chat_id)
        for message in messages:
            if message["message_id"] in prompts:
                message["force_reply"] = True
        prompt: int | None = max(prompts) if prompts else None
        if prompt is not None and any(
            m["message_id"] > prompt and m["from"]["id"] in self._members[chat_id]
            for m in messages
        ):
            prompt = None  # answered (or passed over) already
        return {
            "chat_id": chat_id,
            "revision": self._revisions.get(chat_id, 0),
            "messages": messages,
            "keyboard": self.api.reply_keyboard(chat_id),
            "prompt": prompt,
        }

    def publish(self) -> bool:
        """Send the page every chat that changed and every new answer to a button press;
        True if anything worth keeping on disk changed."""
        worth_keeping = False
        for chat_id in self._members:
            view = self.chat_view(chat_id)
            fingerprint = json.dumps(view, sort_keys=True, ensure_ascii=False)
            if fingerprint == self._fingerprints.get(chat_id):
                continue
            self._fingerprints[chat_id] = fingerprint
            self._revisions[chat_id] = view["revision"] = self._revisions.get(chat_id, 0) + 1
            self._broadcast(_event("chat", view))
            worth_keeping = True
        answers = self.api.callback_answers
        for answer in answers[self._answers_seen :]:
            pressed_in = self._queries.pop(str(answer.get("callback_query_id")), None)
            text = answer.get("text")
            if pressed_in is not None and isinstance(text, str) and text:
                self._broadcast(
                    _event(
                        "toast",
                        {
                            "chat_id": pressed_in,
                            "text": text,
                            "show_alert": bool(answer.get("show_alert")),
                        },
                    )
                )
        self._answers_seen = len(answers)
        mark = (self.api._next_update_id, len(self.api._pending))
        if mark != self._pending_mark:
            self._pending_mark = mark
            worth_keeping = True
        return worth_keeping

    def forget_answers(self) -> None:
        """The server is about to drop its records (loopback.World.forget_records)."""
        self.publish()
        self._answers_seen = 0

    def _broadcast(self, event: bytes) -> None:
        for queue in list(self._subscribers):
            try:
                queue.put_nowait(event)
            except asyncio.QueueFull:  # a page that does not read: dropped; it reconnects
                self._subscribers.discard(queue)  # and is sent every chat anew
                with contextlib.suppress(asyncio.QueueEmpty):
                    queue.get_nowait()
                queue.put_nowait(_CLOSE)

    def close(self) -> None:
        """End every event stream (the server is stopping)."""
        for queue in self._subscribers:
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(_CLOSE)
        self._subscribers.clear()

    # --- routes ------------------------------------------------------------------------------

    async def page(self, request: web.Request) -> web.Response:
        body = (ASSETS / "index.html").read_bytes()
        return web.Response(
            body=body, content_type="text/html", charset="utf-8", headers=PAGE_HEADERS
        )

    async def static(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name not in STATIC:
            raise web.HTTPNotFound()
        body = font_bytes() if name == "font.ttf" else (ASSETS / name).read_bytes()
        headers = {**PAGE_HEADERS, "Cache-Control": "no-cache", "Content-Type": STATIC[name]}
        return web.Response(body=body, headers=headers)

    async def state(self, request: web.Request) -> web.Response:
        playground = self.playground
        people = playground.people()
        panes: JSON = {
            key: {
                "chat_id": chat_id,
                "title": self._title(chat_id),
                "people": [
                    {"id": user, "name": people[user], "role": role} for user, role in members
                ],
            }
            for key, (chat_id, members) in self._panes.items()
        }
        panes["verifier"] = {"verify_base": "/V/"}
        return _json(
            {
                "texts": texts.PLAYGROUND_PAGE,
                "platform": playground.platform,
                "office_name": playground.office_name,
                "data_dir": str(playground.data_dir),
                "bot": {
                    "id": self.api.bot_id,
                    "name": self.api.bot_first_name,
                    "username": self.api.bot_username,
                },
                "panes": panes,
                "chats": {str(chat): self.chat_view(chat) for chat in self._members},
            }
        )

    def _title(self, chat_id: int) -> str:
        chat = self.api._chats.get(chat_id) or {}
        return str(chat.get("title") or chat.get("first_name") or chat_id)

    async def events(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(
            headers={
                **PAGE_HEADERS,
                "Content-Type": "text/event-stream; charset=utf-8",
                "X-Accel-Buffering": "no",
            }
        )
        await response.prepare(request)
        queue: asyncio.Queue[bytes] = asyncio.Queue(maxsize=SUBSCRIBER_QUEUE)
        self._subscribers.add(queue)
        try:
            await response.write(b"retry: 1000\n\n")
            for chat_id in self._members:
                await response.write(_event("chat", self.chat_view(chat_id)))
            while True:
                try:
                    event = await asyncio.wait_for(queue.get(), KEEP_ALIVE_SECONDS)
                except TimeoutError:
                    event = b": keep-alive\n\n"
                if event == _CLOSE:
                    break
                await response.write(event)
        except (ConnectionResetError, ConnectionError):
            pass  # the page went away
        finally:
            self._subscribers.discard(queue)
        return response

    async def file(self, request: web.Request) -> web.Response:
        stored = self.api.files.get(request.match_info["file_id"])
        if stored is None:
            raise web.HTTPNotFound()
        # What was sent is shown as it is only if its bytes are an image or a PDF (the
        # declared type may say otherwise: a photo is "image/jpeg" whatever it holds);
        # anything else is a download, never rendered by the browser.
        mime = _mime_of(stored.data)
        inline = mime != "application/octet-stream"
        disposition = "inline" if inline and "download" not in request.query else "attachment"
        return web.Response(
            body=stored.data,
            headers={
                **PAGE_HEADERS,
                "Content-Type": mime if inline else "application/octet-stream",
                "Content-Disposition": disposition,
                "Content-Security-Policy": "default-src 'none'; frame-ancestors 'self'",
            },
        )

    # --- actions -----------------------------------------------------------------------------

    def _foreign(self, request: web.Request) -> bool:
        """A request from another site than the page (another origin, a re-pointed name)."""
        if self._hosts is not None and request.host not in self._hosts:
            return True
        if request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
            return True
        origin = request.headers.get("Origin")
        return (
            request.method != "GET" and origin is not None and origin != f"http://{request.host}"
        )

    def _guarded(self, handler: Route) -> Route:
        async def route(request: web.Request) -> web.StreamResponse:
            if self._foreign(request):
                raise web.HTTPForbidden()
            return await handler(request)

        return route

    def _action(self, act: Callable[[web.Request], Awaitable[JSON]]) -> Route:
        async def route(request: web.Request) -> web.StreamResponse:
            try:
                if self._foreign(request):
                    raise ActionRefused("bad_request", 403)
                result = await act(request)
            except ActionRefused as refused:
                return _json(
                    {"ok": False, "error": texts.PLAYGROUND_ERRORS[refused.key]},
                    status=refused.status,
                )
            return _json({"ok": True, **result})

        return route

    async def _body(self, request: web.Request) -> JSON:
        if request.content_type != "application/json":
            raise ActionRefused("bad_request")
        if (request.content_length or 0) > MAX_JSON_BODY:
            raise ActionRefused("bad_request", 413)
        raw = await request.content.read(MAX_JSON_BODY + 1)
        if len(raw) > MAX_JSON_BODY:
            raise ActionRefused("bad_request", 413)
        try:
            body = json.loads(raw)
        except ValueError:
            raise ActionRefused("bad_request") from None
        if not isinstance(body, dict):
            raise ActionRefused("bad_request")
        return body

    def _person(self, body: JSON) -> tuple[int, int]:
        """The chat and the person acting in it, checked: only the pane's people act."""
        chat_id, user_id = _integer(body.get("chat_id")), _integer(body.get("user_id"))
        if chat_id is None or user_id is None or user_id not in self._members.get(chat_id, ()):
            raise ActionRefused("not_here")
        return chat_id, user_id

    def _reply_to(self, chat_id: int, value: Any) -> int | None:
        if value in (None, ""):
            return None
        message_id = _integer(value)
        if message_id is None or self.api.message(chat_id, message_id) is None:
            raise ActionRefused("no_message")
        return message_id

    async def _send(self, request: web.Request) -> JSON:
        body = await self._body(request)
        chat_id, user_id = self._person(body)
        text = body.get("text")
        if not isinstance(text, str) or not text.strip():
            raise ActionRefused("empty")
        if len(text) > MAX_TEXT:
            raise ActionRefused("too_long")
        reply_to = self._reply_to(chat_id, body.get("reply_to"))
        if text.startswith("/") and reply_to is None:
            command, _, args = text.partition(" ")
            sent = self.api.send_command(user_id, command, args=args or None, chat_id=chat_id)
        else:
            sent = self.api.send_text(user_id, text, chat_id=chat_id, reply_to_message_id=reply_to)
        return {"message_id": sent["message_id"]}

    async def _press(self, request: web.Request) -> JSON:
        body = await self._body(request)
        chat_id, user_id = self._person(body)
        message_id, data = _integer(body.get("message_id")), body.get("data")
        message = self.api.message(chat_id, message_id) if message_id is not None else None
        if message is None or not isinstance(data, str):
            raise ActionRefused("no_button")
        try:
            query = self.api.press(user_id, message, data, chat_id=chat_id)
        except AssertionError:  # no such button on that message (any more)
            raise ActionRefused("no_button") from None
        self._queries[query["id"]] = chat_id
        return {}

    async def _contact(self, request: web.Request) -> JSON:
        body = await self._body(request)
        chat_id, user_id = self._person(body)
        self.api.send_contact(user_id, "+989121234567", chat_id=chat_id)
        return {}

    async def _read_upload(self, request: web.Request) -> tuple[dict[str, str], bytes, str]:
        """The form's fields, and its file (bytes and name), read within MAX_UPLOAD."""
        if not request.content_type.startswith("multipart/"):
            raise ActionRefused("bad_request")
        if (request.content_length or 0) > MAX_UPLOAD + MAX_JSON_BODY:
            raise ActionRefused("too_large", 413)
        reader = await request.multipart()
        fields: dict[str, str] = {}
        data, name = b"", ""
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader):  # a nested multipart: no form sends one
                raise ActionRefused("bad_request")
            if part.name == "file":
                chunks, size = [], 0
                while chunk := await part.read_chunk(64 * 1024):
                    size += len(chunk)
                    if size > MAX_UPLOAD:
                        raise ActionRefused("too_large", 413)
                    chunks.append(chunk)
                data, name = b"".join(chunks), part.filename or "file"
            elif part.name:
                value = bytearray()
                while chunk := await part.read_chunk(4096):
                    value += chunk
                    if len(value) > 4096 or len(fields) > 16:
                        raise ActionRefused("bad_request")
                fields[part.name] = bytes(value).decode("utf-8", "replace")
        if not data:
            raise ActionRefused("no_file")
        return fields, data, name

    async def _upload(self, request: web.Request) -> JSON:
        fields, data, name = await self._read_upload(request)
        chat_id, user_id = self._person(fields)
        reply_to = self._reply_to(chat_id, fields.get("reply_to"))
        caption = (fields.get("caption") or "").strip()[:1024] or None
        if fields.get("kind") == "photo":
            if image_size(data) is None:
                raise ActionRefused("not_image")
            sent = self.api.send_photo(
                user_id, data, caption=caption, chat_id=chat_id, reply_to_message_id=reply_to
            )
        else:
            sent = self.api.send_document(
                user_id,
                data,
                file_name=_file_name(name),
                mime_type=_mime_of(data),
                caption=caption,
                chat_id=chat_id,
                reply_to_message_id=reply_to,
            )
        return {"message_id": sent["message_id"]}

    async def _scan(self, request: web.Request) -> JSON:
        _fields, data, name = await self._read_upload(request)
        found = await asyncio.to_thread(_qr_in, data, name)
        if not found:
            raise ActionRefused("no_qr")
        for text in found:
            parts = urlsplit(text.strip())
            if parts.path[:3] in ("/V/", "/v/") and len(parts.path) > 3:
                return {"url": parts.path}
        raise ActionRefused("not_ours")


def _qr_in(data: bytes, name: str) -> list[str]:
    """The QR codes' texts in a picture or PDF, after the same cleaning the bot does."""
    try:
        clean = clean_document(data, None, name)
    except UploadRejected:
        return []
    return qr_texts(clean.data)


def is_loopback(host: str) -> bool:
    """``host`` is a loopback address (or localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _integer(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit() and len(value) < 24:
        return int(value)
    return None


def _file_name(name: str) -> str:
    """A sent file's name as a messenger keeps it: the last path part, bounded."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1].strip() or "file"
    return name[-128:]


def _mime_of(data: bytes) -> str:
    """The MIME type a messenger would declare, from the bytes (the bot trusts neither)."""
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    image = sniff_image(data)
    return f"image/{image.lower()}" if image else "application/octet-stream"


async def _frame_verify_pages(request: web.Request, response: web.StreamResponse) -> None:
    """The playground shows the verify pages inside its verifier pane: let the page (and only
    it, the same origin) frame them. The real bot's pages refuse every frame."""
    policy = response.headers.get("Content-Security-Policy")
    if policy and "frame-ancestors 'none'" in policy and request.path[:3] in ("/V/", "/v/"):
        response.headers["Content-Security-Policy"] = policy.replace(
            "frame-ancestors 'none'", "frame-ancestors 'self'"
        )
        response.headers["X-Frame-Options"] = "SAMEORIGIN"
