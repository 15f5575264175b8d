"""The catalogue of every Persian text a person reads.

Texts are named by purpose so that wording can be reviewed without reading code. Texts with
placeholders use ``str.format`` fields; callers pass digits already converted to Persian where
they are shown to people.
"""

from __future__ import annotations

# --- Validation errors (domain.validation) -------------------------------------------------

ERR_EMPTY = "پاسخی دریافت نشد. لطفاً دوباره بنویسید."
ERR_TOO_LONG = "این پاسخ بیش از حد طولانی است (حداکثر {limit} حرف). لطفاً کوتاه‌تر بنویسید."
ERR_NAME_CHARS = (
    "نام باید با حروف فارسی نوشته شود و عدد یا علامت نداشته باشد. نمونه: علی رضایی"
)
ERR_NAME_SHORT = "نام بسیار کوتاه است. لطفاً نام را کامل بنویسید."
ERR_NATIONAL_CODE_LENGTH = "کد ملی باید ۱۰ رقم باشد. نمونه: ۰۰۱۲۳۴۵۶۷۸"
ERR_NATIONAL_CODE_DIGITS = "کد ملی فقط از رقم تشکیل می‌شود. لطفاً فقط ۱۰ رقم کد ملی را بفرستید."
ERR_NATIONAL_CODE_CHECK = (
    "این کد ملی معتبر نیست (رقم کنترل آن درست نیست). لطفاً کد ملی را دوباره و با دقت بنویسید."
)
ERR_DATE_FORMAT = "تاریخ را به صورت سال/ماه/روز شمسی بنویسید. نمونه: ۱۳۷۰/۰۵/۰۳"
ERR_DATE_IMPOSSIBLE = "چنین تاریخی در تقویم شمسی وجود ندارد. لطفاً تاریخ درست را بنویسید."
ERR_DATE_RANGE = "تاریخ تولد باید بین سال {earliest} و امروز باشد."
ERR_MOBILE = "شماره همراه باید ۱۱ رقم و با ۰۹ شروع شود. نمونه: ۰۹۱۲۳۴۵۶۷۸۹"
ERR_YEAR = "سال را به صورت چهار رقمی شمسی بنویسید، بین {earliest} و {latest}. نمونه: ۱۳۸۵"
ERR_CERTIFICATE_NUMBER = (
    "شماره گواهینامه فقط می‌تواند رقم، حرف و خط تیره داشته باشد (حداکثر ۳۰ نویسه)."
)
ERR_FREE_TEXT_CHARS = "لطفاً فقط متن ساده بنویسید."

# --- Upload errors (domain.uploads) ---------------------------------------------------------

ERR_FILE_TOO_LARGE = "حجم فایل بیش از {limit_mb} مگابایت است. لطفاً فایل کوچک‌تری بفرستید."
ERR_FILE_NOT_IMAGE_OR_PDF = (
    "این فایل تصویر (JPEG، PNG یا WebP) یا PDF نیست. لطفاً تصویر یا PDF نامه را بفرستید."
)
ERR_FILE_NOT_IMAGE = "این فایل تصویر نیست. لطفاً عکس را به صورت JPEG، PNG یا WebP بفرستید."
ERR_IMAGE_BROKEN = "این تصویر باز نمی‌شود یا خراب است. لطفاً تصویر دیگری بفرستید."
ERR_IMAGE_TOO_BIG_PIXELS = "ابعاد این تصویر بیش از حد بزرگ است. لطفاً تصویر کوچک‌تری بفرستید."
ERR_PDF_BROKEN = "این فایل PDF معتبر نیست. لطفاً فایل PDF درست یا عکس نامه را بفرستید."
ERR_PHOTO_NOT_PORTRAIT = (
    "عکس باید ایستاده (عمودی) باشد؛ این عکس {width}×{height} پیکسل است. "
    "لطفاً عکس ۳×۴ پرسنلی را بفرستید."
)
ERR_PHOTO_RATIO = (
    "نسبت طول و عرض عکس به ۳×۴ نزدیک نیست (این عکس {width}×{height} پیکسل است). "
    "لطفاً عکس ۳×۴ پرسنلی را بدون حاشیهٔ اضافه بفرستید."
)
ERR_PHOTO_SMALL = (
    "کیفیت عکس کم است: دست‌کم ۳۰۰×۴۰۰ پیکسل لازم است و این عکس {width}×{height} پیکسل است."
)

# --- added by uploads ---

ERR_PDF_ENCRYPTED = (
    "این فایل PDF رمزدار یا قفل‌شده است. لطفاً نسخهٔ بدون رمز یا عکس نامه را بفرستید."
)
ERR_PDF_TOO_MANY_PAGES = (
    "این فایل PDF بیش از {limit} صفحه دارد. لطفاً فقط صفحه‌های نامه را بفرستید."
)

# --- added by validation ---

DATETIME_FORMAT = "{date} ساعت {time}"
ERR_TOO_SHORT = "این پاسخ بسیار کوتاه است (دست‌کم {limit} حرف). لطفاً کامل‌تر بنویسید."
ERR_DATE_RANGE_GENERIC = "تاریخ باید بین سال {earliest} و امروز باشد."
ERR_DATE_GREGORIAN = (
    "به نظر می‌رسد تاریخ میلادی نوشته‌اید. لطفاً تاریخ را شمسی بنویسید. نمونه: ۱۳۷۰/۰۵/۰۳"
)
ERR_TRACKING_CODE = (
    "این کد رهگیری درست نیست؛ احتمالاً نویسه‌ای از آن اشتباه نوشته شده است. "
    "کد رهگیری ۹ نویسه (حرف انگلیسی و رقم) دارد، مانند {example}. لطفاً دوباره بنویسید."
)

# Jalali month names, in order (index 0 is month 1); also what date parsing recognises.
JALALI_MONTH_NAMES = (
    "فروردین",
    "اردیبهشت",
    "خرداد",
    "تیر",
    "مرداد",
    "شهریور",
    "مهر",
    "آبان",
    "آذر",
    "دی",
    "بهمن",
    "اسفند",
)
# Other spellings of month names that date parsing also recognises, with their month number.
JALALI_MONTH_ALIASES = {"امرداد": 5}
