"""The public verification page: what a person sees after scanning a confirmation's QR code.

Pure: a :class:`~domain.verification.Result` in, a complete HTML5 document out. The page is
self-contained (inline CSS and inline SVG icons, no scripts, no fonts or images fetched from
anywhere) so that it works under a ``default-src 'none'`` content security policy and on a
phone with a poor connection. Icons are SVG rather than emoji because a phone or a server
without an emoji font would otherwise show empty boxes.

Only what a :class:`Result` carries is ever shown: the masked name, trade, certificate number,
confirmation serial, issue date and issuing office. Every value is escaped with
:func:`html.escape`.
"""

from __future__ import annotations

import datetime as dt
from html import escape
from urllib.parse import quote

from domain import texts
from domain.digits import to_persian_digits
from domain.jalali import format_date
from domain.verification import Result, Verdict, display_serial

__all__ = ["CHECK_FIELD", "render_error_page", "render_verdict_page"]

CHECK_FIELD = "national_code"
"""The name of the national-code input of the holder check form."""

# Verdicts whose token names a confirmation the store holds: the holder check can answer.
_CHECKABLE = frozenset({Verdict.GENUINE, Verdict.REVOKED, Verdict.SUPERSEDED})

_CSS = """
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;background:#eef1f4;color:#1d232b;
font-family:Vazirmatn,Vazir,Tahoma,"Noto Sans Arabic","DejaVu Sans",sans-serif;
font-size:17px;line-height:1.75}
main{max-width:36rem;margin:0 auto;padding:12px}
.org{text-align:center;padding:6px 8px 12px}
.org p{margin:0;font-size:.95rem;color:#4a5563}
.org h1{margin:2px 0 0;font-size:1.1rem;font-weight:700}
.card{background:#fff;border-radius:14px;box-shadow:0 1px 3px rgba(0,0,0,.12);
margin:0 0 12px;overflow:hidden}
.verdict{padding:20px 16px 18px;text-align:center;border-top:8px solid var(--c);
background:var(--bg);color:var(--c)}
.verdict svg{display:block;width:64px;height:64px;margin:0 auto 8px}
.verdict h2{margin:0;font-size:1.4rem;line-height:1.5;font-weight:800}
.verdict p{margin:6px 0 0;color:#1d232b;font-size:1rem}
.v-genuine{--c:#176b34;--bg:#e6f5eb}
.v-revoked{--c:#b0201a;--bg:#fdeceb}
.v-superseded{--c:#8a5300;--bg:#fff3d9}
.v-invalid_signature{--c:#a3120c;--bg:#fde6e4}
.v-unknown{--c:#34465c;--bg:#eaeff5}
dl{margin:0;padding:4px 16px 8px}
dl div{display:grid;grid-template-columns:minmax(7em,38%) 1fr;gap:12px;
padding:10px 0;border-bottom:1px solid #e5e9ee}
dt{color:#5b6674;font-size:.95rem}
dd{margin:0;font-weight:700;overflow-wrap:anywhere}
.code{direction:ltr;unicode-bidi:isolate;letter-spacing:.02em}
.privacy{margin:0;padding:0 16px 14px;color:#5b6674;font-size:.85rem}
.notice{padding:12px 16px;font-weight:700;font-size:1.1rem;text-align:center;
border-bottom:1px solid}
.notice.yes{background:#e6f5eb;color:#176b34;border-color:#176b34}
.notice.no{background:#fdeceb;color:#b0201a;border-color:#b0201a}
form{padding:16px}
form h2{margin:0 0 4px;font-size:1.1rem}
form p{margin:0 0 12px;color:#5b6674;font-size:.9rem}
label{display:block;margin-bottom:6px;font-weight:700}
.row{display:flex;gap:8px}
input{flex:1;min-width:0;font:inherit;font-size:1.15rem;padding:10px 12px;
border:1.5px solid #a9b3bf;border-radius:10px;direction:ltr;text-align:center;
letter-spacing:.08em;background:#fff;color:inherit}
input:placeholder-shown{direction:rtl}
input:focus{outline:3px solid #8fb8e8;border-color:#2c6cb0}
button{font:inherit;font-weight:700;padding:10px 20px;border:0;border-radius:10px;
background:#2c6cb0;color:#fff;cursor:pointer}
button:focus{outline:3px solid #8fb8e8}
.message{padding:22px 16px;font-size:1.1rem;text-align:center}
footer{text-align:center;color:#6b7683;font-size:.8rem;padding:4px 8px 20px}
"""

# 48x48 icons drawn in the verdict's colour (``currentColor``).
_ICON_SHAPES = {
    Verdict.GENUINE: (
        '<circle cx="24" cy="24" r="22" fill="currentColor"/>'
        '<path d="M13 24.5l7.5 7.5L35 17.5" fill="none" stroke="#fff" stroke-width="5" '
        'stroke-linecap="round" stroke-linejoin="round"/>'
    ),
    Verdict.REVOKED: (
        '<circle cx="24" cy="24" r="22" fill="currentColor"/>'
        '<rect x="11" y="20.5" width="26" height="7" rx="2" fill="#fff"/>'
    ),
    Verdict.SUPERSEDED: (
        '<path d="M24 3L46 43H2z" fill="currentColor" stroke="currentColor" '
        'stroke-width="3" stroke-linejoin="round"/>'
        '<rect x="21.5" y="16" width="5" height="15" rx="2" fill="#fff"/>'
        '<circle cx="24" cy="37" r="3" fill="#fff"/>'
    ),
    Verdict.INVALID: (
        '<circle cx="24" cy="24" r="22" fill="currentColor"/>'
        '<path d="M16 16l16 16M32 16L16 32" stroke="#fff" stroke-width="5" '
        'stroke-linecap="round"/>'
    ),
    Verdict.UNKNOWN: (
        '<circle cx="24" cy="24" r="22" fill="currentColor"/>'
        '<path d="M17.5 18.5a6.5 6.5 0 1 1 9.5 5.8c-2 1-3 2.4-3 4.4v1.3" fill="none" '
        'stroke="#fff" stroke-width="4.5" stroke-linecap="round"/>'
        '<circle cx="24" cy="36.5" r="3" fill="#fff"/>'
    ),
}


def _icon(verdict: Verdict) -> str:
    return (
        '<svg viewBox="0 0 48 48" aria-hidden="true" focusable="false">'
        f"{_ICON_SHAPES[verdict]}</svg>"
    )


def _page(title: str, body: str) -> str:
    """The document around ``body`` (already HTML)."""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="fa" dir="rtl">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="robots" content="noindex, nofollow">\n'
        '<meta name="referrer" content="no-referrer">\n'
        '<meta name="color-scheme" content="light">\n'
        f"<title>{escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        f"<main>\n{body}</main>\n"
        f"<footer>{escape(texts.WEB_FOOTER)}</footer>\n</body>\n</html>\n"
    )


def _header(office_name: str) -> str:
    return (
        '<header class="org">'
        f"<p>{escape(texts.DOC_ORGANISATION)}</p>"
        f"<p>{escape(office_name)}</p>"
        f"<h1>{escape(texts.WEB_HEADER)}</h1>"
        "</header>\n"
    )


def _code(value: str) -> str:
    """A code shown left to right; Persian digits unless it has Latin letters."""
    shown = _text(value.strip())
    return f'<span class="code">{escape(shown)}</span>'


def _has_latin(text: str) -> bool:
    return any("a" <= ch.lower() <= "z" for ch in text)


def _text(value: str) -> str:
    """Persian text with Persian digits, unless Latin letters make them part of a code."""
    return value if _has_latin(value) else to_persian_digits(value)


def _date(value: dt.date | dt.datetime) -> str:
    return f'<span class="code">{escape(format_date(value))}</span>'


def _verdict_banner(result: Result) -> str:
    verdict = result.verdict
    lines: list[str] = []
    if verdict is Verdict.SUPERSEDED:
        newer = (
            to_persian_digits(display_serial(result.superseded_by))
            if result.superseded_by is not None
            else "-"
        )
        lines.append(escape(texts.WEB_VERDICT_DETAILS[verdict]).format(serial=_code(newer)))
    elif verdict is Verdict.INVALID and result.reason == "key_withdrawn":
        lines.append(escape(texts.WEB_KEY_WITHDRAWN_DETAIL))
    else:
        lines.append(escape(texts.WEB_VERDICT_DETAILS[verdict]))
    if verdict is Verdict.REVOKED:
        if result.revoked_at is not None:
            lines.append(escape(texts.WEB_REVOKED_ON).format(date=_date(result.revoked_at)))
        if result.revoke_reason:
            lines.append(escape(texts.WEB_REVOKE_REASON.format(reason=result.revoke_reason)))
    details = "".join(f"<p>{line}</p>" for line in lines)
    return (
        f'<section class="verdict v-{escape(verdict.value)}" role="status" '
        f'data-verdict="{escape(verdict.value)}">'
        f"{_icon(verdict)}<div><h2>{escape(texts.WEB_VERDICT_TITLES[verdict])}</h2>"
        f"{details}</div></section>\n"
    )


def _facts(result: Result) -> str:
    rows: list[tuple[str, str]] = []
    if result.masked_name:
        rows.append(("holder", escape(result.masked_name)))
    if result.trade:
        rows.append(("trade", escape(_text(result.trade))))
    if result.certificate_number:
        rows.append(("certificate_number", _code(result.certificate_number)))
    if result.serial is not None:
        rows.append(("serial", _code(display_serial(result.serial))))
    if result.issued_on is not None:
        rows.append(("issued_on", _date(result.issued_on)))
    if result.office:
        rows.append(("office", escape(result.office)))
    if not rows:
        return ""
    items = "".join(
        f"<div><dt>{escape(texts.WEB_LABELS[key])}</dt><dd>{value}</dd></div>"
        for key, value in rows
    )
    privacy = (
        f'<p class="privacy">{escape(texts.WEB_PRIVACY_NOTE)}</p>' if result.masked_name else ""
    )
    return f"<dl>{items}</dl>{privacy}\n"


def _check_notice(holder_check: bool | None) -> str:
    if holder_check is None:
        return ""
    answer = texts.WEB_CHECK_MATCHES if holder_check else texts.WEB_CHECK_NO_MATCH
    css = "yes" if holder_check else "no"
    return (
        f'<div class="notice {css}" role="alert" id="holder-check">'
        f"{escape(texts.WEB_CHECK_RESULT.format(answer=answer))}</div>"
    )


def _check_form(token: str) -> str:
    action = f"/v/{quote(token.strip(), safe='')}/check"
    return (
        f'<div class="card"><form method="post" action="{escape(action)}" '
        'accept-charset="utf-8">'
        f"<h2>{escape(texts.WEB_CHECK_TITLE)}</h2><p>{escape(texts.WEB_CHECK_HELP)}</p>"
        f'<label for="{CHECK_FIELD}">{escape(texts.WEB_CHECK_LABEL)}</label>'
        f'<div class="row"><input type="text" id="{CHECK_FIELD}" name="{CHECK_FIELD}" '
        'inputmode="numeric" autocomplete="off" autocorrect="off" spellcheck="false" '
        f'maxlength="20" required placeholder="{escape(texts.WEB_CHECK_PLACEHOLDER)}">'
        f'<button type="submit">{escape(texts.WEB_CHECK_BUTTON)}</button></div>'
        "</form></div>\n"
    )


def render_verdict_page(
    result: Result, *, token: str, holder_check: bool | None = None, office_name: str
) -> str:
    """The verification page for ``result``.

    ``token`` is the scanned token (the holder check form posts back to it); ``holder_check``
    is the answer to a national-code check just made (None: none made); ``office_name`` is the
    office running the service, shown in the header.
    """
    body = (
        _header(office_name)
        + f'<div class="card">{_verdict_banner(result)}{_check_notice(holder_check)}'
        + f"{_facts(result)}</div>\n"
    )
    if result.verdict in _CHECKABLE:
        body += _check_form(token)
    title = f"{texts.WEB_VERDICT_TITLES[result.verdict]} — {texts.WEB_PAGE_TITLE}"
    return _page(title, body)


def render_error_page(message: str) -> str:
    """A plain page with ``message`` (a page that does not exist, too many requests)."""
    body = (
        '<header class="org">'
        f"<p>{escape(texts.DOC_ORGANISATION)}</p><h1>{escape(texts.WEB_HEADER)}</h1></header>\n"
        f'<div class="card"><p class="message" role="alert">{escape(message)}</p></div>\n'
    )
    return _page(f"{texts.WEB_ERROR_TITLE} — {texts.WEB_PAGE_TITLE}", body)
