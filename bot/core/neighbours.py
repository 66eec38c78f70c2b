"""Neighbouring agencies' documents and services, to say plainly when a question belongs elsewhere.

The hardest out-of-scope questions sit next to the domain (docs/retrieval.md): 「護照過期要去哪裡換」
shares 過期、換、去哪裡 with a veteran-card entry. A document or service that another agency
handles never maps to a different programme of this office; the citizen is told whose it is.
Only agency names are given here (no phone or address that would need its own source).
"""

from __future__ import annotations

import re

from bot.core.text import match_key

# term → the agency that handles it (zh-TW names as citizens know them).
_HANDLED_BY = {
    "外交部領事事務局": ["護照", "簽證", "文件驗證"],
    "內政部移民署": ["居留證", "入出境許可", "面談", "自動通關", "移民署"],
    "原住民族委員會": ["族語認證", "族語能力認證", "原住民保留地"],
    "負責那條路或設施的機關（國家賠償）": ["國家賠償", "國賠"],
    "健保署（衛生福利部中央健康保險署）": ["健保卡", "重大傷病", "健保"],
    "監理站（交通部公路局）": ["燃料費", "報廢", "駕照", "行照", "駕駛執照", "監理站", "監理所", "機車過戶", "汽車過戶", "車子過戶"],
    "勞保局（勞動部勞工保險局）": ["勞保", "勞退", "失業給付", "勞工保險", "國民年金", "國保", "老年年金", "遺屬年金",
                               "生育給付", "傷病給付", "職災給付", "死亡給付", "喪葬給付", "育嬰留職停薪", "育嬰留停", "育嬰假", "農保", "農民健康保險", "老農津貼"],
    "警察局": ["報案", "良民證", "警察刑事紀錄證明", "初步分析研判表", "現場圖"],
    "各縣市殯葬管理所（殯儀館）": ["殯儀館", "火化", "火葬場"],
    "戶籍地的鄉鎮市區公所": ["馬上關懷", "中低收入老人生活津貼", "老人生活津貼", "身心障礙證明", "身障證明", "身障手冊", "身障鑑定", "身心障礙鑑定", "低收入戶", "國民兵證書",
                          "敬老禮金", "敬老卡", "祭祀公業", "派下員"],
    "國稅局或地方稅務局": ["報稅", "綜所稅", "所得稅", "地價稅", "房屋稅", "牌照稅", "遺產稅", "贈與稅", "財產歸戶", "財產總歸戶",
                       "財產清單", "所得清單", "金融遺產", "遺產查詢", "欠稅"],
    "地政事務所": ["權狀", "鑑界", "地籍", "土地登記", "土地過戶", "房屋過戶", "房子過戶", "產權登記", "繼承登記", "繼承過戶", "土地台帳", "土地登記簿", "登記簿謄本", "建物謄本", "土地謄本"],
    "車輛行車事故鑑定會（交通部公路局）": ["行車事故鑑定", "車禍鑑定"],
    "醫院": ["掛號", "門診", "病歷", "死亡證明書", "死產證明"],
    "醫院或認可的親子鑑定機構": ["親子鑑定", "DNA鑑定"],
    "衛生所": ["預防針", "疫苗"],
    "衛生局": ["醫療糾紛", "婚前健康檢查", "婚前健檢"],
    "經濟部商業發展署或縣市政府（商業、公司登記）": ["商業登記", "公司登記"],
    "內政部國土管理署（住宅補貼）": ["租金補貼", "住宅補貼", "重建重購", "租屋補助", "租屋補貼"],
    "保險公司（強制險）": ["強制險"],
    "市政府社會局": ["早療", "育兒津貼", "托育補助", "復康巴士", "出養", "手語翻譯", "寄養家庭"],
    "臺灣集中保管結算所（集保）": ["股票", "集保"],
    "海峽交流基金會（海基會）": ["海基會"],
    "自來水公司": ["自來水"],
    "開戶的郵局或銀行": ["提款卡", "金融卡"],
    "市政府勞工局（職務再設計）": ["職務再設計"],
    "市政府勞工局（勞資爭議）": ["勞資爭議", "特休"],
    "市政府文化局": ["文化資產", "歷史建築"],
    "環保局清潔隊": ["清潔隊", "大型家具"],
    "市政府工務局": ["路樹"],
    "保險公司": ["要保人", "保單"],
    "銀行（以房養老）": ["以房養老"],
    "消費者保護官（1950 消費者服務專線）": ["消費爭議"],
    "市政府工務局（違章建築）": ["違建"],
    "市政府動物保護處": ["流浪狗"],
    "數位發展部（MyData）": ["MyData"],
    "台灣電力公司": ["台電", "電費"],
    "教育部": ["學歷採認", "國外學歷", "留學貸款"],
    "臺灣銀行公教保險部（公保）": ["公保", "公教保險"],
    "市政府都市發展局（社會住宅）": ["社會住宅", "社宅"],
    "法院": ["探視", "保護令", "公證", "拋棄繼承", "支付命令", "夫妻財產制", "強制執行", "死亡宣告", "監護宣告", "輔助宣告", "小額訴訟", "起訴狀", "認領之訴", "裁判費"],
    "法律扶助基金會": ["法律扶助", "法扶"],
    "有線電視業者": ["第四台", "有線電視"],
    "監察院": ["監察院", "監察委員", "監委"],
    "勞動部勞動力發展署（產業人才投資方案）": ["產業人才投資"],
    "臺灣銀行（軍人保險）": ["軍保", "軍人保險"],
    "行政院公共工程委員會（履約爭議調解）": ["履約爭議"],
    "地方檢察署（犯罪被害補償）": ["犯罪被害補償", "犯罪被害人補償"],
    "財團法人汽車交通事故特別補償基金": ["特別補償基金", "補償基金"],
    "戶政事務所": ["身分證", "身份證", "戶籍謄本", "戶口名簿", "自然人憑證", "印鑑證明", "出生登記", "結婚登記", "死亡登記",
              "報戶口", "除戶謄本"],
    "長期照顧管理中心（長照）": ["喘息服務", "居家服務"],
    "勞動部勞動力發展署": ["外籍看護", "聘僱許可"],
    "經濟部工商憑證管理中心": ["工商憑證"],
    "就讀的學校和承辦銀行": ["就學貸款"],
    "直轄市、縣（市）政府（性騷擾防治）": ["性騷擾"],
    "縣政府": ["縣政府"],  # (not 市政府 or 公所: citizens give them as landmarks, 「我家在鄉公所旁邊」)
    "後備指揮部": ["緩召", "教召", "教育召集", "退伍令", "後備軍人", "點閱召集", "國軍忠靈塔", "國軍示範公墓", "忠靈殿"],
    "榮民服務處（國軍退除役官兵輔導委員會）": ["榮服處", "榮民服務處", "退輔會", "輔導會", "榮民證", "就養金"],
}
NEIGHBOUR_KEYS = {match_key(term): (term, agency) for agency, terms in _HANDLED_BY.items() for term in terms}
# The agency above that each kind of office the desk serves is: its terms are never another agency's
# to that office (a 區公所 asked 「身心障礙鑑定要先去哪裡」 must not send the citizen to a 區公所).
_KIND_AGENCY = {"district-office": "戶籍地的鄉鎮市區公所", "household-registration": "戶政事務所",
                "veterans-service": "榮民服務處（國軍退除役官兵輔導委員會）"}


def own_terms(kind: str) -> set[str]:
    """The neighbour terms (as match keys) that an office of this kind handles itself."""
    agency = _KIND_AGENCY.get(kind)
    return {key for key, (_, handler) in NEIGHBOUR_KEYS.items() if handler == agency}


# Longer words that hold a term and name something else: 「華僑身分證明書」「低收入戶身分證明」 are no 身分證,
# 「沒有投保單位」 is no 保單, and a document sent 「用掛號寄」 is no hospital's 掛號,
# and 「一台電動的」 is no 台電.
_NOT_THE_TERM = re.compile("|".join(map(match_key, ("身分證明", "身份證明", "投保單位", "掛號信", "掛號寄", "寄掛號",
                                                     "限時掛號", "雙掛號", "台電動", "台電腦", "台電視", "台電扇", "台電暖"))))


def terms_in(key: str) -> set[str]:
    """The neighbouring-agency terms (as match keys) that occur in a match key."""
    key = _NOT_THE_TERM.sub(" ", key)
    return {k for k in NEIGHBOUR_KEYS if k in key}


# A document the citizen brings along (「要帶身分證跟照片去哪裡換」) is a detail of what they ask about.
_BROUGHT = re.compile("(?:" + "|".join(map(match_key, ("帶", "附"))) + ")" + match_key("著") + "?$")


def brought(key: str) -> set[str]:
    """The neighbouring-agency terms (as match keys) that a question names as documents to bring."""
    return {t for t in terms_in(key) if _BROUGHT.search(key[:key.find(t)])}


def neighbour_topic(key: str, home: set[str], last: bool = False) -> tuple[str, str] | None:
    """(term, agency) when the question names another agency's document or service that this
    office's knowledge never mentions (the first one named, or the `last`); None otherwise."""
    foreign = terms_in(key) - home
    if not foreign:
        return None
    # (Of two terms named at the same place, 健保 and 健保卡, the longer: a set's order differs between workers.)
    if last:
        return NEIGHBOUR_KEYS[max(foreign, key=lambda t: (key.rfind(t), len(t)))]
    return NEIGHBOUR_KEYS[min(foreign, key=lambda t: (key.find(t), -len(t)))]


# Another insurer's benefit of a kind we also pay: 「勞保的喪葬補助」「公保的眷屬喪葬津貼」 are not ours.
_BENEFITS = re.compile("|".join(map(match_key, ("補助", "津貼", "給付", "慰問金", "救助", "年金"))))
_QUALIFIED = f"{match_key('的')}?(?:{'|'.join(map(match_key, ('眷屬', '家屬', '遺屬')))})?"


def is_benefit(name: str) -> bool:
    """Whether one of our service names (a match key) names a benefit paid."""
    return _BENEFITS.search(name) is not None


def benefit_terms(entries, keys: dict[str, str], home: set[str]) -> frozenset:
    """(term, name) for each benefit an entry names (title or keyword) and each other agency's term
    that the same entry names too: a 區公所's 國民年金保費補助 asked as 「國保保費補助」 is its own."""
    pairs = set()
    for e in entries:
        names = [keys[n] for n in (e.title, *e.keywords)]
        if is_benefit("\n".join(names)):  # (most entries name none: one search each)
            said = "\n".join(map(keys.__getitem__, (e.title, *e.questions, *e.keywords)))
            pairs.update((t, k) for k in names if len(k) >= 3 and is_benefit(k) for t in home if t in said)
    return frozenset(pairs)


def within(term: str, names: set[str], key: str, ours: frozenset = frozenset()) -> bool:
    """Whether every one of our service names in a question contains the other agency's term, is
    part of it or is a benefit it qualifies: 「健保卡」 alone is the other's; with 「榮民證」 beside it, a
    detail of ours; 「公保的眷屬喪葬津貼」 is the other's 喪葬津貼, unless `ours` (benefit_terms) has it."""
    term = match_key(term)
    return all(term in name or name in term or is_benefit(name) and (term, name) not in ours
               and re.search(re.escape(term) + _QUALIFIED + re.escape(name), key) for name in names)
