"""What counts as the same word, through the real index: a table of pairs
that must and must not find each other, names in several spellings, and the
last resort for words the archive does not have."""

import pytest

from articles.models import Article, Source
from articles.search.highlight import highlight_text
from articles.search.indexing import reindex_articles
from articles.search.service import highlight_terms, search_articles
from articles.search.query import parse_query

# Short news items, as the archive holds them. Forms of one word turn up
# together (an article on Saudi teachers says السعودية and السعودي); different
# words that share letters do not (Riyadh's weather is not sport news).
ARTICLES = {
    "quwat": "دخلت القوات الحكومية المدينة بعد معارك عنيفة",
    "wal_quwat": "انسحب المسلحون والقوات تتقدم نحو الشمال",
    "bil_quwat": "اشتبك المسلحون بالقوات قرب الحدود",
    "lil_quwat": "أعلن متحدث باسم للقوات المشتركة وصول تعزيزات",
    "muallimun": "طالب المعلمون بزيادة الرواتب في بيان مشترك",
    "muallimin": "أعلنت الوزارة تعيين آلاف المعلمين الجدد",
    "lil_muallimat": "برنامج تدريبي للمعلمات في المدارس الحكومية",
    "saudi_1": "قال المسؤول السعودي إن المملكة العربية السعودية ماضية في خططها",
    "saudi_2": "زار الوفد السعودي العاصمة، وأكدت السعودية دعمها",
    "saudi_3": "اللاعب السعودي انتقل إلى نادٍ في السعودية",
    "saudiya_only": "أطلقت السعودية مبادرة جديدة للطاقة المتجددة",
    "saudi_only": "فاز العداء السعودي بالميدالية الذهبية",
    "wazifa_1": "حصلت على وظيفة جديدة، وقالت إن وظيفتها تتطلب السفر",
    "wazifa_2": "الوظيفة الحكومية مطلوبة، والموظفة تحب وظيفتها",
    "wazifa_3": "الوظيفة في القطاع الخاص أقل أمانًا",
    "wazifatiha": "تحدثت الموظفة عن بوظيفتها وعن ساعات العمل الطويلة",
    "riyadh_1": "ارتفعت درجات الحرارة في الرياض إلى خمسين درجة",
    "riyadh_2": "افتتح أمير الرياض مشروع النقل العام في الرياض",
    "riyadh_3": "ازدحام مروري في شوارع الرياض صباح الأحد",
    "riyada_1": "وزارة الرياضة تطلق دوري المدارس لكرة القدم",
    "riyada_2": "الرياضة المدرسية تعزز صحة الطلاب، والرياضة للجميع",
    "amal_1": "سوق العمل يحتاج إلى مهارات جديدة، ووزارة العمل تنظمه",
    "amal_2": "ساعات العمل في رمضان تقل ساعتين",
    "umla_1": "تراجعت العملة المحلية أمام الدولار، والعملة الرقمية تتقلب",
    "umla_2": "البنك المركزي يدعم العملة الوطنية",
    "rais_1": "استقبل الرئيس الفرنسي نظيره في قصر الإليزيه",
    "rais_2": "قال الرئيس إن الانتخابات ستجرى في موعدها",
    "raisiya_1": "أغلقت الطرق الرئيسية في المدينة بسبب الأمطار",
    "raisiya_2": "المحطة الرئيسية للقطارات تستقبل المسافرين",
    "salam_1": "مفاوضات السلام بين الطرفين تستأنف الأسبوع المقبل",
    "salam_2": "دعا إلى السلام في المنطقة",
    "salama_1": "حملة السلامة المرورية تبدأ في المدارس",
    "salama_2": "اشتراطات السلامة في المصانع",
    "nasr_1": "فاز النصر على الهلال في الدوري",
    "nasr_2": "جماهير النصر تحتفل بالفوز",
    "nusra_1": "جبهة النصرة تعلن مسؤوليتها عن الهجوم",
    "nusra_2": "مقاتلو النصرة انسحبوا من البلدة",
    "kharijiya_1": "وزارة الخارجية تستدعي السفير",
    "kharijiya_2": "أكدت الخارجية رفضها للتدخل",
    "kharij_1": "سافر الطلاب إلى خارج المملكة للدراسة",
    "kharij_2": "تحويلات العمالة إلى خارج البلاد",
    "ahli_1": "تعادل الأهلي مع الاتحاد في الجولة الأولى",
    "ahli_2": "مدرب الأهلي يعلن التشكيلة",
    "ahliya_1": "اندلعت الحرب الأهلية في البلاد قبل سنوات",
    "ahliya_2": "الجمعيات الأهلية تقدم المساعدات",
    "qalb_1": "أمراض القلب أكثر أسباب الوفاة شيوعًا",
    "qalb_2": "جراحة القلب المفتوح في المستشفى",
    "kalb_1": "عثر الكلب على الطفل المفقود",
    "kalb_2": "عضة الكلب تستدعي العلاج",
    "gharb_1": "العلاقات بين الشرق والغرب تتحسن، والغرب يراقب",
    "gharb_2": "تقع المدينة في الغرب",
    "jarab_1": "انتشار الجرب في المخيمات",
    "jarab_2": "علاج الجرب متوفر في المراكز الصحية",
    "trump_1": "قال دونالد ترامب في تصريح صحفي إن الاقتصاد قوي",
    "trump_2": "ترمب يهاجم منافسيه في المناظرة",
    "netanyahu_1": "اجتمع نتنياهو بحكومته أمس",
    "netanyahu_2": "قال نتانياهو إن الاتفاق سيئ",
    "hegseth_1": "أكد هيغسيث أن القوات جاهزة",
    "hegseth_2": "صرح هيجسيث بأن الوزارة تراجع الخطط",
    "google_1": "أطلقت غوغل خدمة جديدة للترجمة",
    "google_2": "جوجل تحدث خرائطها",
    "google_3": "محرك البحث قوقل يغير خوارزمياته",
    "wizara": "أعلنت الوزارة نتائج القبول",
    "murtabita": "الوظيفة المرتبطة بالتقنية مطلوبة",
    "madina": "سكان المدينة يحتفلون",
    "amrikiya": "قالت الخارجية الأمريكيّة إن المحادثات مستمرة",
    "bahrain_1": "وصل الوفد إلى البحرين للمشاركة في القمة",
    "bahrain_2": "أعلنت البحرين ميزانيتها الجديدة، وقال وزير المالية البحريني إنها متوازنة",
    "bahr_1": "غرق قارب صيد في البحر قبالة الساحل",
    "bahr_2": "ارتفعت أمواج البحر الأحمر، وحذر خفر السواحل من ركوب البحر",
    "zaytun": "بدأ موسم قطف الزيتون في منطقة الجوف",
    "zayt": "ارتفعت أسعار الزيت النباتي في الأسواق",
    "kalimat": "ألقى الوزير كلمات قصيرة في حفل التخرج",
    "kulliyat": "افتتحت الجامعة كليات جديدة للطب والهندسة",
    "wahadat": "وصلت وحدات الدفاع المدني إلى موقع الحادث",
    "hadd": "رفعت الوزارة الحد الأدنى للأجور",
    "lahazat": "مرت لحظات صعبة على الركاب قبل هبوط الطائرة",
    "hazz": "ابتسم الحظ للفريق في المباراة الأخيرة",
}


@pytest.fixture
def archive(db):
    source = Source.objects.create(name="صحيفة الاختبار")
    articles = {key: Article.objects.create(title=f"خبر {i}", body=body, source=source)
                for i, (key, body) in enumerate(ARTICLES.items())}
    reindex_articles([article.pk for article in articles.values()])
    return articles


def found_keys(archive, query):
    by_pk = {article.pk: key for key, article in archive.items()}
    return {by_pk[result.object.pk] for result in search_articles(query, limit=100, highlight=False).results}


# (query, article key, must it be found?)
SAME_WORD = [
    # clitics and plurals: one word
    ("القوات", "quwat", True), ("القوات", "wal_quwat", True), ("القوات", "bil_quwat", True),
    ("القوات", "lil_quwat", True), ("للقوات", "quwat", True), ("والقوات", "bil_quwat", True),
    ("المعلمون", "muallimin", True), ("المعلمون", "lil_muallimat", True), ("المعلمات", "muallimun", True),
    ("للمعلمات", "muallimin", True),
    # nisba and ta marbuta where the archive shows one word
    ("السعودي", "saudiya_only", True), ("السعودية", "saudi_only", True),
    ("بوظيفتها", "wazifa_3", True),
    # a bare word whose first letter could be a clitic still finds its ال form
    ("وزارة", "wizara", True),
    # spelling of one word
    ("الامريكية", "amrikiya", True), ("مدينه", "madina", True),
    # different words that share letters after stripping
    ("الرياض", "riyada_1", False), ("الرياض", "riyada_2", False), ("الرياضة", "riyadh_1", False),
    ("الرياض", "riyadh_2", True), ("الرياضة", "riyada_2", True),
    ("العمل", "umla_1", False), ("العملة", "amal_1", False), ("العمل", "amal_2", True),
    ("الرئيس", "raisiya_1", False), ("الرئيسية", "rais_1", False), ("الرئيسية", "raisiya_2", True),
    ("السلام", "salama_1", False), ("السلامة", "salam_1", False), ("السلامة", "salama_2", True),
    ("النصر", "nusra_1", False), ("النصرة", "nasr_1", False), ("النصرة", "nusra_2", True),
    ("الخارجية", "kharij_1", False), ("خارج", "kharijiya_1", False), ("خارج", "kharij_2", True),
    ("الأهلي", "ahliya_1", False), ("الأهلية", "ahli_1", False), ("الأهلية", "ahliya_2", True),
    # a five-letter word keeps a first letter that is its own (كلمات is not ك + لمات):
    # it finds its ال form, and not the two-letter word left after cutting it
    ("الكلمات", "kalimat", True), ("الكليات", "kulliyat", True), ("الوحدات", "wahadat", True),
    ("اللحظات", "lahazat", True), ("الحد", "wahadat", False), ("الحد", "hadd", True),
    ("الحظ", "lahazat", False), ("الحظ", "hazz", True), ("بحرين", "bahrain_1", True),
    # names in several spellings
    ("ترامب", "trump_2", True), ("ترمب", "trump_1", True),
    ("نتنياهو", "netanyahu_2", True), ("نتانياهو", "netanyahu_1", True),
    ("هيغسيث", "hegseth_2", True), ("هيجسيث", "hegseth_1", True),
    ("غوغل", "google_2", True), ("غوغل", "google_3", True), ("جوجل", "google_1", True),
    ("قوقل", "google_2", True),
    # ordinary words are not names: no letter swaps for them
    ("القلب", "kalb_1", False), ("الكلب", "qalb_1", False), ("القلب", "qalb_2", True),
    ("الغرب", "jarab_1", False), ("الجرب", "gharb_1", False), ("الغرب", "gharb_2", True),
    ("قلب", "kalb_2", False), ("غرب", "jarab_2", False),
    # a name's spelling does not reach ordinary words
    ("ترامب", "riyadh_1", False), ("غوغل", "gharb_1", False),
    # the last resort: a word the archive has in no form
    ("يرتبط", "murtabita", True),
    ("ما يرتبط بوظيفتها؟", "murtabita", True),
]


# Words whose ين/ون is their own letters, not a plural ending: not the shorter word.
OWN_ENDING = [
    ("البحرين", "bahr_1", False), ("البحر", "bahrain_1", False), ("بالبحرين", "bahr_2", False),
    ("البحرين", "bahrain_2", True), ("بالبحرين", "bahrain_1", True), ("للبحر", "bahr_1", True),
    ("البحر", "bahr_2", True), ("الزيتون", "zayt", False), ("الزيت", "zaytun", False),
    ("الزيتون", "zaytun", True), ("بحرين", "bahr_1", False),
]


def _wrong_rows(archive, table):
    wrong = []
    for query, key, expected in table:
        if (key in found_keys(archive, query)) is not expected:
            wrong.append(f"{query} {'should' if expected else 'should not'} find {ARTICLES[key]}")
    return wrong


def test_the_same_word_table(archive):
    assert len(SAME_WORD) + len(OWN_ENDING) >= 60
    wrong = _wrong_rows(archive, SAME_WORD)
    assert not wrong, "\n".join(wrong)


def test_a_word_whose_ending_is_its_own_is_not_the_shorter_word(archive):
    wrong = _wrong_rows(archive, OWN_ENDING)
    assert not wrong, "\n".join(wrong)


def test_highlighting_marks_what_matched_and_nothing_else(archive):
    terms = highlight_terms(parse_query("الخارجية"))
    assert str(highlight_text("زار الخارجية ثم خارج البلاد", terms)) == "زار <mark>الخارجية</mark> ثم خارج البلاد"
    terms = highlight_terms(parse_query("ترامب"))
    assert "<mark>ترمب</mark>" in str(highlight_text("ترمب يهاجم", terms))
    assert "<mark>الرياضة</mark>" not in str(highlight_text("الرياضة في الرياض", highlight_terms(parse_query("الرياض"))))


def test_highlighting_marks_a_word_whose_ending_is_its_own_alone(archive):
    sea_and_bahrain = "سافر إلى البحرين عبر البحر"
    assert str(highlight_text(sea_and_bahrain, highlight_terms(parse_query("البحرين")))) == (
        "سافر إلى <mark>البحرين</mark> عبر البحر")
    assert str(highlight_text(sea_and_bahrain, highlight_terms(parse_query("البحر")))) == (
        "سافر إلى البحرين عبر <mark>البحر</mark>")


def test_counts_separate_words_as_written_from_related_forms(archive):
    outcome = search_articles("ترامب", facets=True)
    assert (outcome.total, outcome.total_as_written, outcome.total_related_only) == (2, 1, 1)
    assert outcome.spellings_searched == [("ترامب", ["ترمب"])]
    assert outcome.facets_as_written["source"] == {"صحيفة الاختبار": 1}
    assert dict(outcome.facets["source"]) == {"صحيفة الاختبار": 2}
    riyadh = search_articles("الرياض")
    assert riyadh.total == riyadh.total_as_written == 3
    assert not riyadh.expansions


def test_the_page_says_which_other_spellings_and_near_words_it_searched(archive, editor_client):
    page = editor_client.get("/", {"q": "ترامب"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "بُحث أيضًا عن كتابات أخرى" in page and "ترمب" in page
    assert "منها ١ فيها كلمات البحث كما كُتبت" in page or "منها 1 فيها كلمات البحث كما كُتبت" in page
    page = editor_client.get("/", {"q": "يرتبط"}).content.decode()
    assert "بُحث بدلًا منها عن كلمات تشاركها حروفها" in page and "مرتبطه" in page
    page = editor_client.get("/", {"q": "الرياض"}).content.decode()
    assert "كتابات أخرى" not in page and "تشاركها حروفها" not in page
