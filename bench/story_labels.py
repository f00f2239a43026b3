"""Pairs of real SaudiNewsNet articles, read and judged: the same story or not.

"The same story" means the same news event (one meeting, one announcement, one
accident, one cable) told by two papers or twice by one, whatever the wording;
an article reporting two events is the same story as an article on either.
Two meetings of one guest with two officials, two days' weather or market
reports, or a process's start and its later figures are different stories.

Articles are named by their URL in the corpus (../shared/data/saudinewsnet/);
the texts stay there.

SAMPLED: 145 pairs drawn at random (seed 10) from the 2015-07-21..23 import:
15 candidate pairs from each band of weighted similarity (0.15, 0.22, 0.27,
0.30, 0.33, 0.38, 0.50 and up) and 40 pairs that the grouping before the
chain guard had put in one story without their being similar themselves.

REPORTED: the case a user reported on 2015-07-21: the King's meeting with
Samir Geagea, the deputy crown prince's meetings with the Chechen president
and with Geagea, and the papers that told both of the deputy crown prince's
meetings in one article (several lead with the Chechen president and add
Geagea in a last paragraph), which the grouping had joined into one story.
"""

import hashlib
from itertools import combinations

SAMPLED = [
    ('http://aawsat.com/home/article/410811/رئيس-وزراء-تركيا-يهيئ-حزبه-لانتخابات-مبكرة', 'http://www.alyaum.com/article/4079536', False),
    ('http://aawsat.com/home/article/411221/ولي-ولي-العهد-السعودي-يبحث-مع-رئيس-الشيشان-المواضيع-ذات-الاهتمام-المشترك', 'http://www.okaz.com.sa/new/Issues/20150720/Con20150720784527.htm', False),
    ('http://aawsat.com/home/article/411236/قوانين-إماراتية-جديدة-تجرم-التمييز-والكراهية-بين-الأفراد-والجماعات', 'http://www.al-jazirah.com/2015/20150721/du1.htm', True),
    ('http://aawsat.com/home/article/411236/قوانين-إماراتية-جديدة-تجرم-التمييز-والكراهية-بين-الأفراد-والجماعات', 'http://www.alyaum.com/article/4079531', True),
    ('http://aawsat.com/home/article/410836/«الجوازات»-السعودية-إصدار-أكثر-من-350-ألف-بطاقة-زائر-لليمنيين', 'http://www.alweeam.com.sa/348633/جوازات-حائل-تستأنف-تصحيح-أوضاع-اليمني/', False),
    ('http://aawsat.com/home/article/410836/«الجوازات»-السعودية-إصدار-أكثر-من-350-ألف-بطاقة-زائر-لليمنيين', 'http://sabq.org/sACgde', False),
    ('http://aawsat.com/home/article/410436/خادم-الحرمين-الشريفين-يبحث-مع-جعجع-مستجدات-الأوضاع-في-لبنان', 'http://www.aleqt.com/2015/07/21/article_974942.html', False),
    ('http://aawsat.com/home/article/410436/خادم-الحرمين-الشريفين-يبحث-مع-جعجع-مستجدات-الأوضاع-في-لبنان', 'http://sabq.org/wzCgde', False),
    ('http://aawsat.com/home/article/410436/خادم-الحرمين-الشريفين-يبحث-مع-جعجع-مستجدات-الأوضاع-في-لبنان', 'http://aawsat.com/home/article/412336/خادم-الحرمين-يستقبل-وزير-الدفاع-الأميركي-في-جدة', False),
    ('http://aawsat.com/home/article/410436/خادم-الحرمين-الشريفين-يبحث-مع-جعجع-مستجدات-الأوضاع-في-لبنان', 'http://www.alriyadh.com/1066725', False),
    ('http://aawsat.com/home/article/410061/خادم-الحرمين-وولي-عهده-يهنئان-الشعب-الكولومبي-في-ذكرى-استقلاله', 'http://www.aleqt.com/2015/07/21/article_974942.html', False),
    ('http://aawsat.com/home/article/410061/خادم-الحرمين-وولي-عهده-يهنئان-الشعب-الكولومبي-في-ذكرى-استقلاله', 'http://www.alriyadh.com/1067231', False),
    ('http://aawsat.com/home/article/410041/«بوينغ»-تحذر-من-طائرتها-طراز-777', 'http://aawsat.com/home/article/410191/«الخطوط-السعودية»-تفحص-40-طائرة-من-طراز-«بوينغ-777»', False),
    ('http://aawsat.com/home/article/410881/أثينا-تتسلم-قرضًا-عاجلاً-بـ7-مليارات-يورو-وتسدد-منه-42-مليار-أقساط-ديون', 'http://www.aleqt.com/2015/07/21/article_974966.html', False),
    ('http://aawsat.com/home/article/410901/هبوط-أرباح-هاليبرتون-93-مع-تقلص-أنشطة-الحفر', 'http://www.aleqt.com/2015/07/21/article_974965.html', True),
    ('http://aawsat.com/home/article/411046/بلاتر-مستمر-في-قيادة-الفيفا-حتى-26-فبراير-المقبل-ويتعهد-بعدم-الترشح-مجددًا', 'http://www.aleqt.com/2015/07/21/article_975081.html', False),
    ('http://aawsat.com/home/article/411101/اكتشاف-لوحة-للملك-أمنمحات-تعود-إلى-38-قرنًا', 'http://www.alriyadh.com/1066350', True),
    ('http://aawsat.com/home/article/411506/رسو-أول-سفينة-مساعدات-إنسانية-في-ميناء-عدن-بعد-تحريره', 'http://www.alriyadh.com/1066751', False),
    ('http://www.aleqt.com/2015/07/20/article_974827.html', 'http://www.al-jazirah.com/2015/20150721/ec2.htm', True),
    ('http://www.aleqt.com/2015/07/20/article_974841.html', 'http://www.alweeam.com.sa/348487/البحريـن-استوردت-سجائـر-بـــ77-مليـو/', True),
    ('http://www.aleqt.com/2015/07/20/article_974934.html', 'http://www.alyaum.com/article/4079844', False),
    ('http://www.aleqt.com/2015/07/20/article_974717.html', 'http://www.aleqt.com/2015/07/21/article_974942.html', False),
    ('http://www.aleqt.com/2015/07/20/article_974718.html', 'http://www.alyaum.com/article/4079395', False),
    ('http://www.aleqt.com/2015/07/21/article_975031.html', 'http://www.alriyadh.com/1066876', False),
    ('http://www.aleqt.com/2015/07/21/article_975018.html', 'http://www.alwatan.com.sa/Culture/News_Detail.aspx?ArticleID=229708&CategoryID=7', True),
    ('http://www.aleqt.com/2015/07/21/article_974942.html', 'http://www.alriyadh.com/1066267', False),
    ('http://www.aleqt.com/2015/07/21/article_974942.html', 'http://www.alyaum.com/article/4079598', True),
    ('http://www.aleqt.com/2015/07/21/article_974942.html', 'http://www.alyaum.com/article/4079844', False),
    ('http://www.al-jazirah.com/2015/20150721/fe13.htm', 'http://www.alyaum.com/article/4079119', False),
    ('http://www.al-jazirah.com/2015/20150721/sp15.htm', 'http://www.okaz.com.sa/new/Issues/20150721/Con20150721784825.htm', False),
    ('http://www.al-jazirah.com/2015/20150721/ln60.htm', 'http://www.alwatan.com.sa/Local/News_Detail.aspx?ArticleID=229792&CategoryID=5', True),
    ('http://www.al-jazirah.com/2015/20150721/ln62.htm', 'http://sabq.org/MwCgde', False),
    ('http://www.al-jazirah.com/2015/20150721/ln14.htm', 'http://www.okaz.com.sa/new/Issues/20150721/Con20150721784743.htm', True),
    ('http://www.al-jazirah.com/2015/20150721/ln19.htm', 'http://www.alriyadh.com/1066536', True),
    ('http://www.al-madina.com/node/620196/ولي-ولي-العهد-يبحث-مع-الرئيس-الشيشاني-و«جعجع»«الاهتمام-المشترك-والمستجدات».html', 'http://www.alriyadh.com/1066986', False),
    ('http://www.al-madina.com/node/620196/ولي-ولي-العهد-يبحث-مع-الرئيس-الشيشاني-و«جعجع»«الاهتمام-المشترك-والمستجدات».html', 'http://www.alriyadh.com/1066983', False),
    ('http://www.al-madina.com/node/620196/ولي-ولي-العهد-يبحث-مع-الرئيس-الشيشاني-و«جعجع»«الاهتمام-المشترك-والمستجدات».html', 'http://www.alriyadh.com/1067231', False),
    ('http://www.al-madina.com/node/620090/ولي-ولي-العهد-يجتمع-مع-رئيس-حزب-القوات-اللبنانية.html?live', 'http://www.al-jazirah.com/2015/20150722/ln36.htm', False),
    ('http://www.al-madina.com/node/620090/ولي-ولي-العهد-يجتمع-مع-رئيس-حزب-القوات-اللبنانية.html?live', 'http://www.al-madina.com/node/620526/وصول-الطائرة-الإغاثية-السعودية-إلى-مطار-عدن-الدولي.html?live', False),
    ('http://www.al-madina.com/node/620090/ولي-ولي-العهد-يجتمع-مع-رئيس-حزب-القوات-اللبنانية.html?live', 'http://www.alriyadh.com/1066946', False),
    ('http://www.al-madina.com/node/620090/ولي-ولي-العهد-يجتمع-مع-رئيس-حزب-القوات-اللبنانية.html?live', 'http://www.alyaum.com/article/4079844', False),
    ('http://www.al-madina.com/node/620065/الجوازات-354-ألف-تم-تصحيح-أوضاعهم-من-الأشقاء-اليمنيين-حتى-اليوم.html?live', 'http://www.alriyadh.com/1067065', False),
    ('http://www.al-madina.com/node/620065/الجوازات-354-ألف-تم-تصحيح-أوضاعهم-من-الأشقاء-اليمنيين-حتى-اليوم.html?live', 'http://www.alweeam.com.sa/348953/الجوازات-٣٦٣-ألف-تم-تصحيح-أوضاعهم-من-ا/', False),
    ('http://www.al-madina.com/node/620207/مقاومة-عدن-لا-إعدامات-للأسرى.html', 'http://www.alriyadh.com/1066641', False),
    ('http://www.al-madina.com/node/620182/انتخابات-رئاسة-الفيفا-في-26-فبراير-المقبل.html', 'http://www.alwatan.com.sa/Sports/News_Detail.aspx?ArticleID=229757&CategoryID=6', False),
    ('http://www.alriyadh.com/1066713', 'http://www.alriyadh.com/1067280', False),
    ('http://www.alriyadh.com/1066746', 'http://www.alyaum.com/article/4079711', True),
    ('http://www.alwatan.com.sa/Nation/News_Detail.aspx?ArticleID=229729&CategoryID=3', 'http://www.al-madina.com/node/620553/مقاطع-الفيديو-تربك-قضية-فتاتي-الكورنيش-والشرطة-توقع-بـ4-متحرّشين.html', False),
    ('http://www.alweeam.com.sa/348529/الأمير-محمد-بن-سلمان-يلتقي-رئيس-جمهوري/', 'http://www.alriyadh.com/1066984', False),
    ('http://www.alweeam.com.sa/348529/الأمير-محمد-بن-سلمان-يلتقي-رئيس-جمهوري/', 'http://www.alyaum.com/article/4079597', True),
    ('http://www.alweeam.com.sa/348525/الأمير-محمد-بن-سلمان-يجتمع-مع-رئيس-حزب-ا/', 'http://www.alweeam.com.sa/348707/استشهاد-الرقيب-الفلاسي-من-القوة-الإم/', False),
    ('http://www.alweeam.com.sa/348525/الأمير-محمد-بن-سلمان-يجتمع-مع-رئيس-حزب-ا/', 'http://www.alriyadh.com/1066987', False),
    ('http://www.alweeam.com.sa/348525/الأمير-محمد-بن-سلمان-يجتمع-مع-رئيس-حزب-ا/', 'http://www.alyaum.com/article/4079597', False),
    ('http://www.alweeam.com.sa/348525/الأمير-محمد-بن-سلمان-يجتمع-مع-رئيس-حزب-ا/', 'http://www.alwatan.com.sa/Local/News_Detail.aspx?ArticleID=229874&CategoryID=5', False),
    ('http://www.alweeam.com.sa/348382/حرس-حدود-تبوك-ينقذ-طفلاً-من-الغرق-في-الب/', 'http://www.alriyadh.com/1066536', True),
    ('http://www.alweeam.com.sa/348302/بالصور-صحة-القصيم-تعلن-حالة-الطوارئ-ب/', 'http://www.okaz.com.sa/new/Issues/20150720/Con20150720784646.htm', True),
    ('http://www.alweeam.com.sa/347660/مؤشر-الأسهم-السعودية-ينهي-تداولات-رمض/', 'http://www.alweeam.com.sa/347257/مؤشر-سوق-الأسهم-السعودية-يرتفع-16-نقطة/', False),
    ('http://www.alweeam.com.sa/347468/مؤشر-سوق-الأسهم-السعودية-يغلق-على-ارتف-5/', 'http://www.alweeam.com.sa/347257/مؤشر-سوق-الأسهم-السعودية-يرتفع-16-نقطة/', False),
    ('http://www.alweeam.com.sa/348223/تدني-الرؤية-الأفقية-بسبب-الغبار-بشمال/', 'http://www.aleqt.com/2015/07/22/article_975288.html', False),
    ('http://www.alweeam.com.sa/348223/تدني-الرؤية-الأفقية-بسبب-الغبار-بشمال/', 'http://www.alriyadh.com/1066469', False),
    ('http://www.alweeam.com.sa/347865/بالصور-بدء-تجهيز-المعدات-لرؤية-هلال_ش/', 'http://www.alweeam.com.sa/340859/بالصور-غرق-سفينة-صينية-على-متنها-450-شخصا/', False),
    ('http://www.alweeam.com.sa/343829/بالصور-رمضان-في-فلسطين/', 'http://www.alweeam.com.sa/341697/بالصور-جماهير-برشلونة-تستقبل-فريقها/', False),
    ('http://www.alweeam.com.sa/343313/بالصور-رمضان-في-اندونيسيا/', 'http://www.alweeam.com.sa/340358/بالصور-قوارب-الموت-ما-زالت-تنقل-المها/', False),
    ('http://www.alweeam.com.sa/343313/بالصور-رمضان-في-اندونيسيا/', 'http://www.alweeam.com.sa/344880/بالصور-اغتيال-النائب-العام-المصري/', False),
    ('http://www.alweeam.com.sa/342123/بالصور-بي-ام-دبليو-تعرض-ايقونتها-7-series/', 'http://www.alweeam.com.sa/341697/بالصور-جماهير-برشلونة-تستقبل-فريقها/', False),
    ('http://www.alweeam.com.sa/348554/خادم-الحرمين-الشريفين-يأمر-بترقية-وتع-8/', 'http://aawsat.com/home/article/411921/خادم-الحرمين-يأمر-بتعيين-وترقية-125-قاضيًا-في-مرفق-وزارة-العدل-وديوان-المظالم', True),
    ('http://www.alweeam.com.sa/348633/جوازات-حائل-تستأنف-تصحيح-أوضاع-اليمني/', 'http://www.alweeam.com.sa/348953/الجوازات-٣٦٣-ألف-تم-تصحيح-أوضاعهم-من-ا/', False),
    ('http://www.alyaum.com/article/4079455', 'http://www.alriyadh.com/1066273', True),
    ('http://www.alyaum.com/article/4079531', 'http://www.okaz.com.sa/new/Issues/20150721/Con20150721784798.htm', True),
    ('http://www.alyaum.com/article/4079499', 'http://www.al-jazirah.com/2015/20150722/fe2.htm', False),
    ('http://www.alyaum.com/article/4079542', 'http://www.alriyadh.com/1066689', True),
    ('http://www.alyaum.com/article/4079555', 'http://www.okaz.com.sa/new/Issues/20150721/Con20150721784825.htm', False),
    ('http://www.okaz.com.sa/new/Issues/20150720/Con20150720784687.htm', 'http://www.alyaum.com/article/4079598', False),
    ('http://www.okaz.com.sa/new/Issues/20150720/Con20150720784687.htm', 'http://www.alyaum.com/article/4079723', False),
    ('http://www.okaz.com.sa/new/Issues/20150720/Con20150720784687.htm', 'http://www.al-jazirah.com/2015/20150723/ln36.htm', False),
    ('http://www.okaz.com.sa/new/Issues/20150720/Con20150720784687.htm', 'http://www.alweeam.com.sa/348892/ولي-العهد-يستقبل-وزير-الخارجية-المصري/', False),
    ('http://www.okaz.com.sa/new/Issues/20150721/Con20150721784863.htm', 'http://www.alriyadh.com/1066459', False),
    ('http://www.okaz.com.sa/new/Issues/20150721/Con20150721784863.htm', 'http://www.alyaum.com/article/4079598', True),
    ('http://sabq.org/awCgde', 'http://sabq.org/SvCgde', False),
    ('http://sabq.org/olBgde', 'http://www.alyaum.com/article/4079673', False),
    ('http://sabq.org/80Cgde', 'http://www.alyaum.com/article/4079623', False),
    ('http://sabq.org/g2Cgde', 'http://www.alyaum.com/article/4079636', True),
    ('http://aawsat.com/home/article/411681/انتعاش-الخام-مع-تراجع-الدولار', 'http://www.aleqt.com/2015/07/22/article_975166.html', False),
    ('http://aawsat.com/home/article/411651/الموقف-التركي-هجوم-ودفاع', 'http://aawsat.com/home/article/411906/تفجير-سروج-يهدد-بإقفال-«بوابة-الجهاد»-أمام-«داعش»', True),
    ('http://aawsat.com/home/article/411781/الفيفا-يبدأ-عملية-الإصلاح-بإخضاع-أعضاء-اللجنة-التنفيذية-لاختبارات-نزاهة', 'http://www.aleqt.com/2015/07/22/article_975220.html', False),
    ('http://aawsat.com/home/article/412341/خادم-الحرمين-يستقبل-وزير-الدفاع-الأميركي-في-جدة', 'http://www.alriyadh.com/1066267', False),
    ('http://aawsat.com/home/article/412341/خادم-الحرمين-يستقبل-وزير-الدفاع-الأميركي-في-جدة', 'http://www.alyaum.com/article/4079733', True),
    ('http://aawsat.com/home/article/412371/الأمير-محمد-بن-سلمان-يجتمع-بوزير-الدفاع-الأميركي-في-جدة', 'http://aawsat.com/home/article/412896/خادم-الحرمين-الشريفين-يبحث-العلاقات-الثنائية-مع-وزير-الدفاع-الأميركي', False),
    ('http://aawsat.com/home/article/412371/الأمير-محمد-بن-سلمان-يجتمع-بوزير-الدفاع-الأميركي-في-جدة', 'http://www.alyaum.com/article/4079733', False),
    ('http://aawsat.com/home/article/412286/خادم-الحرمين-وولي-عهده-يهنئان-رئيس-وشعب-مصر-باليوم-الوطني', 'http://www.alriyadh.com/1066267', False),
    ('http://www.aleqt.com/2015/07/22/article_975345.html', 'http://aawsat.com/home/article/412626/سان-جيرمان-يقدم-عرضًا-مغريًا-لضم-دي-ماريا-نجم-مانشستر-يونايتد', False),
    ('http://www.aleqt.com/2015/07/22/article_975322.html', 'http://www.alweeam.com.sa/348839/وزير-الدفاع-يعقد-اجتماعاً-مع-وزير-الدف/', False),
    ('http://www.aleqt.com/2015/07/22/article_975369.html', 'http://www.alweeam.com.sa/348859/محكمة-أمريكية-عليا-تغرم-شركة-رفضت-توظي/', True),
    ('http://www.aleqt.com/2015/07/22/article_975386.html', 'http://www.alriyadh.com/1067022', True),
    ('http://www.al-madina.com/node/620500/«السياسية-والأمنية»-يناقش-«تطورات-الأحداث».html', 'http://www.okaz.com.sa/new/Issues/20150723/Con20150723785229.htm', False),
    ('http://www.al-madina.com/node/620475/«كلنا-سلمان»-على-مسرح-جمعية-الثقافة-والفنون-بجدة-اليوم-وغدًا.html', 'http://www.alwatan.com.sa/Culture/News_Detail.aspx?ArticleID=229746&CategoryID=7', False),
    ('http://www.al-madina.com/node/620478/سوق-عكاظ-تتبدى-واحة-من-الفكر-والثقافة-والفنون-بعد-13-قرنًا-من-الغياب.html', 'http://www.okaz.com.sa/new/Issues/20150723/Con20150723785159.htm', False),
    ('http://www.al-madina.com/node/620521/خادم-الحرمين-يستقبل-وزير-الدفاع-الأمريكي.html?live', 'http://www.alriyadh.com/1067231', False),
    ('http://www.alriyadh.com/1066860', 'http://www.alyaum.com/article/4079652', True),
    ('http://www.alriyadh.com/1066934', 'http://www.alwatan.com.sa/Local/News_Detail.aspx?ArticleID=229811&CategoryID=5', False),
    ('http://www.alriyadh.com/1066529', 'http://www.alwatan.com.sa/Local/News_Detail.aspx?ArticleID=229792&CategoryID=5', True),
    ('http://www.alriyadh.com/1066267', 'http://www.al-madina.com/node/620540/خادم-الحرمين-يبحث-مع-وزير-الدفاع-الأمريكي-مستجدات-الأوضاع.html', False),
    ('http://www.alriyadh.com/1066097', 'http://www.alriyadh.com/1066324', True),
    ('http://www.alriyadh.com/1066459', 'http://www.alwatan.com.sa/Local/News_Detail.aspx?ArticleID=229874&CategoryID=5', False),
    ('http://www.alriyadh.com/1066987', 'http://www.alweeam.com.sa/348720/مجلس-الشؤون-السياسية-والأمنية-يعقد-اج-7/', False),
    ('http://www.alriyadh.com/1066987', 'http://www.alriyadh.com/1067056', False),
    ('http://www.alriyadh.com/1066984', 'http://www.alyaum.com/article/4079597', False),
    ('http://www.alriyadh.com/1066974', 'http://www.alriyadh.com/1067137', False),
    ('http://www.alriyadh.com/1067025', 'http://www.alyaum.com/article/4079712', False),
    ('http://www.alwatan.com.sa/Culture/News_Detail.aspx?ArticleID=229751&CategoryID=7', 'http://www.alyaum.com/article/4079623', True),
    ('http://www.alwatan.com.sa/Culture/News_Detail.aspx?ArticleID=229748&CategoryID=7', 'http://www.alyaum.com/article/4079664', False),
    ('http://www.alweeam.com.sa/348756/وزير-التعليم-يترأس-الاجتماع-الأول-للج/', 'http://www.alriyadh.com/1067063', True),
    ('http://www.alweeam.com.sa/348809/خادم-الحرمين-الشريفين-يستقبل-وزير-الد-2/', 'http://www.alyaum.com/article/4079844', False),
    ('http://www.alweeam.com.sa/348839/وزير-الدفاع-يعقد-اجتماعاً-مع-وزير-الدف/', 'http://www.alriyadh.com/1067051', False),
    ('http://www.alyaum.com/article/4079457', 'http://www.alyaum.com/article/4079723', False),
    ('http://www.alyaum.com/article/4079457', 'http://www.al-jazirah.com/2015/20150723/ln38.htm', False),
    ('http://www.alyaum.com/article/4079410', 'http://www.alyaum.com/article/4079721', False),
    ('http://www.alyaum.com/article/4079599', 'http://www.alriyadh.com/1067274', False),
    ('http://www.alyaum.com/article/4079598', 'http://www.al-jazirah.com/2015/20150723/ln36.htm', False),
    ('http://www.alyaum.com/article/4079598', 'http://www.alyaum.com/article/4079844', False),
    ('http://www.alyaum.com/article/4079721', 'http://aawsat.com/home/article/412896/خادم-الحرمين-الشريفين-يبحث-العلاقات-الثنائية-مع-وزير-الدفاع-الأميركي', True),
    ('http://www.alyaum.com/article/4079721', 'http://www.okaz.com.sa/new/Issues/20150723/Con20150723785083.htm', False),
    ('http://www.okaz.com.sa/new/Issues/20150722/Con20150722785033.htm', 'http://www.alweeam.com.sa/348911/استمرار-تدني-الرؤية-الأفقية-بسبب-الأت/', False),
    ('http://sabq.org/45Cgde', 'http://www.alyaum.com/article/4079844', False),
    ('http://aawsat.com/home/article/413161/السلطات-الإيرانية-تقمع-تظاهرة-لتدريسيين-وتعتقل-200-منهم', 'http://www.alweeam.com.sa/348922/اعتقال-أكثر-من-200-مدرس-خلال-تظاهرة-في-طهر/', True),
    ('http://aawsat.com/home/article/412621/برشلونة-يستهل-جولته-الأميركية-بالفوز-على-غالاكسي-وسواريز-يتفوق-على-جيرارد', 'http://www.alriyadh.com/1067100', True),
    ('http://www.aleqt.com/2015/07/23/article_975690.html', 'http://www.aleqt.com/2015/07/23/article_975501.html', False),
    ('http://www.al-jazirah.com/2015/20150723/ln36.htm', 'http://www.alweeam.com.sa/348892/ولي-العهد-يستقبل-وزير-الخارجية-المصري/', False),
    ('http://www.al-jazirah.com/2015/20150723/fe29.htm', 'http://www.al-jazirah.com/2015/20150723/ln38.htm', False),
    ('http://www.al-jazirah.com/2015/20150723/fe29.htm', 'http://www.alriyadh.com/1067051', False),
    ('http://www.al-jazirah.com/2015/20150723/ln37.htm', 'http://www.alriyadh.com/1067051', False),
    ('http://www.al-jazirah.com/2015/20150723/ln37.htm', 'http://www.alyaum.com/article/4079733', False),
    ('http://www.al-jazirah.com/2015/20150723/ln39.htm', 'http://www.okaz.com.sa/new/Issues/20150723/Con20150723785197.htm', True),
    ('http://www.al-jazirah.com/2015/20150723/du8.htm', 'http://www.alyaum.com/article/4079773', True),
    ('http://www.al-jazirah.com/2015/20150723/ln42.htm', 'http://www.okaz.com.sa/new/Issues/20150723/Con20150723785090.htm', True),
    ('http://www.al-jazirah.com/2015/20150723/fe34.htm', 'http://www.al-madina.com/node/620620/الجامعة-الإلكترونية-تطلق-«دعم»-لمنسوبيها.html', True),
    ('http://www.al-jazirah.com/2015/20150723/fe42.htm', 'http://www.okaz.com.sa/new/Issues/20150723/Con20150723785125.htm', False),
    ('http://www.al-jazirah.com/2015/20150723/fe42.htm', 'http://www.okaz.com.sa/new/Issues/20150723/Con20150723785130.htm', False),
    ('http://www.al-jazirah.com/2015/20150723/ln48.htm', 'http://www.alyaum.com/article/4079760', False),
    ('http://www.al-madina.com/node/620540/خادم-الحرمين-يبحث-مع-وزير-الدفاع-الأمريكي-مستجدات-الأوضاع.html', 'http://www.alriyadh.com/1067051', True),
    ('http://www.al-madina.com/node/620674/نظام-آلي-جديد-يلغي-«الورق»-في-الجامعة-الإلكترونية.html', 'http://www.alriyadh.com/1067041', True),
    ('http://www.alriyadh.com/1067292', 'http://sabq.org/Q9Cgde', True),
    ('http://www.alriyadh.com/1067137', 'http://www.okaz.com.sa/new/Issues/20150723/Con20150723785146.htm', False),
    ('http://www.alriyadh.com/1067103', 'http://www.alyaum.com/article/4079764', True),
    ('http://www.alweeam.com.sa/349005/وصـول-طائرة-الشحن-السعودية-الثانية-لم/', 'http://www.okaz.com.sa/new/Issues/20150723/Con20150723785247.htm', False),
]

KING_MEETS_GEAGEA = [
    "http://aawsat.com/home/article/410436/خادم-الحرمين-الشريفين-يبحث-مع-جعجع-مستجدات-الأوضاع-في-لبنان",
    "http://www.aleqt.com/2015/07/20/article_974717.html",
    "http://www.okaz.com.sa/new/Issues/20150720/Con20150720784687.htm",
    "http://www.alriyadh.com/1066267",
    "http://www.alyaum.com/article/4079457",
]
DEPUTY_MEETS_CHECHEN_PRESIDENT = [
    "http://www.al-madina.com/node/620068/ولي-ولي-العهد-يلتقي-رئيس-جمهورية-الشيشان.html?live",
    "http://www.alweeam.com.sa/348529/الأمير-محمد-بن-سلمان-يلتقي-رئيس-جمهوري/",
    "http://www.alyaum.com/article/4079597",
]
DEPUTY_MEETS_GEAGEA = [
    "http://www.al-madina.com/node/620090/ولي-ولي-العهد-يجتمع-مع-رئيس-حزب-القوات-اللبنانية.html?live",
    "http://www.alweeam.com.sa/348525/الأمير-محمد-بن-سلمان-يجتمع-مع-رئيس-حزب-ا/",
    "http://www.alyaum.com/article/4079598",
]
DEPUTY_MEETS_BOTH = [
    "http://aawsat.com/home/article/411221/ولي-ولي-العهد-السعودي-يبحث-مع-رئيس-الشيشان-المواضيع-ذات-الاهتمام-المشترك",
    "http://www.aleqt.com/2015/07/20/article_974934.html",
    "http://www.al-jazirah.com/2015/20150721/ln45.htm",
    "http://www.aleqt.com/2015/07/21/article_974942.html",
    "http://www.al-madina.com/node/620196/ولي-ولي-العهد-يبحث-مع-الرئيس-الشيشاني-و«جعجع»«الاهتمام-المشترك-والمستجدات».html",
    "http://www.okaz.com.sa/new/Issues/20150721/Con20150721784863.htm",
    "http://sabq.org/wzCgde",
    "http://www.alriyadh.com/1066725",
]


def reported_pairs():
    """Every pair of the reported case's articles, with whether they are one story."""
    groups = {"king": KING_MEETS_GEAGEA, "chechen": DEPUTY_MEETS_CHECHEN_PRESIDENT, "geagea": DEPUTY_MEETS_GEAGEA,
              "both": DEPUTY_MEETS_BOTH}
    same_groups = {frozenset({"both", "chechen"}), frozenset({"both", "geagea"})}
    labelled = [(url, name) for name, urls in groups.items() for url in urls]
    return [
        (first, second, first_group == second_group or frozenset({first_group, second_group}) in same_groups)
        for (first, first_group), (second, second_group) in combinations(labelled, 2)
    ]


REPORTED = reported_pairs()


def split(labels):
    """(tuning, held-out): a pair's half is fixed by a hash of its two URLs, not by its place in the list."""
    halves = ([], [])
    for pair in labels:
        digest = hashlib.sha256("\n".join(sorted(pair[:2])).encode("utf-8")).digest()
        halves[digest[0] % 2].append(pair)
    return halves
