"""The catalogue of every Persian text a person reads.

Texts are named by purpose so that wording can be reviewed without reading code. Texts with
placeholders use ``str.format`` fields; callers pass digits already converted to Persian where
they are shown to people.

The catalogue is grouped by who reads the texts: (1) pieces shared by several audiences,
(2) the applicant's chat, (3) the staff group, (4) documents, (5) the verify web page,
(6) operators. A text read by more than one audience lives in the shared group.
"""

from __future__ import annotations

# ============================================================================================
# 1. SHARED: pieces read by several audiences (the applicant, the staff, documents, the
# verify page): punctuation, dates, the office's name, replies any chat can get, request
# kinds and statuses, and the labels of the forms' fields.
# ============================================================================================

# --- Punctuation used to put texts together -------------------------------------------------

LIST_SEPARATOR = "، "  # between the items of an inline list: «کارشناس، امضاکننده»
DECIMAL_SEPARATOR = "٫"  # Persian decimal point: ۲٫۵
PERCENT_SIGN = "٪"  # after the number: ۸۵٪

# --- Dates (domain.jalali, domain.validation, domain.stats) ---------------------------------

DATETIME_FORMAT = "{date} ساعت {time}"

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

# --- The office: defaults of settings that appear on documents, and the organisation --------

# The organisation heads the confirmations, the letters and the verify page.
DEFAULT_OFFICE_NAME = "حوزه سنجش و ارزشیابی مهارت استان خوزستان"
DEFAULT_SIGNER_TITLE = "مدیرکل آموزش فنی و حرفه‌ای استان خوزستان"
DOC_ORGANISATION = "سازمان آموزش فنی و حرفه‌ای کشور"

# --- Replies any chat can get ---------------------------------------------------------------

ERROR_GENERIC = "متأسفانه خطایی پیش آمد. لطفاً چند لحظهٔ دیگر دوباره تلاش کنید."
UPDATE_GIVEN_UP = (
    "پیامی که فرستادید به دلیل خطایی در سامانه پردازش نشد و کنار گذاشته شد. اگر هنوز لازم است، "
    "لطفاً دوباره بفرستید؛ اگر باز پاسخی نگرفتید، با دفتر تماس بگیرید."
)
BUTTON_STALE = "این دکمه دیگر کار نمی‌کند."

# --- Request kinds and statuses (the applicant's list, the card, the digest, statistics) ----

KIND_LABELS = {"duplicate": "المثنی", "inquiry": "استعلام"}
STATUS_LABELS = {
    "submitted": "ثبت شده، در انتظار بررسی",
    "in_review": "در حال بررسی",
    "waiting_applicant": "در انتظار پاسخ متقاضی",
    "waiting_centre": "در انتظار پاسخ مرکز آموزشی",
    "centre_letter_drafted": "نامه به مرکز آموزشی، در انتظار امضا",
    "not_authentic_drafted": "نامهٔ پاسخ، در انتظار امضا",
    "recommended": "پیشنهاد تایید، در انتظار امضا",
    "approved": "تایید شده",
    "rejected": "رد شده",
    "forged": "گزارش جعل به حراست",
    "withdrawn": "انصراف متقاضی",
    "revoked": "تاییدیه باطل شده",
}

# --- The forms' fields: labels and choices (the applicant's summary, the staff card) --------

CARD_LINE = "{label}: {value}"

LABEL_FULL_NAME = "نام و نام خانوادگی"
LABEL_FATHER_NAME = "نام پدر"
LABEL_NATIONAL_CODE = "کد ملی"
LABEL_BIRTH_DATE = "تاریخ تولد"
LABEL_MOBILE = "شمارهٔ همراه"
LABEL_TRADE = "حرفه"
LABEL_CERTIFICATE_NUMBER = "شمارهٔ گواهینامه"
LABEL_CERTIFICATE_YEAR = "سال آزمون"
LABEL_TRAINING_CENTRE = "مرکز آموزشی یا شهر"
LABEL_CERTIFICATE_FORMAT = "نوع گواهینامه"
LABEL_COURT_LETTER = "نامهٔ دادگاه"
LABEL_PHOTO = "عکس ۳×۴"
VALUE_NOT_KNOWN = "نامشخص"

FORMAT_OLD = "فرمت قدیم (پیش از ۱۳۹۲)"
FORMAT_MECHANIZED = "مکانیزه"
FORMAT_UNKNOWN = "نمی‌دانم"

LABEL_ORG_NAME = "نام سازمان"
LABEL_ORG_TYPE = "نوع سازمان"
LABEL_CLERK_NAME = "نام کارشناس پیگیری‌کننده"
LABEL_CLERK_CONTACT = "شمارهٔ تماس کارشناس"
LABEL_LETTER_NUMBER = "شمارهٔ نامهٔ رسمی"
LABEL_LETTER_DATE = "تاریخ نامهٔ رسمی"
LABEL_ORG_LETTER = "معرفی‌نامهٔ رسمی"
LABEL_CERTIFICATE_IMAGE = "تصویر گواهینامه"
LABEL_HOLDER_NATIONAL_CODE = "کد ملی دارندهٔ گواهینامه"
LABEL_HOLDER_NAME = "نام دارنده (همان‌طور که در گواهینامه آمده)"

ORG_TYPE_EDUCATION = "آموزش و پرورش"
ORG_TYPE_JUDICIARY = "قوهٔ قضائیه"
ORG_TYPE_GOVERNMENT = "دستگاه دولتی"
ORG_TYPE_PRIVATE = "کارفرمای خصوصی"
ORG_TYPE_OTHER = "سایر"


# ============================================================================================
# 2. THE APPLICANT'S CHAT: what a person asking for a duplicate or an inquiry reads in
# private chat with the bot (handlers.applicant, handlers.form_engine, handlers.verify).
# ============================================================================================

# --- Menu, commands, help -------------------------------------------------------------------

MENU_DUPLICATE = "📝 درخواست المثنی"
MENU_INQUIRY = "🏢 استعلام اصالت گواهینامه (ویژهٔ سازمان‌ها)"
MENU_STATUS = "🔎 پیگیری درخواست‌های من"
MENU_HELP = "❓ راهنما"
BUTTON_CANCEL = "❌ انصراف"
BUTTON_DONT_KNOW = "نمی‌دانم"
BUTTON_SHARE_CONTACT = "📱 ارسال شمارهٔ همین حساب"

COMMAND_START = "شروع و منوی اصلی"
COMMAND_STATUS = "پیگیری درخواست‌ها"
COMMAND_CANCEL = "انصراف از درخواست در حال تکمیل"
COMMAND_HELP = "راهنما و مدارک لازم"

WELCOME = (
    "سلام {name}، به ربات حوزه سنجش و ارزشیابی مهارت سازمان آموزش فنی و حرفه‌ای خوش آمدید.\n\n"
    "از اینجا می‌توانید برای گواهینامهٔ مهارت گم‌شدهٔ خود درخواست صدور برگ تاییدیه ارزش "
    "گواهینامه (المثنی) بدهید، اصالت گواهینامه را از سوی سازمان خود استعلام کنید، "
    "درخواست‌های خود را پیگیری کنید، و با فرستادن عکس یا PDF یک برگ تاییدیه، اصالت آن را "
    "بسنجید.\n\n"
    "یکی از گزینه‌های زیر را انتخاب کنید."
)
WELCOME_NO_NAME = "کاربر گرامی"
HELP = (
    "راهنمای ربات\n\n"
    "📝 صدور برگ تاییدیه ارزش گواهینامه (المثنی): برای کسی که گواهینامهٔ مهارت خود را "
    "گم کرده است.\n"
    "مدارک لازم:\n"
    "• نامهٔ دادگاه مبنی بر فقدان گواهینامه (عکس یا فایل PDF)\n"
    "• یک قطعه عکس ۳×۴\n"
    "• مشخصات شما: نام، نام پدر، کد ملی، تاریخ تولد، شمارهٔ همراه و حرفه\n\n"
    "🏢 استعلام اصالت گواهینامه: ویژهٔ سازمان‌ها (آموزش و پرورش، قوهٔ قضائیه، دستگاه‌های "
    "دولتی، کارفرمایان).\n"
    "مدارک لازم: معرفی‌نامهٔ رسمی مرجع درخواست‌کننده و تصویر گواهینامه. پاسخ استعلام "
    "به واحد حراست هم فرستاده می‌شود.\n\n"
    "🔐 بررسی برگ تاییدیه: کد QR روی برگ را با دوربین گوشی اسکن کنید، یا عکس آن یا فایل "
    "PDF آن را همین‌جا بفرستید.\n\n"
    "مدت زمان انجام کار (بسته به حجم امور ارجاعی):\n"
    "• بررسی سوابق گواهینامه‌های فرمت قدیم موجود در دفاتر ثبت: ۲ روز\n"
    "• بررسی سوابق موجود در بایگانی مراکز آموزشی: یک هفته\n"
    "• بررسی سوابق گواهینامه‌های مکانیزه: ۲ روز\n"
    "• صدور استعلام گواهینامه‌های فرمت قدیم: ۲ روز\n"
    "• صدور برگ تایید ارزش گواهینامه (المثنی): ۳ روز\n\n"
    "پس از ثبت، یک کد رهگیری دریافت می‌کنید. با دستور /status یا دکمهٔ «پیگیری "
    "درخواست‌های من» از وضعیت درخواست باخبر شوید.\n"
    "در هر مرحله با /cancel یا دکمهٔ «انصراف» می‌توانید از ادامهٔ کار منصرف شوید."
)
USE_MENU = "لطفاً یکی از گزینه‌های منو را انتخاب کنید یا برای راهنما /help را بفرستید."

# --- The duplicate request conversation -----------------------------------------------------

DUPLICATE_INTRO = (
    "درخواست صدور برگ تاییدیه ارزش گواهینامه (المثنی)\n"
    "چند پرسش کوتاه می‌پرسم و در پایان، پیش از ثبت، همه را برای تایید به شما نشان می‌دهم.\n"
    "مدارک لازم: نامهٔ دادگاه مبنی بر فقدان گواهینامه و یک قطعه عکس ۳×۴."
)
DRAFT_RESUMED = "درخواست نیمه‌تمام شما ذخیره شده است؛ از همان‌جا ادامه می‌دهیم."
STEP_COUNTER = "پرسش {number} از {total}"

PROMPT_FULL_NAME = (
    "نام و نام خانوادگی خود را همان‌طور که در گواهینامه آمده بنویسید.\nنمونه: علی رضایی"
)
PROMPT_FATHER_NAME = "نام پدر را بنویسید.\nنمونه: حسین"
PROMPT_NATIONAL_CODE = "کد ملی ۱۰ رقمی خود را بنویسید.\nنمونه: ۰۰۱۲۳۴۵۶۷۸"
PROMPT_BIRTH_DATE = "تاریخ تولد خود را به تاریخ شمسی بنویسید.\nنمونه: ۱۳۷۰/۰۵/۰۳"
PROMPT_MOBILE = (
    "شمارهٔ تلفن همراه خود را بفرستید: دکمهٔ «ارسال شمارهٔ همین حساب» را بزنید یا شماره را "
    "بنویسید.\nنمونه: ۰۹۱۲۳۴۵۶۷۸۹"
)
PROMPT_TRADE = "حرفه یا رشته‌ای که گواهینامه برای آن صادر شده را بنویسید.\nنمونه: برق‌کار ساختمان"
PROMPT_CERTIFICATE_NUMBER = (
    "شمارهٔ گواهینامه را اگر می‌دانید بنویسید؛ اگر نمی‌دانید دکمهٔ «نمی‌دانم» را بزنید.\n"
    "نمونه: ۱۲۳۴۵۶۷۸"
)
PROMPT_CERTIFICATE_YEAR = (
    "سال آزمون یا صدور گواهینامه (شمسی) را اگر می‌دانید بنویسید؛ وگرنه «نمی‌دانم» را بزنید.\n"
    "نمونه: ۱۳۸۵"
)
PROMPT_TRAINING_CENTRE = (
    "نام مرکز آموزشی یا شهری که در آن آزمون دادید را بنویسید؛ وگرنه «نمی‌دانم» را بزنید.\n"
    "نمونه: مرکز شمارهٔ ۱ اهواز"
)
PROMPT_CERTIFICATE_FORMAT = (
    "نوع گواهینامه را انتخاب کنید:\n"
    "• فرمت قدیم: گواهینامه‌های پیش از سال ۱۳۹۲ که دستی ثبت شده‌اند\n"
    "• مکانیزه: گواهینامه‌های صادرشده از نرم‌افزار آزمون\n"
    "اگر نمی‌دانید «نمی‌دانم» را بزنید."
)
PROMPT_COURT_LETTER = (
    "تصویر نامهٔ دادگاه مبنی بر فقدان گواهینامه را بفرستید: عکس واضح نامه، یا فایل PDF یا "
    "تصویر آن (حداکثر {limit_mb} مگابایت)."
)
PROMPT_PHOTO = "یک قطعه عکس ۳×۴ پرسنلی (ایستاده، زمینهٔ روشن، دست‌کم ۳۰۰×۴۰۰ پیکسل) بفرستید."

# --- The inquiry conversation (organisations) -----------------------------------------------

INQUIRY_INTRO = (
    "استعلام اصالت گواهینامهٔ مهارت (برگ تایید اصالت گواهینامه)\n"
    "ویژهٔ سازمان‌ها و دستگاه‌ها: آموزش و پرورش، قوهٔ قضائیه، دستگاه‌های دولتی و کارفرمایان.\n"
    "مدارک لازم: تصویر معرفی‌نامهٔ رسمی مرجع درخواست‌کننده و تصویر گواهینامه."
)
INQUIRY_PROFILE_USED = (
    "مشخصات سازمان شما از استعلام قبلی این گفتگو برداشته شد؛ در پایان می‌توانید آن را اصلاح کنید."
)

PROMPT_ORG_NAME = (
    "نام سازمان یا مرجع درخواست‌کننده را بنویسید.\nنمونه: ادارهٔ کل آموزش و پرورش خوزستان"
)
PROMPT_ORG_TYPE = "نوع سازمان را انتخاب کنید."
PROMPT_CLERK_NAME = "نام و نام خانوادگی کارشناسی که پیگیری می‌کند را بنویسید.\nنمونه: زهرا کریمی"
PROMPT_CLERK_CONTACT = (
    "شمارهٔ همراه کارشناس را بنویسید یا دکمهٔ «ارسال شمارهٔ همین حساب» را بزنید.\nنمونه: ۰۹۱۶۱۲۳۴۵۶۷"
)
PROMPT_LETTER_NUMBER = "شمارهٔ نامهٔ رسمی (معرفی‌نامه) را بنویسید.\nنمونه: ۱۲۳۴/ص/۱۴۰۵"
PROMPT_LETTER_DATE = "تاریخ نامهٔ رسمی را به تاریخ شمسی بنویسید.\nنمونه: ۱۴۰۵/۰۸/۲۰"
PROMPT_ORG_LETTER = (
    "تصویر یا فایل PDF معرفی‌نامهٔ رسمی مرجع درخواست‌کننده را بفرستید (حداکثر {limit_mb} مگابایت)."
)
PROMPT_CERTIFICATE_IMAGE = "تصویر گواهینامهٔ مهارت مورد استعلام را بفرستید (عکس یا PDF)."
PROMPT_HOLDER_NATIONAL_CODE = "کد ملی دارندهٔ گواهینامه را بنویسید.\nنمونه: ۰۰۱۲۳۴۵۶۷۸"
PROMPT_HOLDER_CERTIFICATE_NUMBER = "شمارهٔ گواهینامه را همان‌طور که روی آن آمده بنویسید."
PROMPT_HOLDER_NAME = "نام و نام خانوادگی دارنده را همان‌طور که در گواهینامه آمده بنویسید."

# --- An answer of the wrong kind, and files received ----------------------------------------

EXPECT_TEXT = "در این مرحله یک پاسخ نوشتاری لازم است. لطفاً پاسخ را بنویسید."
EXPECT_CHOICE = "لطفاً یکی از گزینه‌های زیر را انتخاب کنید."
EXPECT_MOBILE = "لطفاً شمارهٔ همراه را بنویسید یا دکمهٔ «ارسال شمارهٔ همین حساب» را بزنید."
EXPECT_OWN_CONTACT = (
    "این شماره متعلق به حساب شما نیست. دکمهٔ «ارسال شمارهٔ همین حساب» را بزنید یا شماره را بنویسید."
)
EXPECT_IRANIAN_MOBILE = "این شماره، شمارهٔ همراه ایران نیست. لطفاً شمارهٔ همراه را بنویسید."
EXPECT_FILE = (
    "در این مرحله باید «{label}» را به صورت عکس یا فایل PDF بفرستید؛ متن، استیکر، صدا، ویدیو "
    "یا موقعیت پذیرفته نمی‌شود."
)
EXPECT_PHOTO = (
    "در این مرحله باید عکس ۳×۴ را بفرستید (به صورت عکس یا فایل تصویری)؛ متن، استیکر، صدا، "
    "ویدیو یا موقعیت پذیرفته نمی‌شود."
)
FILE_DOWNLOAD_FAILED = "دریافت فایل ممکن نشد. لطفاً دوباره بفرستید."
FILE_ACCEPTED = "✅ {label} دریافت شد."
ALBUM_ONE_FILE = (
    "از چند فایلی که با هم فرستادید فقط اولی برداشته شد. لطفاً هر مدرک را جداگانه بفرستید؛ "
    "نامهٔ چندصفحه‌ای را به صورت یک فایل PDF بفرستید."
)

# --- Validation errors (domain.validation) --------------------------------------------------

ERR_EMPTY = "پاسخی دریافت نشد. لطفاً دوباره بنویسید."
ERR_TOO_LONG = "این پاسخ بیش از حد طولانی است (حداکثر {limit} حرف). لطفاً کوتاه‌تر بنویسید."
ERR_TOO_SHORT = "این پاسخ بسیار کوتاه است (دست‌کم {limit} حرف). لطفاً کامل‌تر بنویسید."
ERR_NAME_CHARS = "نام باید با حروف فارسی نوشته شود و عدد یا علامت نداشته باشد. نمونه: علی رضایی"
ERR_NAME_SHORT = "نام بسیار کوتاه است. لطفاً نام را کامل بنویسید."
ERR_FULL_NAME_WORDS = (
    "لطفاً نام و نام خانوادگی را هر دو بنویسید، با فاصله میان آن‌ها. نمونه: مریم احمدی"
)
ERR_NATIONAL_CODE_LENGTH = "کد ملی باید ۱۰ رقم باشد. نمونه: ۰۰۱۲۳۴۵۶۷۸"
ERR_NATIONAL_CODE_DIGITS = "کد ملی فقط از رقم تشکیل می‌شود. لطفاً فقط ۱۰ رقم کد ملی را بفرستید."
ERR_NATIONAL_CODE_CHECK = (
    "این کد ملی معتبر نیست (رقم کنترل آن درست نیست). لطفاً کد ملی را دوباره و با دقت بنویسید."
)
ERR_DATE_FORMAT = "تاریخ را به صورت سال/ماه/روز شمسی بنویسید. نمونه: ۱۳۷۰/۰۵/۰۳"
ERR_DATE_IMPOSSIBLE = "چنین تاریخی در تقویم شمسی وجود ندارد. لطفاً تاریخ درست را بنویسید."
ERR_DATE_GREGORIAN = (
    "به نظر می‌رسد تاریخ میلادی نوشته‌اید. لطفاً تاریخ را شمسی بنویسید. نمونه: ۱۳۷۰/۰۵/۰۳"
)
ERR_DATE_RANGE = "تاریخ تولد باید بین سال {earliest} و امروز باشد."
ERR_DATE_RANGE_GENERIC = "تاریخ باید بین سال {earliest} و امروز باشد."
ERR_MOBILE = "شماره همراه باید ۱۱ رقم و با ۰۹ شروع شود. نمونه: ۰۹۱۲۳۴۵۶۷۸۹"
ERR_YEAR = "سال را به صورت چهار رقمی شمسی بنویسید، بین {earliest} و {latest}. نمونه: ۱۳۸۵"
ERR_CERTIFICATE_NUMBER = (
    "شماره گواهینامه فقط می‌تواند رقم، حرف و خط تیره داشته باشد (حداکثر ۳۰ نویسه)."
)
ERR_LETTER_NUMBER = "شمارهٔ نامه باید دست‌کم یک رقم داشته باشد. نمونه: ۱۲۳۴/ص/۱۴۰۵"
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
ERR_PDF_ENCRYPTED = "این فایل PDF رمزدار یا قفل‌شده است. لطفاً نسخهٔ بدون رمز یا عکس نامه را بفرستید."
ERR_PDF_TOO_MANY_PAGES = "این فایل PDF بیش از {limit} صفحه دارد. لطفاً فقط صفحه‌های نامه را بفرستید."
ERR_PDF_PAGE_TOO_LARGE = (
    "صفحه‌های این PDF بیش از اندازهٔ معمول بزرگ است. لطفاً نامه را در اندازهٔ A4 یا عکس آن را بفرستید."
)
# At «confirm»: a PDF accepted earlier that would not redraw for staff; the request is not filed.
ERR_FILE_NOT_READY = (
    "⚠️ فایل «{label}» باز نشد و درخواست هنوز ثبت نشده است. "
    "لطفاً آن را دوباره بفرستید: فایل PDF درست یا عکس نامه."
)

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

# --- The summary, filing and cancelling -----------------------------------------------------

SUMMARY_TITLE = "لطفاً اطلاعات زیر را بررسی کنید:"
SUMMARY_FOOTER = (
    "اگر همه درست است «تایید و ثبت درخواست» را بزنید؛ برای اصلاح هر مورد، دکمهٔ همان مورد را بزنید."
)
VALUE_FILE_RECEIVED = "دریافت شد ✅"
BUTTON_SUBMIT = "✅ تایید و ثبت درخواست"
BUTTON_EDIT = "✏️ {label}"
EDIT_PROMPT_PREFIX = "اصلاح «{label}»:"
SUBMITTED = (
    "✅ درخواست شما ثبت شد.\n"
    "کد رهگیری: {code}\n\n"
    "این کد را نگه دارید. با /status یا دکمهٔ «پیگیری درخواست‌های من» وضعیت را ببینید. "
    "هر تغییری در درخواست را هم از همین‌جا به شما خبر می‌دهیم."
)
ALREADY_SUBMITTED = "این درخواست پیش‌تر ثبت شده است. کد رهگیری: {code}"
DRAFT_GONE = "این درخواست دیگر در جریان نیست. برای شروع دوباره از منو استفاده کنید."

CANCEL_CONFIRM = "آیا می‌خواهید از این درخواست منصرف شوید؟ اطلاعاتی که تا کنون داده‌اید پاک می‌شود."
BUTTON_CANCEL_YES = "بله، منصرف شدم"
BUTTON_CANCEL_NO = "نه، ادامه می‌دهم"
CANCELLED = "درخواست لغو شد و اطلاعات آن پاک شد. هر وقت خواستید می‌توانید دوباره شروع کنید."
CANCEL_ABORTED = "ادامه می‌دهیم."
NOTHING_TO_CANCEL = "درخواستی در حال تکمیل ندارید."
DRAFT_EXPIRED = (
    "درخواست نیمه‌تمام شما چون {days} روز بدون تغییر ماند حذف شد. هر وقت خواستید می‌توانید "
    "دوباره شروع کنید."
)

# --- Following requests (/status) -----------------------------------------------------------

STATUS_NONE = "هنوز درخواستی ثبت نکرده‌اید."
STATUS_LIST_TITLE = "درخواست‌های شما:"
STATUS_LINE = "• {code} — {kind} — {date} — وضعیت: {status}"
STATUS_DETAIL = (
    "درخواست {kind}\nکد رهگیری: {code}\nتاریخ ثبت: {date}\nوضعیت: {status}\nآخرین تغییر: {updated}"
)
STATUS_NOT_FOUND = "درخواستی با این کد رهگیری برای شما پیدا نشد. کد را دوباره بررسی کنید."
STATUS_LIST_HINT = "برای دیدن جزئیات یک درخواست، /status و پس از آن کد رهگیری را بفرستید."
ERR_TRACKING_CODE = (
    "این کد رهگیری درست نیست؛ احتمالاً نویسه‌ای از آن اشتباه نوشته شده است. "
    "کد رهگیری ۹ نویسه (حرف انگلیسی و رقم) دارد، مانند {example}. لطفاً دوباره بنویسید."
)

BUTTON_WITHDRAW = "انصراف از این درخواست"
BUTTON_WITHDRAW_YES = "بله، درخواست بسته شود"
WITHDRAW_CONFIRM = (
    "آیا می‌خواهید درخواست {code} بسته شود؟ پس از بستن، رسیدگی به آن ادامه نمی‌یابد و برای "
    "ادامه باید درخواست تازه‌ای ثبت کنید."
)

# --- News of a request, and answering the expert's question ---------------------------------

NOTIFY = {
    "received": SUBMITTED,
    "in_review": "درخواست {code} شما در حال بررسی است.",
    "question": (
        "کارشناس دربارهٔ درخواست {code} از شما پرسیده است:\n«{text}»\n\n"
        "پاسخ را در پیام بعدی خود بنویسید یا مدرک خواسته‌شده (عکس یا PDF) را بفرستید؛ اگر در "
        "میانهٔ درخواست دیگری هستید، روی همین پیام «پاسخ» بزنید."
    ),
    "rejected": "متأسفانه درخواست {code} شما رد شد.\nدلیل: {text}",
    "not_authentic": (
        "پاسخ استعلام {code}: گواهینامهٔ مورد استعلام در سوابق یافت نشد و فاقد اصالت است. "
        "نامهٔ پاسخ پیوست است."
    ),
    "not_accepted": (
        "درخواست {code} شما پذیرفته نشد. برای پیگیری با مدارک اصلی به اداره کل آموزش فنی و "
        "حرفه‌ای استان مراجعه کنید."
    ),
    "approved": (
        "✅ درخواست {code} شما تایید شد. برگ تاییدیه پس از صدور از همین‌جا برایتان فرستاده می‌شود."
    ),
    "withdrawn": "درخواست {code} به خواست شما بسته شد.",
    "revoked": "برگ تاییدیهٔ درخواست {code} باطل شد.\nدلیل: {text}",
}

ANSWER_TOO_LATE = (
    "این پرسش پیش‌تر پاسخ داده شده یا بسته شده است. برای کارهای دیگر از منو استفاده کنید."
)
EXPECT_ANSWER = "پاسخ کارشناس را به صورت متن بنویسید یا مدرک خواسته‌شده را (عکس یا PDF) بفرستید."
ANSWER_RECEIVED = "✅ پاسخ شما برای درخواست {code} ثبت شد و به کارشناس رسید."

# --- Confirmations and verification in chat -------------------------------------------------

# The caption also goes with the office's copies in the staff and security groups.
CONFIRMATION_CAPTION = (
    "برگ تاییدیه، شمارهٔ {serial} — درخواست {code}\n"
    "اصالت این برگ با اسکن کد QR روی آن قابل استعلام است."
)

VERDICT_TITLES = {
    "genuine": "✅ این برگ تاییدیه معتبر و از سوی سازمان آموزش فنی و حرفه‌ای صادر شده است.",
    "revoked": "⛔ این برگ تاییدیه باطل شده است.",
    "superseded": "⚠️ این برگ تاییدیه با برگ جدیدتری جایگزین شده است.",
    "invalid_signature": "❌ امضای این برگ معتبر نیست؛ ممکن است جعلی یا دست‌کاری‌شده باشد.",
    "unknown": "❓ این برگ در سامانه یافت نشد.",
}
VERDICT_LINE = "{label}: {value}"
VERDICT_LABELS = {
    "holder": "دارنده",
    "trade": "حرفه",
    "certificate_number": "شمارهٔ گواهینامه",
    "serial": "شمارهٔ برگ تاییدیه",
    "issued_on": "تاریخ صدور",
    "office": "صادرکننده",
    "revoked_at": "تاریخ ابطال",
    "revoke_reason": "دلیل ابطال",
    "superseded_by": "برگ جایگزین",
}
VERIFY_NO_QR = (
    "کد QR در این تصویر یا فایل پیدا نشد. لطفاً عکسی واضح و روبه‌رو از کد QR روی برگ تاییدیه "
    "بفرستید."
)
VERIFY_NOT_OURS = "این کد QR مربوط به برگ‌های تاییدیهٔ این سامانه نیست."


# ============================================================================================
# 3. THE STAFF GROUP: what reviewers, signers and admins read in the staff group (and the
# security unit in its group): announcements, the card, workflow buttons and prompts, the
# digest, statistics and staff management (bot.delivery, handlers.staff, rendering.chat).
# ============================================================================================

# --- The request card -----------------------------------------------------------------------

CARD_TITLE = "📋 درخواست {kind}"
CARD_CODE = "کد رهگیری: {code}"
CARD_STATUS = "وضعیت: {status}"
CARD_FILED_AT = "زمان ثبت: {date}"
CARD_CLASSIFICATION = "دسته‌بندی: {label}"
CARD_DUE = "مهلت انجام: {date}"
CARD_OVERDUE = "⚠️ از مهلت گذشته است"
CARD_HISTORY_TITLE = "آخرین اقدام‌ها:"
CARD_HISTORY_LINE = "• {date} — {actor}: {action}"
CARD_HISTORY_REASON = "  «{reason}»"
CARD_APPLICANT = "متقاضی"
CARD_SUPERSEDED = (
    "این نسخهٔ تکراری کارت درخواست {code} است و از کار افتاده؛ "
    "لطفاً روی کارت دیگر همین درخواست اقدام کنید."
)

CLASSIFICATION_LABELS = {
    "old_books": "فرمت قدیم — دفاتر ثبت",
    "old_centre": "فرمت قدیم — بایگانی مرکز آموزشی",
    "mechanized": "مکانیزه",
}
ACT_LABELS = {
    "review": "شروع بررسی",
    "classify_old_books": "دسته‌بندی: فرمت قدیم، دفاتر ثبت",
    "classify_old_centre": "دسته‌بندی: فرمت قدیم، بایگانی مرکز",
    "classify_mechanized": "دسته‌بندی: مکانیزه",
    "ask": "پرسش از متقاضی",
    "ask_centre": "نامه به مرکز آموزشی",
    "sign_centre_letter": "امضای نامه به مرکز آموزشی",
    "sign_not_authentic": "امضای نامهٔ فاقد اصالت",
    "return_letter": "بازگرداندن پیش‌نویس نامه",
    "centre_found": "پاسخ مرکز: سابقه یافت شد",
    "centre_not_found": "پاسخ مرکز: سابقه یافت نشد",
    "answer": "پاسخ متقاضی",
    "recommend": "پیشنهاد تایید",
    "approve": "تایید و امضا",
    "reject": "رد",
    "forge": "گزارش جعل",
    "withdraw": "انصراف متقاضی",
    "revoke": "ابطال تاییدیه",
}

# --- Registry lines on the card -------------------------------------------------------------

# The staff card's comparison of a request with the registry's record (domain.registry):
# one line per field, labelled here, with the outcome of the comparison.
REGISTRY_FIELD_LABELS = {
    "full_name": "نام و نام خانوادگی",
    "father_name": "نام پدر",
    "national_code": "کد ملی",
    "trade": "حرفه",
    "certificate_number": "شمارهٔ گواهینامه",
    "year": "سال آزمون",
    "centre": "مرکز آموزشی",
}
REGISTRY_OUTCOMES = {"match": "✅ مطابق", "differs": "❌ مغایر", "missing": "➖ نامعلوم"}
REGISTRY_COMPARISON_LINE = "{label}: {outcome} (درخواست: {given} | سوابق: {registry})"
REGISTRY_NO_VALUE = "—"
# How the records were found (storage.registry.MatchRule), strictest first.
REGISTRY_RULES = {
    "certificate_and_national_code": "در سوابق با شمارهٔ گواهینامه و کد ملی پیدا شد.",
    "national_code": "در سوابق با کد ملی پیدا شد.",
    "name_father_trade": (
        "در سوابق با نام، نام پدر و حرفه پیدا شد (بدون کد ملی؛ با دقت بیشتری بررسی شود)."
    ),
}
REGISTRY_NOT_FOUND = "در سوابق ثبت‌شده (دفاتر ثبت و فایل‌های واردشده) پیدا نشد."
REGISTRY_SUGGESTED = "دسته‌بندی پیشنهادی از روی سوابق: {label}"
REGISTRY_SOURCE = "منبع سابقه: {source}"

# --- Files and answers posted under the card ------------------------------------------------

CARD_ATTACHMENT_CAPTION = "{label} — {code}"
ANSWER_POSTED = "💬 پاسخ متقاضی برای درخواست {code}:\n{text}"
ANSWER_POSTED_FILE = "📎 مدرک فرستاده‌شده از سوی متقاضی برای درخواست {code}"
CENTRE_LETTER_CAPTION = "نامهٔ استعلام سوابق به {centre} — درخواست {code}"
CENTRE_ANSWER_CAPTION = "پاسخ مرکز آموزشی — درخواست {code}"
NOT_AUTHENTIC_CAPTION = "پاسخ استعلام گواهینامه — درخواست {code}"

# --- Workflow buttons and replies -----------------------------------------------------------

ACT_BUTTONS = {
    "review": "🔍 شروع بررسی",
    "classify_old_books": "📚 قدیم: دفاتر ثبت",
    "classify_old_centre": "🏫 قدیم: بایگانی مرکز",
    "classify_mechanized": "💻 مکانیزه",
    "ask": "❓ پرسش از متقاضی",
    "ask_centre": "🏫 نامه به مرکز آموزشی",
    "sign_centre_letter": "✍️ امضای نامه به مرکز",
    "sign_not_authentic": "✍️ امضای نامهٔ فاقد اصالت",
    "return_letter": "↩️ بازگرداندن پیش‌نویس",
    "centre_found": "📗 پاسخ مرکز: سابقه یافت شد",
    "centre_not_found": "📕 پاسخ مرکز: سابقه یافت نشد",
    "recommend": "👍 پیشنهاد تایید",
    "approve": "✍️ تایید و امضا",
    "reject": "⛔ رد درخواست",
    "forge": "🚨 گزارش جعل به حراست",
    "revoke": "🗑 ابطال تاییدیه",
}

STAFF_DENIED = "شما مجاز به این کار نیستید."
GROUP_ONLY_STAFF = "این گروه ویژهٔ کارکنان است."
STAFF_DONE = "انجام شد."
STAFF_ALREADY = "این درخواست پیش‌تر رسیدگی شده است ({status})."
STAFF_ALREADY_BY = "این درخواست پیش‌تر رسیدگی شده است: {action} توسط {actor} در {date}."
STAFF_NOT_FOUND = "این درخواست پیدا نشد."
STAFF_FOUR_EYES = "تایید نهایی باید توسط کسی جز پیشنهاددهندهٔ تایید انجام شود."
STAFF_ACT_DONE = "«{action}» برای درخواست {code} ثبت شد."
# A reviewer's letter, drafted: it goes out once a signer signs it from the card.
STAFF_LETTER_DRAFTED = {
    "centre_letter_drafted": (
        "پیش‌نویس نامه به مرکز آموزشی برای درخواست {code} ثبت شد. نامه پس از امضای امضاکننده "
        "(دکمهٔ «امضای نامه به مرکز» روی کارت) فرستاده می‌شود."
    ),
    "not_authentic_drafted": (
        "پیش‌نویس نامهٔ «فاقد اصالت» برای درخواست {code} ثبت شد. نامه و گزارش جعل پس از امضای "
        "امضاکننده (دکمهٔ «امضای نامهٔ فاقد اصالت» روی کارت) فرستاده می‌شوند."
    ),
}
# A signer whose official name or title is not recorded presses a signing button (an alert:
# at most 200 characters). {missing}: STAFF_OFFICIAL_PARTS joined by STAFF_OFFICIAL_AND;
# {how}: the commands of STAFF_OFFICIAL_HOW that record them, joined by STAFF_OFFICIAL_AND.
STAFF_UNOFFICIAL = (
    "امضا انجام نشد: {missing} شما ثبت نشده است (زیر امضا چاپ می‌شود). یکی از مدیران آن را "
    "ثبت می‌کند: {how}"
)
STAFF_OFFICIAL_PARTS = {"name": "نام رسمی", "title": "عنوان سمت"}
STAFF_OFFICIAL_AND = " و "
STAFF_OFFICIAL_HOW = {
    "name": "/staff name {user_id} نام",
    "title": "/staff title {user_id} عنوان",
}

# --- Workflow prompts (a reason, a question, a centre's answer) -----------------------------

STAFF_PROMPTS = {
    "ask": "پرسش از متقاضی درخواست {code} را بنویسید.",
    "ask_centre": (
        "نام مرکز آموزشی‌ای که سوابق آزمون درخواست {code} در بایگانی آن است را بنویسید. "
        "پیش‌نویس نامهٔ استعلام آماده می‌شود و پس از امضای امضاکننده همین‌جا فرستاده می‌شود."
    ),
    "return_letter": (
        "دلیل بازگرداندن پیش‌نویس نامهٔ درخواست {code} را بنویسید. نامه فرستاده نمی‌شود و "
        "درخواست به «در حال بررسی» بازمی‌گردد."
    ),
    "centre_found": (
        "عکس یا PDF پاسخ مرکز آموزشی (سابقه یافت شد) برای درخواست {code} را بفرستید."
    ),
    "centre_not_found": (
        "عکس یا PDF پاسخ مرکز آموزشی (سابقه یافت نشد) برای درخواست {code} را بفرستید."
    ),
    "reject": "دلیل رد درخواست {code} را بنویسید. این دلیل برای متقاضی فرستاده می‌شود.",
    "revoke": (
        "دلیل ابطال برگ تاییدیهٔ درخواست {code} را بنویسید. این دلیل در صفحهٔ استعلام نمایش "
        "داده می‌شود."
    ),
    "forge": (
        "توضیح گزارش جعل درخواست {code} را بنویسید. گزارش با مدارک برای حراست فرستاده می‌شود "
        "(در استعلام، همراه نامهٔ «فاقد اصالت» و پس از امضای امضاکننده)."
    ),
}
# Below every prompt: who is asked, and how to answer (a plain message is enough: Bale shows
# no force-reply box) or cancel.
STAFF_PROMPT_HOW = (
    "👤 {name}: آن را ظرف {minutes} دقیقه در پیام بعدی خود در همین گروه بفرستید (یا روی همین "
    "پیام «پاسخ» بزنید). برای انصراف، /cancel را بفرستید."
)
STAFF_PROMPT_SENT = "پاسخ را در پیام بعدی خود در گروه بفرستید."
STAFF_PROMPT_NEEDS_FILE = "لطفاً عکس یا PDF پاسخ را بفرستید (برای انصراف، /cancel را بفرستید)."
STAFF_PROMPT_EMPTY = (
    "پیام شما متنی نداشت. لطفاً متن را دوباره بفرستید (برای انصراف، /cancel را بفرستید)."
)
STAFF_PROMPT_CANCELLED = "ربات دیگر منتظر پاسخ شما دربارهٔ درخواست {codes} نیست؛ چیزی ثبت نشد."
STAFF_PROMPT_EXPIRED = (
    "مهلت {minutes} دقیقه‌ای پاسخ دربارهٔ درخواست {code} گذشته است و این پیام ثبت نشد. برای "
    "ثبت، دکمهٔ کارت درخواست را دوباره بزنید."
)
STAFF_NO_OPEN_PROMPT = "ربات منتظر پاسخی از شما نیست."

# --- The security unit's group --------------------------------------------------------------

SECURITY_REPORT = (
    "🚨 گزارش جعل گواهینامه\n"
    "کد رهگیری: {code}\n"
    "نوع درخواست: {kind}\n"
    "نام: {name}\n"
    "کد ملی: {national_code}\n"
    "گزارش‌دهنده: {actor}\n"
    "توضیح: {note}"
)

# --- The daily digest of deadlines ----------------------------------------------------------

DIGEST_TITLE = "📋 گزارش روزانهٔ مهلت‌ها"
DIGEST_OVERDUE = "⚠️ گذشته از مهلت:"
DIGEST_SOON = "⏳ مهلت تا فردا:"
DIGEST_LINE = "• {code} — {kind} — {status} — مهلت: {due}"
DIGEST_NONE = "درخواست عقب‌افتاده یا نزدیک به مهلت نیست."

# --- Monthly statistics and the export ------------------------------------------------------

# Monthly statistics for the staff chat (domain.stats).
STATS_TITLE = "📊 {title}"
STATS_MONTH_TITLE = "{month} {year}"
STATS_PERIOD = "از {start} تا {end}"
STATS_CREATED = "درخواست‌های ثبت‌شده: {count}"
STATS_BY_KIND = "بر اساس نوع:"
STATS_BY_STATUS = "بر اساس وضعیت کنونی:"
STATS_BREAKDOWN_LINE = "• {label}: {count}"
STATS_DECIDED = "درخواست‌های رسیدگی‌شده: {count}"
STATS_MEDIAN = "میانهٔ زمان رسیدگی: {duration}"
STATS_P90 = "۹۰٪ درخواست‌ها در {duration} یا کمتر رسیدگی شدند"
STATS_ON_TIME = "رسیدگی در مهلت: {share} ({on_time} از {total})"
STATS_ON_TIME_UNKNOWN = "رسیدگی در مهلت: نامعلوم (مهلتی ثبت نشده است)"
STATS_UNIT_DAY = "روز"
STATS_UNIT_HOUR = "ساعت"
STATS_UNIT_MINUTE = "دقیقه"
STATS_AND = " و "
STATS_UNDER_A_MINUTE = "کمتر از یک دقیقه"

STATS_THIS_MONTH = "آمار ماه جاری ({month})"
STATS_LAST_MONTH = "آمار ماه گذشته ({month})"
EXPORT_CAPTION = "خروجی همهٔ درخواست‌ها ({count} مورد)"

# --- Staff management (/staff) --------------------------------------------------------------

STAFF_LIST_TITLE = "کارکنان و نقش‌ها:"
STAFF_LIST_LINE = "• {user_id}{name}: {roles}"
STAFF_LIST_NAME = " ({name})"  # the official name in a STAFF_LIST_LINE, when one is recorded
STAFF_LIST_TITLE_LINE = "   سمت: {title}"  # under a STAFF_LIST_LINE, when a title is recorded
# Under the line of a signer who cannot sign yet; {missing} as in STAFF_UNOFFICIAL.
STAFF_LIST_UNOFFICIAL = "   ⚠️ {missing} ثبت نشده است: نمی‌تواند تایید و امضا کند یا نامه امضا کند."
STAFF_LIST_EMPTY = "هنوز هیچ کارمندی تعریف نشده است."
STAFF_USAGE = (
    "دستورها:\n"
    "/staff — فهرست کارکنان\n"
    "/staff add شناسه نقش نام — افزودن نقش (نقش: reviewer، signer یا admin)؛ نوشتن نام رسمی "
    "اختیاری است\n"
    "/staff name شناسه نام — ثبت یا تغییر نام رسمی، که روی برگ تاییدیه و نامه‌ها چاپ می‌شود\n"
    "/staff title شناسه عنوان — ثبت یا تغییر عنوان سمت (مانند «مدیرکل …»)، که زیر نام رسمی "
    "چاپ می‌شود؛ امضاکننده بی نام رسمی و عنوان سمت نمی‌تواند امضا کند\n"
    "/staff remove شناسه — حذف همهٔ نقش‌ها"
)
STAFF_BAD_ID = (
    "شناسه باید شناسهٔ عددی حساب کاربر باشد، نه نام یا نام کاربری. "
    "نمونه: /staff add 123456789 signer علی رضایی"
)
STAFF_ROLE_MISSING = (
    "نقش را پس از شناسه بنویسید: reviewer (کارشناس)، signer (امضاکننده) یا admin (مدیر). "
    "نمونه: /staff add 123456789 signer علی رضایی"
)
STAFF_ROLE_UNKNOWN = (
    "نقش «{role}» شناخته نشد. نقش‌ها: reviewer (کارشناس)، signer (امضاکننده) یا admin (مدیر)."
)
STAFF_NAME_MISSING = "نام رسمی را پس از شناسه بنویسید. نمونه: /staff name 123456789 علی رضایی"
STAFF_NAME_INVALID = "نام رسمی پذیرفته نشد: {reason}"
STAFF_TITLE_MISSING = (
    "عنوان سمت را پس از شناسه بنویسید. "
    "نمونه: /staff title 123456789 مدیرکل آموزش فنی و حرفه‌ای استان خوزستان"
)
STAFF_TITLE_CHARS = (
    "عنوان سمت پذیرفته نشد: باید با حروف فارسی نوشته شود (رقم و «، - ( ) /» هم پذیرفته است). "
    "نمونه: /staff title 123456789 مدیرکل آموزش فنی و حرفه‌ای استان خوزستان"
)
STAFF_TITLE_TOO_LONG = "عنوان سمت پذیرفته نشد: بیش از {limit} حرف است. لطفاً کوتاه‌تر بنویسید."
STAFF_TITLE_SHORT = (
    "عنوان سمت پذیرفته نشد: بسیار کوتاه است. آن را کامل بنویسید، همان‌گونه که زیر امضا چاپ می‌شود."
)
STAFF_ADDED = "نقش {role} به {user_id} داده شد."
STAFF_ALREADY_HAD = "{user_id} این نقش را از پیش داشت."
STAFF_NAME_SET = (
    "نام رسمی {user_id} «{name}» ثبت شد و از این پس روی برگ‌های تاییدیه و نامه‌هایی که او "
    "امضا می‌کند چاپ می‌شود."
)
STAFF_TITLE_SET = (
    "عنوان سمت {user_id} «{title}» ثبت شد و از این پس زیر نام او روی برگ‌های تاییدیه و "
    "نامه‌هایی که امضا می‌کند چاپ می‌شود."
)
STAFF_NAME_NOT_MEMBER = "{user_id} نقشی ندارد. نخست با /staff add نقشی به او بدهید."
STAFF_REMOVED = "نقش‌های {user_id} برداشته شد."
STAFF_NOT_MEMBER = "{user_id} نقشی نداشت."
ROLE_LABELS = {"reviewer": "کارشناس", "signer": "امضاکننده", "admin": "مدیر"}


# ============================================================================================
# 4. DOCUMENTS: what the holder, an organisation or a training centre reads on the office's
# PDFs: confirmations (rendering.confirmation) and letters (rendering.letters).
# ============================================================================================

# --- Both: the letterhead and the foot (rendering.letterhead) -------------------------------

DOC_BASMALA = "بسمه تعالی"
# The parent body above the organisation (the service card's «نام دستگاه مادر»): the default
# of a document's parent_body.
DEFAULT_PARENT_BODY = "وزارت تعاون، کار و رفاه اجتماعی"
# The footer: the office's address, postcode and phone, each only when given.
DOC_FOOTER_ADDRESS = "نشانی: {address}"
DOC_FOOTER_POSTCODE = "کد پستی: {postcode}"
DOC_FOOTER_PHONE = "تلفن: {phone}"
DOC_FOOTER_SEPARATOR = " | "
# «رونوشت» at the foot: the label, then each copy («- …» when there are several).
DOC_COPIES_LABEL = "رونوشت:"
DOC_COPY_ITEM = "- {item}"
# The copy every inquiry answer gets (the seeds: «ارسال پاسخ استعلام به واحد حراست اداره کل»).
DOC_COPY_SECURITY = "واحد حراست اداره کل جهت استحضار"
# Values that stand for "not known": a row holding one is left out of a document.
DOC_PLACEHOLDER_VALUES = (VALUE_NOT_KNOWN, BUTTON_DONT_KNOW, "نامعلوم", "-", "—", "؟", "?")

# --- Confirmations --------------------------------------------------------------------------

# Confirmation documents (rendering.confirmation). Values are inserted by the renderer, which
# converts digits to Persian itself.
DOC_TITLE_DUPLICATE = "برگ تاییدیه ارزش گواهینامه (المثنی)"
DOC_TITLE_AUTHENTICITY = "برگ تایید اصالت گواهینامه"
DOC_LABEL_SERIAL = "شماره:"
DOC_LABEL_ISSUE_DATE = "تاریخ:"
DOC_LABEL_TRACKING_CODE = "کد رهگیری:"
DOC_LABEL_FULL_NAME = "نام و نام خانوادگی"
DOC_LABEL_FATHER_NAME = "نام پدر"
DOC_LABEL_NATIONAL_CODE = "کد ملی"
DOC_LABEL_BIRTH_DATE = "تاریخ تولد"
DOC_LABEL_TRADE = "عنوان حرفه (استاندارد)"
DOC_LABEL_CERTIFICATE_NUMBER = "شماره گواهینامه"
DOC_LABEL_CERTIFICATE_YEAR = "سال صدور گواهینامه"
DOC_LABEL_TRAINING_CENTRE = "محل آموزش / آزمون"
DOC_PHOTO_PLACEHOLDER = "محل الصاق عکس"
DOC_BODY_DUPLICATE = (
    "بدین‌وسیله گواهی می‌شود گواهینامه مهارت نامبرده با مشخصات بالا در سوابق این حوزه "
    "ثبت شده و معتبر است. این برگ بنا به درخواست دارنده، به‌جای اصل گواهینامه (المثنی) "
    "صادر گردیده و ارزش آن را تایید می‌کند."
)
# A duplicate resting on a court letter: {court_letter} is DOC_COURT_LETTER's parts, as far as
# they are known, joined by spaces («نامهٔ شمارهٔ … مورخ … شعبهٔ … شورای حل اختلاف …»).
DOC_BODY_DUPLICATE_COURT = (
    "بدین‌وسیله گواهی می‌شود گواهینامه مهارت نامبرده با مشخصات بالا در سوابق این حوزه "
    "ثبت شده و معتبر است. این برگ بنا به درخواست دارنده و {court_letter} مبنی بر فقدان اصل "
    "گواهینامه، به‌جای آن (المثنی) صادر گردیده و ارزش آن را تایید می‌کند."
)
DOC_COURT_LETTER = "نامهٔ"
DOC_COURT_LETTER_NUMBER = "شمارهٔ {number}"
DOC_COURT_LETTER_DATE = "مورخ {date}"
DOC_COURT_UNNAMED = "مرجع قضایی"  # when the court's name is not given
# «عطف به»: an answer to the organisation's own letter («پیرو» would follow up one's own).
DOC_BODY_AUTHENTICITY = (
    "عطف به نامهٔ شمارهٔ {letter_number} مورخ {letter_date} {organisation} در خصوص استعلام "
    "اصالت گواهینامه مهارت نامبرده با مشخصات بالا، به آگاهی می‌رساند:"
)
AUTHENTICITY_VERDICT = "اصالت گواهینامهٔ مهارت با مشخصات فوق تایید می‌شود."
DOC_NOTE_TAMPERING = "هرگونه خدشه، قلم‌خوردگی یا تغییر در این برگ موجب ابطال آن است."
DOC_QR_CAPTION = "برای استعلام اصالت، کد را اسکن کنید"
DOC_SIGNATURE_DATE = "تاریخ امضا: {date}"
# Above the box left clear for the seal and the signature (confirmations and letters).
DOC_SIGNATURE_STAMP = "محل مهر و امضا"

# --- Letters --------------------------------------------------------------------------------

# Official letters (rendering.letters). "{…}" placeholders are filled with ready-to-show values.
LETTER_BASMALA = DOC_BASMALA
LETTER_LABEL_NUMBER = "شماره:"
LETTER_LABEL_DATE = "تاریخ:"
LETTER_LABEL_ATTACHMENT = "پیوست:"
LETTER_NO_ATTACHMENT = "ندارد"
LETTER_TO = "به: {recipient}"
LETTER_SUBJECT = "موضوع: {subject}"
LETTER_SUBJECT_CENTRE = "استعلام سوابق آزمون"
LETTER_SUBJECT_NOT_AUTHENTIC = "پاسخ استعلام اصالت گواهینامهٔ مهارت"
LETTER_SALUTATION = "با سلام و احترام"
LETTER_BODY_CENTRE_INQUIRY = (
    "احتراماً، در راستای رسیدگی به درخواست واصله در خصوص گواهینامهٔ مهارت فرد با مشخصات زیر، "
    "خواهشمند است دستور فرمایید سوابق آزمون نامبرده در بایگانی آن مرکز بررسی و نتیجه حداکثر ظرف "
    "مدت یک هفته از تاریخ این نامه، با ذکر کد رهگیری {tracking_code}، به این اداره کل اعلام گردد."
)
LETTER_REFERENCE_NUMBER_DATE = "نامهٔ شمارهٔ {number} مورخ {date}"
LETTER_REFERENCE_NUMBER = "نامهٔ شمارهٔ {number}"
LETTER_REFERENCE_DATE = "نامهٔ مورخ {date}"
LETTER_REFERENCE_NONE = "نامهٔ آن سازمان"
LETTER_BODY_NOT_AUTHENTIC = (
    "احتراماً، عطف به {reference} در خصوص استعلام اصالت گواهینامه، به استحضار می‌رساند "
    "گواهینامهٔ مهارت با مشخصات زیر در سوابق این اداره کل یافت نشد و فاقد اصالت است."
)
LETTER_NOT_AUTHENTIC_SECURITY = (
    "مراتب جهت اطلاع و اقدام لازم به واحد حراست این اداره کل نیز اعلام گردید."
)
LETTER_LABEL_TRACKING_CODE = "کد رهگیری"
LETTER_CLOSING = "با تشکر"
LETTER_QR_CAPTION = "استعلام اصالت این نامه"


# ============================================================================================
# 5. THE VERIFY WEB PAGE: what anyone who scans a confirmation's QR code reads in the
# browser (rendering.verify_page, bot.web).
# ============================================================================================

# --- The page and its verdict ---------------------------------------------------------------

# The public verification page (rendering.verify_page, bot.web).
WEB_PAGE_TITLE = "استعلام اصالت برگ تاییدیه"
WEB_HEADER = "سامانهٔ استعلام اصالت برگ تاییدیه"
WEB_VERDICT_TITLES = {
    "genuine": "این برگ تاییدیه معتبر است",
    "revoked": "این برگ تاییدیه باطل شده است",
    "superseded": "این برگ تاییدیه جایگزین شده است",
    "invalid_signature": "امضای این برگ معتبر نیست",
    "unknown": "این برگ در سامانه یافت نشد",
}
WEB_VERDICT_DETAILS = {
    "genuine": "این برگ را سازمان آموزش فنی و حرفه‌ای صادر کرده و هم‌اکنون معتبر است.",
    "revoked": "این برگ از سوی صادرکننده باطل شده و دیگر اعتباری ندارد.",
    "superseded": (
        "برای همین گواهینامه برگ جدیدتری صادر شده و این برگ دیگر اعتباری ندارد. "
        "شمارهٔ برگ جدید: {serial}"
    ),
    "invalid_signature": (
        "این کد را سازمان امضا نکرده یا پس از صدور تغییر کرده است. ممکن است برگ جعلی یا "
        "دست‌کاری‌شده باشد؛ به آن اعتماد نکنید."
    ),
    "unknown": (
        "امضای کد درست است، اما این برگ در سوابق سامانه پیدا نشد. برای استعلام با صادرکننده "
        "تماس بگیرید."
    ),
}
# A genuine signature by a key the office has since withdrawn (after a compromise, say).
WEB_KEY_WITHDRAWN_DETAIL = (
    "کلید امضای این برگ از اعتبار خارج شده است. برای استعلام با صادرکننده تماس بگیرید."
)
WEB_REVOKED_ON = "تاریخ ابطال: {date}"
WEB_REVOKE_REASON = "دلیل ابطال: {reason}"
WEB_LABELS = {
    "holder": "دارنده",
    "trade": "حرفه",
    "certificate_number": "شمارهٔ گواهینامه",
    "serial": "شمارهٔ برگ تاییدیه",
    "issued_on": "تاریخ صدور",
    "office": "صادرکننده",
}
WEB_PRIVACY_NOTE = "برای حفظ حریم خصوصی، نام دارنده تنها با حرف نخست هر بخش نمایش داده می‌شود."

# --- Checking the holder's national code ----------------------------------------------------

WEB_CHECK_TITLE = "تطبیق کد ملی دارنده"
WEB_CHECK_HELP = (
    "کد ملی دارنده را وارد کنید تا بدانید این برگ به نام اوست. کد ملی نه ذخیره می‌شود و نه "
    "جایی نمایش داده می‌شود."
)
WEB_CHECK_LABEL = "کد ملی"
WEB_CHECK_PLACEHOLDER = "۱۰ رقم"
WEB_CHECK_BUTTON = "بررسی"
WEB_CHECK_RESULT = "نتیجهٔ تطبیق کد ملی: {answer}"
WEB_CHECK_MATCHES = "مطابقت دارد"
WEB_CHECK_NO_MATCH = "مطابقت ندارد"

# --- Footer and error pages -----------------------------------------------------------------

# A forged paper can carry a QR code that leads to a look-alike site.
WEB_FOOTER = "پیش از اعتماد به نتیجه، مطمئن شوید نشانی این صفحه نشانی رسمی سازمان است."
WEB_ERROR_TITLE = "خطا"
WEB_NOT_FOUND = "صفحه‌ای با این نشانی پیدا نشد. برای استعلام، کد QR روی برگ تاییدیه را اسکن کنید."
WEB_BAD_REQUEST = "این درخواست پذیرفته نشد. لطفاً کد QR روی برگ تاییدیه را دوباره اسکن کنید."
WEB_UNAVAILABLE = "سامانهٔ استعلام موقتاً در دسترس نیست. لطفاً چند دقیقهٔ دیگر دوباره تلاش کنید."
WEB_RATE_LIMITED = (
    "تعداد درخواست‌های شما از حد مجاز گذشته است. لطفاً {seconds} ثانیهٔ دیگر دوباره تلاش کنید."
)


# ============================================================================================
# 6. OPERATORS: what the people who install and run the bot read: group and account ids
# for the settings (/chatid), and the command line's registry import report.
# ============================================================================================

# --- Setting the bot up: group and account ids (/chatid, a group not in the settings) -------

# A group asks for its id (/chatid), or the bot is in a group that is not in its settings and
# leaves it. The setting lines stay in Latin letters so they can be copied as they are.
GROUP_ID_STAFF = "این گروه، گروه کارکنان این ربات است:\nADMIN_CHAT_ID={chat_id}"
GROUP_ID_SECURITY = "این گروه، گروه حراست این ربات است:\nSECURITY_CHAT_ID={chat_id}"
FOREIGN_GROUP = (
    "این گروه در تنظیمات ربات نیست و ربات آن را ترک می‌کند.\n"
    "اگر این گروه کارکنان است، این سطر را در تنظیمات ربات بگذارید:\n"
    "ADMIN_CHAT_ID={chat_id}\n"
    "و اگر گروه حراست است، این سطر را:\n"
    "SECURITY_CHAT_ID={chat_id}\n"
    "سپس ربات را از نو راه‌اندازی کنید و دوباره به این گروه اضافه کنید."
)
ACCOUNT_ID = "شناسهٔ حساب شما:\n{user_id}\nاگر از کارکنان هستید، آن را به مدیر ربات بدهید."

# --- The registry import report (bot.registry_cli) ------------------------------------------

# The import report of `registry import` (bot.registry_cli), for the staff member running it:
# every column of the file is read, not read, or listed with what was lost of it.
REGISTRY_IMPORT_COLUMNS_READ = "ستون‌های خوانده‌شده: {columns}"
REGISTRY_IMPORT_COLUMN_READ = "{field} ← «{column}»"
REGISTRY_IMPORT_COLUMNS_IGNORED = "ستون‌های خوانده‌نشده: {columns}"
REGISTRY_IMPORT_COLUMN_IGNORED = "«{column}»"
REGISTRY_IMPORT_COLUMN_IGNORED_WHY = "«{column}» ({why})"
REGISTRY_IMPORT_LIST_SEPARATOR = "، "
# Why a column was not read (registry_files.ImportReport.ignored; "" needs no word).
REGISTRY_IMPORT_IGNORED_WHY = {
    "alternative": "ستون دیگری همین مورد را داشت",
    "calculated": "ستون محاسبه‌شده",
    "complex": "ستون چندمقداری یا پیوست",
    "binary": "ستون دودویی",
    "unsupported": "نوع ناشناخته",
}
REGISTRY_IMPORT_COLUMN_LOST = "⚠️ ستون «{column}» ({field}): {what}"
# What was lost of a column (registry_files.ColumnLoss.kind).
REGISTRY_IMPORT_LOSSES = {
    "calculated": (
        "ستون محاسبه‌شده است (Access آن را از ستون‌های دیگر می‌سازد) و خوانده نشد؛ "
        "این مورد خالی ماند. خودِ آن ستون‌ها را در فایل نگاشت بیاورید."
    ),
    "complex": (
        "ستون چندمقداری یا پیوست است و خوانده نشد؛ این مورد خالی ماند. "
        "در Access مقدارها را به یک ستون متنی ببرید."
    ),
    "binary": "ستون دودویی (OLE) است و خوانده نشد؛ این مورد خالی ماند.",
    "unsupported": "نوع این ستون را هیچ‌یک از دو خواننده نمی‌شناسد؛ این مورد خالی ماند.",
    "exam_date": "{count} مقدار تاریخ خوانا نبود و خالی ماند (نخستین: ردیف {row}، {reason}).",
    "format": "{count} مقدار فرمت ناشناخته بود و خالی ماند (نخستین: ردیف {row}، {reason}).",
    "unreadable": "{count} مقدار خوانده نشد و خالی ماند (نخستین: ردیف {row}، {reason}).",
    "garbled": (
        "{count} مقدار با کدپیج {charset} درهم به نظر می‌رسد و همان‌گونه ذخیره شد "
        "(نخستین: ردیف {row})؛ اگر درست نیست، کدپیج فایل را با ‎--jet3-charset‎ بدهید."
    ),
}
REGISTRY_IMPORT_JET3_CHARSET = (
    "متن این فایل Access 97 با کدپیج {charset} خوانده شد؛ اگر نام‌ها درهم است، کدپیج درست را "
    "با ‎--jet3-charset‎ یا jet3_charset در فایل نگاشت بدهید."
)
# A file that cannot be imported (registry_files.RegistryImportError.kind): what to do.
REGISTRY_IMPORT_REFUSALS = {
    "mdbtools_missing": (
        "mdbtools نصب نیست: آن را نصب کنید (apt-get install mdbtools) یا ‎--reader access-parser‎ "
        "را بدهید."
    ),
    "mdbtools_failed": (
        "mdbtools این فایل را نخواند: ‎--reader access-parser‎ را امتحان کنید، یا فایل را در "
        "Access با «Compact and Repair» فشرده و دوباره ذخیره کنید."
    ),
    "unreadable": (
        "access-parser این فایل را نخواند: mdbtools را نصب کنید (apt-get install mdbtools) و "
        "دوباره وارد کنید، یا فایل را در Access با «Compact and Repair» دوباره ذخیره کنید."
    ),
    "no_tables": (
        "در این فایل جدولی دیده نشد: اگر رمز دارد، در Access رمز را بردارید و دوباره ذخیره کنید."
    ),
    "table": "نام جدول را با ‎--table‎ یا name در بخش [table] فایل نگاشت بدهید.",
}


# ============================================================================================
# 7. THE LOCAL PLAYGROUND: what a visitor trying the bot on their own machine reads
# (bot.playground): the seeded people and groups, and the page's own words.
# ============================================================================================

# --- Who is who in the playground -----------------------------------------------------------
PLAYGROUND_BOT_NAME = "ربات حوزه سنجش (محیط آزمایشی)"
PLAYGROUND_HOLDER_NAME = "مریم احمدی"
PLAYGROUND_REVIEWER_NAME = "سارا رحیمی (کارشناس)"
PLAYGROUND_SIGNER_NAME = "علی کریمی (امضاکننده)"
# The signer's official name, printed on what they sign (their title is SIGNER_TITLE's).
PLAYGROUND_SIGNER_OFFICIAL_NAME = "علی کریمی"
PLAYGROUND_STAFF_GROUP = "گروه کارکنان حوزه سنجش"
PLAYGROUND_SECURITY_GROUP = "گروه حراست"

# --- What the page's server answers when an action cannot be done -------------------------
PLAYGROUND_ERRORS = {
    "bad_request": "این درخواست خوانده نشد؛ صفحه را دوباره بارگذاری کنید.",
    "not_here": "این شخص در این گفتگو نیست.",
    "empty": "پیام خالی است.",
    "too_long": "پیام بیش از ۴۰۹۶ نویسه است.",
    "no_button": "این دکمه دیگر وجود ندارد؛ پیام تازه‌تر را ببینید.",
    "no_message": "پیامی که به آن پاسخ می‌دهید دیگر وجود ندارد.",
    "no_file": "فایلی انتخاب نشده است.",
    "too_large": "فایل بزرگ‌تر از ۲۰ مگابایت است.",
    "not_image": "این فایل تصویر نیست؛ آن را به صورت فایل بفرستید.",
    "no_qr": "در این تصویر یا PDF کد QR تاییدیه‌ای پیدا نشد.",
    "not_ours": "این کد QR نشانی صفحهٔ استعلام این دفتر را ندارد.",
}

# --- The local playground page (visitors trying the bot on their machine) -------------------

# bot.playground's web page, sent to it whole as its state's "texts". Parts between backticks
# are shown left to right as code: names of settings, files and commands.
PLAYGROUND_PAGE: dict[str, str] = {
    "page_title": "محیط آزمایشی ربات سنجش و ارزشیابی مهارت",
    "header_title": "محیط آزمایشی ربات",
    "local_badge": "محلی، بدون اتصال به تلگرام و بله",
    "intro": (
        "این صفحه یک محیط آزمایشی روی همین رایانه است و به تلگرام یا بله وصل نیست. پشت آن "
        "خودِ ربات واقعی کار می‌کند: همان پاسخ‌ها و دکمه‌ها، همان پایگاه داده، همان امضای "
        "دیجیتال و همان صفحه‌های استعلام. داده‌ها در پوشهٔ `DATA_DIR` می‌مانند{data_dir}."
    ),
    "intro_data_dir": " (`{path}`)",
    "intro_try": (
        "در گفتگوی متقاضی درخواست المثنی بدهید، در گروه کارکنان یک بار به‌جای کارشناس و یک "
        "بار به‌جای امضاکننده آن را بررسی و امضا کنید، و برگ تاییدیه را در بخش استعلام بسنجید."
    ),
    "go_live_title": "اتصال به ربات واقعی در بله یا تلگرام",
    "go_live_body": (
        "توکن ربات، شناسهٔ گروه کارکنان و فهرست کارکنان را با نام‌های `BOT_TOKEN`، "
        "`ADMIN_CHAT_ID` و `STAFF` در فایل `.env` بنویسید و `./scripts/start` را دوباره اجرا "
        "کنید. وقتی توکن تنظیم شده باشد، این محیط آزمایشی دیگر راه‌اندازی نمی‌شود. راهنمای "
        "کامل در بخش «\u2066Going live on Bale or Telegram\u2069» فایل `README.md` آمده است."
    ),
    "platform": "رفتار Bot API: {platform}",
    "platform_telegram": "تلگرام",
    "platform_bale": "بله",
    "connection_connecting": "در حال اتصال…",
    "connection_open": "متصل",
    "connection_lost": "ارتباط قطع شد؛ در حال اتصال دوباره…",
    "tabs_label": "بخش‌های صفحه",
    "tab_holder": "متقاضی",
    "tab_staff": "کارکنان",
    "tab_verifier": "استعلام",
    "holder_title": "گفتگوی متقاضی با ربات",
    "holder_you": "شما به‌جای {name}، دارندهٔ گواهینامه",
    "staff_title": "گروه کارکنان",
    "acting_as": "شما به‌جای",
    "acting_option": "{name} ({role})",
    "role_reviewer": "کارشناس",
    "role_signer": "امضاکننده",
    "person_fallback": "کاربر",
    "start_hint": "ربات آماده است. برای آغاز گفتگو دکمهٔ «شروع» را بزنید.",
    "start_button": "شروع",
    "staff_empty": (
        "هنوز پیامی در این گروه نیست. هر درخواستی که متقاضی ثبت کند، اینجا به صورت کارت با "
        "دکمه‌های بررسی و امضا می‌رسد."
    ),
    "composer_placeholder": "پیام",
    "send": "ارسال",
    "attach": "پیوست عکس یا فایل",
    "as_file": "ارسال به صورت فایل",
    "remove_attachment": "حذف پیوست",
    "caption_placeholder": "توضیح (اختیاری)",
    "keyboard_toggle": "نمایش یا پنهان کردن دکمه‌های ربات",
    "reply": "پاسخ به این پیام",
    "to_bottom": "رفتن به آخرین پیام",
    "replying_to": "در پاسخ به {name}",
    "replying_cancel": "لغو پاسخ",
    "edited": "ویرایش‌شده",
    "photo": "عکس",
    "document": "فایل",
    "contact": "شمارهٔ تماس",
    "unsupported": "این نوع پیام در این صفحه نمایش داده نمی‌شود.",
    "document_show": "نمایش",
    "document_hide": "بستن",
    "size_kb": "{size} کیلوبایت",
    "size_mb": "{size} مگابایت",
    "verify_this": "استعلام این برگ",
    "network_error": "ارتباط با ربات برقرار نشد. لطفاً دوباره تلاش کنید.",
    "alert_ok": "باشه",
    "verifier_title": "استعلام برگ تاییدیه",
    "verifier_subtitle": "آنچه هر کسی با اسکن کد QR می‌بیند",
    "verifier_help": (
        "کسی که برگ تاییدیه به دستش رسیده، کد QR روی آن را با دوربین گوشی اسکن می‌کند و صفحهٔ "
        "استعلام باز می‌شود. اینجا عکس یا PDF برگ تاییدیه را بارگذاری کنید، یا نشانی درون "
        "کد QR را بنویسید."
    ),
    "verify_address": "نشانی صفحهٔ استعلام",
    "verify_address_placeholder": "/V/…",
    "verify_open": "باز کردن",
    "verify_upload": "بارگذاری عکس یا PDF تاییدیه",
    "verify_or": "یا",
    "verify_scanning": "در حال خواندن کد QR…",
    "verify_bad_address": (
        "این نشانی، نشانی صفحهٔ استعلام نیست. نشانی درون کد QR را بنویسید؛ در آن `/V/` هست."
    ),
    "verify_empty": "صفحهٔ استعلام اینجا نمایش داده می‌شود.",
    "verify_frame": "صفحهٔ استعلام برگ تاییدیه",
}
