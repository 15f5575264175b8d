"""Tests of the loopback Bot API server, driven through real PTB (HTTPXRequest) and raw httpx."""

from __future__ import annotations

import asyncio
import datetime as dtm
import io
from collections.abc import AsyncIterator

import httpx
import pytest
from PIL import Image
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    KeyboardButton,
    MessageEntity,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    ReplyParameters,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, RetryAfter
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from loopback import FakeBotApi, Upload, uploads_in

TOKEN = "123456:TEST-TOKEN"
USER = 1001
GROUP = -100200
NO_PARSE_MODE = "Parse_mode is not supported by the loopback server"  # PTB capitalises


def jpeg(width: int = 600, height: int = 800, color: str = "navy") -> bytes:
    """A real JPEG image of the given size."""
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def _ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    # Without it PTB 22 warns (PTBDeprecationWarning) whenever RetryAfter is built.
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    server = FakeBotApi(token=TOKEN, bot_username="tvto_test_bot", bot_id=123456)
    await server.start()
    server.user(USER, first_name="علی", last_name="رضایی")
    server.group(GROUP, title="کارشناسان")
    yield server
    await server.stop()


@pytest.fixture
async def bot(api: FakeBotApi) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=api.base_url, base_file_url=api.base_file_url) as client:
        yield client


# --- basics -------------------------------------------------------------------------------


async def test_get_me(api: FakeBotApi, bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.is_bot, me.username) == (123456, True, "tvto_test_bot")
    assert me.first_name
    assert api.calls[0].method == "getMe"


async def test_wrong_token_unknown_method_and_body_encodings(api: FakeBotApi) -> None:
    root = f"http://127.0.0.1:{api.port}"
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{root}/bot999:WRONG/getMe")
        assert response.status_code == 401
        assert response.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
        response = await client.post(f"{root}/bot{TOKEN}/noSuchMethod")
        assert response.status_code == 404
        assert response.json() == {"ok": False, "error_code": 404, "description": "Not Found"}

        as_json = await client.post(
            f"{root}/bot{TOKEN}/sendMessage",
            json={"chat_id": USER, "text": "json", "reply_markup": {"remove_keyboard": True}},
        )
        as_form = await client.post(
            f"{root}/bot{TOKEN}/sendmessage", data={"chat_id": str(USER), "text": "123"}
        )
        as_query = await client.get(f"{root}/bot{TOKEN}/sendMessage?chat_id={USER}&text=q")
    assert [r.json()["result"]["text"] for r in (as_json, as_form, as_query)] == [
        "json",
        "123",
        "q",
    ]
    assert api.calls_of("sendMessage")[1] == {"chat_id": USER, "text": "123"}
    assert as_form.json()["result"]["chat"] == {
        "id": USER,
        "type": "private",
        "first_name": "علی",
        "last_name": "رضایی",
    }

    with pytest.raises(InvalidToken):
        async with Bot("999:WRONG", base_url=api.base_url):
            pass


# --- updates --------------------------------------------------------------------------------


async def test_long_poll_returns_when_an_update_is_fed(api: FakeBotApi, bot: Bot) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.2)
    assert not poll.done()
    api.send_text(USER, "سلام")
    updates = await asyncio.wait_for(poll, 2)
    assert len(updates) == 1
    message = updates[0].message
    assert message is not None
    assert message.text == "سلام"
    assert message.chat.type == "private"
    assert message.from_user is not None and message.from_user.first_name == "علی"


async def test_offset_confirms_updates(api: FakeBotApi, bot: Bot) -> None:
    for text in ("a", "b", "c"):
        api.send_text(USER, text)
    first = await bot.get_updates()
    assert [u.message.text for u in first if u.message] == ["a", "b", "c"]
    assert len(api.pending_updates()) == 3  # fetched but not confirmed yet

    second = await bot.get_updates(offset=first[1].update_id, limit=1)
    assert [u.update_id for u in second] == [first[1].update_id]
    assert [u["update_id"] for u in api.pending_updates()] == [
        first[1].update_id,
        first[2].update_id,
    ]

    assert await bot.get_updates(offset=first[-1].update_id + 1, timeout=0) == ()
    assert api.pending_updates() == []


async def test_command_entity_group_post_and_membership(api: FakeBotApi, bot: Bot) -> None:
    api.send_command(USER, "/start", args="v_abc")
    api.send_text(2002, "in group", chat_id=GROUP)
    api.bot_added_to_group(-100300, "دفتر", by_user_id=USER)
    updates = await bot.get_updates()
    command = updates[0].message
    assert command is not None and command.text == "/start v_abc"
    assert command.parse_entities() == {command.entities[0]: "/start"}
    group_post = updates[1].message
    assert group_post is not None
    assert group_post.chat.type == "supergroup" and group_post.chat.title == "کارشناسان"
    assert updates[2].my_chat_member is not None
    assert updates[2].my_chat_member.new_chat_member.status == "administrator"
    assert updates[3].message is not None and updates[3].message.new_chat_members
    member = await bot.get_chat_member(GROUP, 123456)
    assert member.status == "administrator"
    assert (await bot.get_chat_member(GROUP, 2002)).status == "member"
    chat = await bot.get_chat(GROUP)
    assert chat.title == "کارشناسان"


# --- sending, keyboards, callbacks ----------------------------------------------------------


async def test_send_message_with_inline_keyboard_and_callback(api: FakeBotApi, bot: Bot) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("تأیید", callback_data="ok:1")]])
    sent = await bot.send_message(USER, "درخواست ثبت شد", reply_markup=keyboard)
    assert sent.reply_markup == keyboard
    assert sent.from_user is not None and sent.from_user.id == 123456

    message = await api.next_message(USER)
    assert message["text"] == "درخواست ثبت شد"
    assert message["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "ok:1"
    assert api.sent(USER) == [message]

    query = api.press(USER, message, "ok:1")
    (update,) = await bot.get_updates()
    assert update.callback_query is not None
    assert update.callback_query.data == "ok:1"
    assert update.callback_query.message is not None
    assert update.callback_query.message.message_id == sent.message_id
    await update.callback_query.answer("ثبت شد")
    answer = await api.wait_callback_answer(query)
    assert answer["text"] == "ثبت شد"
    assert api.callback_answers == [answer]
    with pytest.raises(BadRequest, match="Query is too old"):
        await update.callback_query.answer()

    with pytest.raises(AssertionError, match="no button"):
        api.press(USER, message, "other")


async def test_reply_keyboard_state_and_reply_to(api: FakeBotApi, bot: Bot) -> None:
    question = api.send_text(USER, "کد ملی؟")
    keyboard = ReplyKeyboardMarkup([[KeyboardButton("ارسال شماره", request_contact=True)]])
    reply = await bot.send_message(
        USER,
        "شماره را بفرستید",
        reply_markup=keyboard,
        reply_parameters=ReplyParameters(question["message_id"]),
    )
    assert reply.reply_to_message is not None
    assert reply.reply_to_message.text == "کد ملی؟"
    assert reply.reply_markup is None  # Telegram only echoes inline keyboards
    shown = api.reply_keyboard(USER)
    assert shown is not None and shown["keyboard"][0][0]["request_contact"] is True
    await bot.send_message(USER, "ممنون", reply_markup=ReplyKeyboardRemove())
    assert api.reply_keyboard(USER) is None
    with pytest.raises(BadRequest, match="Message to be replied not found"):
        await bot.send_message(USER, "x", reply_parameters=ReplyParameters(999))


async def test_validation_errors(api: FakeBotApi, bot: Bot) -> None:
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(USER, "   ")
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(USER, "ا" * 4097)
    await bot.send_message(USER, "ا" * 4096)
    with pytest.raises(BadRequest, match="Message caption is too long"):
        await bot.send_photo(USER, jpeg(40, 40), caption="x" * 1025)
    too_long = InlineKeyboardMarkup([[InlineKeyboardButton("b", callback_data="x" * 65)]])
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(USER, "hi", reply_markup=too_long)
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(424242, "hi")
    with pytest.raises(BadRequest, match=NO_PARSE_MODE):
        await bot.send_message(USER, "a <x> b", parse_mode=ParseMode.HTML)
    assert [f.status for f in api.failures] == [400] * 6


async def test_a_parse_mode_is_refused_wherever_it_is_asked_for(api: FakeBotApi, bot: Bot) -> None:
    with pytest.raises(BadRequest, match=NO_PARSE_MODE):
        await bot.send_photo(USER, jpeg(40, 40), caption="<b>عکس</b>", parse_mode="HTML")
    album = [
        InputMediaPhoto(jpeg(20, 20), caption="*a*", parse_mode=ParseMode.MARKDOWN_V2),
        InputMediaPhoto(jpeg(30, 30)),
    ]
    with pytest.raises(BadRequest, match=NO_PARSE_MODE):
        await bot.send_media_group(GROUP, album)
    sent = await bot.send_message(USER, "متن")
    with pytest.raises(BadRequest, match=NO_PARSE_MODE):
        await bot.edit_message_text("<i>متن</i>", USER, sent.message_id, parse_mode="HTML")
    assert [m["text"] for m in api.sent(USER)] == ["متن"]


# --- files ----------------------------------------------------------------------------------


async def test_send_photo_by_upload_then_by_file_id(api: FakeBotApi, bot: Bot) -> None:
    data = jpeg(900, 1200)
    bold = MessageEntity(MessageEntity.BOLD, 0, 3)
    sent = await bot.send_photo(USER, photo=data, caption="عکس", caption_entities=[bold])
    assert sent.caption == "عکس" and sent.caption_entities[0].type == "bold"
    largest = sent.photo[-1]
    assert (largest.width, largest.height, largest.file_size) == (900, 1200, len(data))
    assert [p.width for p in sent.photo] == sorted(p.width for p in sent.photo)
    assert len(sent.photo) > 1
    assert api.file_bytes(largest.file_id) == data

    (upload,) = uploads_in(api.calls[-1].params)
    assert isinstance(upload, Upload) and upload.file_id == largest.file_id

    again = await bot.send_photo(GROUP, photo=largest.file_id)
    assert again.photo[-1].file_id == largest.file_id
    assert api.calls[-1].params["photo"] == largest.file_id

    with pytest.raises(BadRequest, match="Wrong file identifier/http url specified"):
        await bot.send_photo(USER, photo="no-such-file")
    with pytest.raises(BadRequest, match="Image_process_failed"):
        await bot.send_photo(USER, photo=b"not an image")


async def test_send_document_upload_keeps_name_and_type(api: FakeBotApi, bot: Bot) -> None:
    sent = await bot.send_document(USER, document=b"%PDF-1.4 fake", filename="نامه.pdf")
    assert sent.document is not None
    assert (sent.document.file_name, sent.document.mime_type) == ("نامه.pdf", "application/pdf")
    assert api.file_bytes(sent.document.file_id) == b"%PDF-1.4 fake"
    with pytest.raises(BadRequest, match="Type of file mismatch"):
        await bot.send_photo(USER, photo=sent.document.file_id)


async def test_get_file_and_download(api: FakeBotApi, bot: Bot) -> None:
    data = jpeg(300, 400)
    message = api.send_photo(USER, data, caption="عکس پرسنلی")
    file = await bot.get_file(message["photo"][-1]["file_id"])
    assert file.file_path is not None and file.file_path.startswith(api.base_file_url)
    assert file.file_path.endswith(".jpg") and "/photos/file_" in file.file_path
    buffer = io.BytesIO()
    await file.download_to_memory(buffer)
    assert buffer.getvalue() == data
    thumbnail = await (await bot.get_file(message["photo"][0]["file_id"])).download_as_bytearray()
    assert Image.open(io.BytesIO(thumbnail)).size == (
        message["photo"][0]["width"],
        message["photo"][0]["height"],
    )

    document = api.send_document(USER, b"%PDF", file_size=25 * 1024 * 1024)
    with pytest.raises(BadRequest, match="File is too big"):
        await bot.get_file(document["document"]["file_id"])
    file_id = api.register_file(b"registered", file_name="a.txt")
    assert await (await bot.get_file(file_id)).download_as_bytearray() == b"registered"


async def test_send_media_group_with_two_uploads(api: FakeBotApi, bot: Bot) -> None:
    media = [
        InputMediaPhoto(jpeg(300, 400, "red"), caption="اول"),
        InputMediaPhoto(jpeg(400, 300, "blue")),
    ]
    messages = await bot.send_media_group(GROUP, media)
    assert len(messages) == 2
    assert messages[0].media_group_id == messages[1].media_group_id is not None
    assert messages[0].caption == "اول" and messages[1].caption is None
    assert (messages[1].photo[-1].width, messages[1].photo[-1].height) == (400, 300)
    uploads = uploads_in(api.calls[-1].params)
    assert [u.file_id for u in uploads] == [m.photo[-1].file_id for m in messages]
    assert [m["message_id"] for m in api.sent(GROUP)] == [m.message_id for m in messages]


# --- edits, copies, deletes -----------------------------------------------------------------


async def test_edit_not_modified_and_keyboard_removal(api: FakeBotApi, bot: Bot) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("بله", callback_data="y")]])
    sent = await bot.send_message(USER, "متن", reply_markup=keyboard)
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text("متن", USER, sent.message_id, reply_markup=keyboard)
    edited = await bot.edit_message_text("متن", USER, sent.message_id)
    assert isinstance(edited, type(sent)) and edited.reply_markup is None
    assert edited.edit_date is not None
    assert (await api.next_edit(USER))["text"] == "متن"
    await bot.edit_message_reply_markup(USER, sent.message_id, reply_markup=keyboard)
    assert api.sent(USER)[0]["reply_markup"] == keyboard.to_dict()
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_reply_markup(USER, sent.message_id, reply_markup=keyboard)
    with pytest.raises(BadRequest, match="There is no caption in the message to edit"):
        await bot.edit_message_caption(USER, sent.message_id, caption="c")

    photo = await bot.send_photo(USER, jpeg(40, 40), caption="قدیم")
    await bot.edit_message_caption(USER, photo.message_id, caption="جدید")
    assert api.sent(USER)[-1]["caption"] == "جدید"
    # next_message returns messages as sent, even if edited afterwards
    assert (await api.next_message(USER))["reply_markup"] == keyboard.to_dict()
    assert (await api.next_message(USER))["caption"] == "قدیم"


async def test_copy_forward_and_delete(api: FakeBotApi, bot: Bot) -> None:
    letter = api.send_document(USER, b"%PDF-1.4", caption="نامه")
    copied = await bot.copy_message(GROUP, USER, letter["message_id"], caption="از علی")
    forwarded = await bot.forward_message(GROUP, USER, letter["message_id"])
    in_group = api.sent(GROUP)
    assert in_group[0]["message_id"] == copied.message_id
    assert in_group[0]["document"] == letter["document"] and in_group[0]["caption"] == "از علی"
    assert forwarded.forward_origin is not None
    assert forwarded.document is not None
    assert forwarded.document.file_id == letter["document"]["file_id"]

    assert await bot.delete_message(GROUP, copied.message_id)
    assert [m["message_id"] for m in api.sent(GROUP)] == [forwarded.message_id]
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(GROUP, copied.message_id)


# --- errors, limits, misc -------------------------------------------------------------------


async def test_fail_next_429_and_403(api: FakeBotApi, bot: Bot) -> None:
    api.fail_next("sendMessage", status=429, retry_after=3)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(USER, "x")
    assert caught.value.retry_after == dtm.timedelta(seconds=3)
    await bot.send_message(USER, "x")  # only the next call failed

    api.fail_next("sendMessage", status=500, count=2, chat_id=GROUP)
    await bot.send_message(USER, "other chat is unaffected")
    api.fail_next("sendMessage", status=403, description="Forbidden: bot was kicked")
    with pytest.raises(Forbidden, match="bot was kicked"):
        await bot.send_message(USER, "x")

    api.block(USER)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(USER, "x")
    (update,) = await bot.get_updates()
    assert update.my_chat_member is not None
    assert update.my_chat_member.new_chat_member.status == "kicked"
    api.unblock(USER)
    await bot.send_message(USER, "welcome back")
    assert [f.status for f in api.failures] == [429, 403, 403]


async def test_group_limit(api: FakeBotApi, bot: Bot) -> None:
    api.enforce_group_limit(per_minute=3, window_seconds=0.4)
    for i in range(3):
        await bot.send_message(GROUP, f"m{i}")
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(GROUP, "too many")
    assert caught.value.retry_after == dtm.timedelta(seconds=1)
    await bot.send_message(USER, "private chats are not limited")
    await asyncio.sleep(0.45)
    await bot.send_message(GROUP, "window moved on")
    with pytest.raises(RetryAfter):  # each album item counts
        await bot.send_media_group(GROUP, [InputMediaPhoto(jpeg(20, 20))] * 3)
    assert len(api.sent(GROUP)) == 4


async def test_commands_menu_webhook_and_conflicts(api: FakeBotApi, bot: Bot) -> None:
    await bot.set_my_commands([("start", "شروع"), ("help", "راهنما")])
    assert api.commands == [
        {"command": "start", "description": "شروع"},
        {"command": "help", "description": "راهنما"},
    ]
    assert [c.command for c in await bot.get_my_commands()] == ["start", "help"]
    await bot.delete_my_commands()
    assert api.commands == []
    await bot.set_chat_menu_button()
    await bot.send_chat_action(USER, "typing")
    api.group(-100300)
    assert await bot.leave_chat(-100300)
    with pytest.raises(Forbidden, match="not a member"):
        await bot.send_message(-100300, "x")

    await bot.set_webhook("https://example.org/hook")
    assert (await bot.get_webhook_info()).url == "https://example.org/hook"
    with pytest.raises(Conflict):
        await bot.get_updates()
    await bot.delete_webhook(drop_pending_updates=True)
    assert api.pending_updates() == []

    first = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    async with httpx.AsyncClient() as client:
        await client.post(f"{api.base_url}{TOKEN}/getUpdates", data={"timeout": "0"})
    with pytest.raises(Conflict, match="terminated by other getUpdates"):
        await first


async def test_waiting_helpers(api: FakeBotApi, bot: Bot) -> None:
    await bot.send_message(USER, "one")
    await bot.send_message(USER, "two")
    assert (await api.next_message(USER))["text"] == "one"
    assert (await api.next_message(USER))["text"] == "two"

    later = asyncio.create_task(api.next_message(USER, timeout=2))
    await asyncio.sleep(0.05)
    await bot.send_message(USER, "three")
    assert (await later)["text"] == "three"
    await api.expect_no_message(USER, wait=0.05)

    call = await api.wait_for(lambda c: c.method == "sendMessage" and c.params["text"] == "two")
    assert call.params["chat_id"] == USER
    with pytest.raises(AssertionError, match=r"(?s)timed out.*sendMessage chat_id=1001"):
        await api.wait_for(lambda c: c.method == "sendPhoto", timeout=0.1)
    with pytest.raises(AssertionError, match="waiting for the bot to send a message"):
        await api.next_message(GROUP, timeout=0.1)


async def test_application_round_trip(api: FakeBotApi) -> None:
    """A PTB Application polling the fake server answers a command and a button press."""

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("ادامه", callback_data="go")]])
        await update.message.reply_text(f"سلام {context.args}", reply_markup=keyboard)

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer()
        await query.edit_message_text("ادامه دادید")

    application: Application = api.application_builder().build()  # type: ignore[type-arg]
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CallbackQueryHandler(pressed))
    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(timeout=1, drop_pending_updates=True)
        api.send_command(USER, "/start", args="v_abc")
        reply = await api.next_message(USER, timeout=5)
        assert reply["text"] == "سلام ['v_abc']"
        query = api.press(USER, reply, "go")
        await api.wait_callback_answer(query, timeout=5)
        edited = await api.next_edit(USER, timeout=5)
        assert edited["text"] == "ادامه دادید" and "reply_markup" not in edited
        await application.updater.stop()
        await application.stop()
    assert api.pending_updates() == []
    assert api.failures == []
