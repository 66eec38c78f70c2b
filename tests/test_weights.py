"""Term weighting by everyday-Chinese frequency, neighbouring agencies, typed choices and mentions."""

from types import SimpleNamespace

import pytest

from bot.core import index, practical
from bot.core.answerer import Answerer
from bot.core.intents import typed_choice
from bot.core.knowledge import parse_agency
from bot.core.neighbours import terms_in
from bot.core.text import match_key
from bot.core.weights import specificity
from conftest import DATA
from handlers import without_mentions

DEMO_TEXT = (DATA / "demo-office.yaml").read_text(encoding="utf-8")
# Not an example question of any entry: a father's service history around the one domain word.
CONTEXT = "我爸爸當了二十幾年的職業軍人，退伍很久了，最近才聽鄰居說可以辦榮民證，他人在桃園，要帶他去哪裡辦？"


def spec(word: str) -> float:
    return specificity(match_key(word))


@pytest.mark.parametrize("everyday", ["我", "想", "要", "現在", "一個", "幫他", "去哪"])
def test_everyday_words_weigh_little(everyday):
    assert spec(everyday) < 0.2


@pytest.mark.parametrize("domain", ["榮民", "送餐", "護照", "退伍", "信箱", "役男"])
def test_domain_words_weigh_fully_or_nearly(domain):
    assert spec(domain) > 0.8


def test_weights_are_ordered_by_everyday_frequency():
    assert spec("我") <= spec("現在") < spec("請問") < spec("護照") <= spec("榮民")
    assert specificity("abc") == 1.0 and specificity("7") == 1.0  # Latin words and digits


@pytest.mark.parametrize("question, entry", [
    (CONTEXT, "veteran-id-card"),
    ("我阿公一個人住，腳不好出門買飯很麻煩，你們有沒有幫忙送便當？", "meal-delivery"),
])
def test_a_long_contextual_question_is_answered_from_its_entry(desk, question, entry):
    got = desk.ask("taoyuan-vac", question)
    assert (got.outcome, got.entry_id) == ("answer", entry)


def test_without_the_weighting_the_context_dilutes_the_domain_word(agencies, monkeypatch):
    weighted = Answerer(agencies["taoyuan-vac"]).ask(CONTEXT).candidates[0]
    # Every term weighing as much as in the office's own idf: the padding (以前、很多年、好久、現在)
    # counts as much as 榮民證, and the right entry explains far less of the question.
    monkeypatch.setattr(index, "specificity", lambda term: 1.0)
    monkeypatch.setattr(index, "UNSEEN_SHARE", 1.0)
    flat = Answerer(agencies["taoyuan-vac"]).ask(CONTEXT).candidates[0]
    assert weighted.entry.id == flat.entry.id == "veteran-id-card"
    assert weighted.coverage > flat.coverage + 0.15


def test_another_agencys_document_is_never_mapped_to_a_programme():
    got = Answerer(parse_agency(DEMO_TEXT, "demo-office.yaml")).ask("我的護照過期了，要去哪裡換新的？")
    assert got.outcome == "fallback" and got.entry_id is None
    assert "外交部領事事務局" in got.text and "處長信箱" in got.text


@pytest.mark.parametrize("agency, question, whose", [
    ("fengshan-household", "要出國工作要良民證，是去戶政事務所申請嗎", "警察局"),
    ("taoyuan-vac", "我媽是榮民遺孀沒有工作，國民年金的繳費單一直寄來，她一定要繳嗎", "勞保局"),
    ("fengshan-household", "爸爸欠很多債，我們想辦拋棄繼承，要去戶政所辦還是去法院", "法院"),
    ("sanmin-district", "我爸退伍很久了，榮服處在哪裡", "榮民服務處"),
    ("sanmin-district", "我下個月要請育嬰假，育嬰留職停薪津貼要去哪裡申請", "勞保局"),
    ("sanmin-district", "朋友欠錢不還，聽說可以聲請支付命令，要去哪裡辦", "法院"),
    # What the citizen compares it with is not what they ask about:
    ("fengshan-household", "開公司要用的工商憑證，是不是跟自然人憑證一樣到戶政所辦", "工商憑證管理中心"),
    ("sanmin-district", "育嬰留職停薪津貼是不是和育兒津貼一樣來公所申請", "勞保局"),
    # Our service is only the context when the clause that asks where or how names the other's:
    ("fengshan-household", "小孩出生登記辦好了，接下來育嬰留職停薪要去哪裡申請？", "勞保局"),
    ("sanmin-district", "我媽中風後行動不便，低收入戶已經在辦了，外籍看護要怎麼申請", "勞動力發展署"),
    # A document the office only accepts is still issued elsewhere:
    ("kaohsiung-military-service", "醫生說我兒子可以申請重大傷病卡，重大傷病證明要去哪裡辦", "健保署"),
    ("fengshan-household", "媽媽失智了，監護宣告要怎麼申請", "法院"),
    ("taoyuan-vac", "我爸是榮民，想學在網路上申請東西，聽說要先有自然人憑證，要去哪裡辦", "戶政事務所"),
    ("kaohsiung-military-service", "申請生活扶助要附財產總歸戶清單，財產總歸戶清單要去哪裡申請", "國稅局"),
    ("taoyuan-vac", "我爸以前是國民兵，國民兵證書搬家不見了，要補發是找榮服處嗎", "公所"),
    ("fengshan-household", "我是退伍的老榮民，榮民證掉了，可以跟身分證一樣去戶政所補發嗎", "榮民服務處"),
    ("sanmin-district", "颱風把房子弄壞了，聽說有受災住宅重建重購的貸款利息補貼，是在區公所申請嗎", "國土管理署"),
    ("fengshan-household", "我開了一間小吃店有辦商業登記，店的負責人地址也要去改嗎", "商業"),
    ("pingtung-vac", "我爸是榮民，昨天在家裡過世，死亡登記要去哪裡辦？可以在榮服處一起辦嗎？", "戶政事務所"),
    ("fengshan-household", "現在的老公收養女兒以後，前夫還想固定見女兒，這種探視的約定要去哪裡談", "法院"),
    ("taoyuan-vac", "辦我爸的喪葬補助要附除戶謄本，這個除戶謄本要去哪裡申請", "戶政事務所"),
    ("fengshan-household", "女兒養不起寶寶，想給好人家收養，是去戶政所登記出養嗎？要找誰幫忙", "社會局"),
    ("kaohsiung-military-service", "兒子出國核准了，想走機場的自動通關，要先去哪裡註冊", "移民署"),
    ("sanmin-district", "我弟被人拿刀砍成重傷，對方沒錢賠，聽說有犯罪被害補償金，是去區公所申請嗎", "檢察署"),
    ("sanmin-district", "被汽車撞了對方開走找不到人，聽說有補償基金可以申請醫藥費，要去哪裡辦", "特別補償基金"),
    ("fengshan-household", "代書說辦繼承要調日據時代的土地台帳，這個是去戶政所申請嗎", "地政事務所"),
    ("taoyuan-vac", "我公公是退伍上校，婆婆先過世了，可以先放進國軍示範公墓的忠靈殿嗎", "後備指揮部"),
    ("kaohsiung-military-service", "兒子在國外讀完大學回來想考公務員，國外學歷要去哪裡辦採認", "教育部"),
    ("sanmin-district", "這個月電費太多繳不出來，台電的電費可以分期嗎，要去哪裡辦", "台灣電力公司"),
    ("fengshan-household", "我是老師，爸爸過世了，公保的眷屬喪葬津貼要怎麼請", "公保"),
    ("sanmin-district", "家裡有舊沙發要丟，大型家具要怎麼預約清運", "清潔隊"),
    ("kaohsiung-military-service", "阿公留下來的日式老房子被列為歷史建築，要修房子可以申請補助嗎", "文化局"),
    ("fengshan-household", "我媽過世了，想知道她名下有哪些股票，辦除戶的時候可以一起查嗎", "集保"),
    ("fengshan-household", "我們夫妻想當寄養家庭，照顧不能跟爸媽住的小孩，是先去戶政所登記嗎", "社會局"),
    ("sanmin-district", "調解沒談成，我想自己告小額訴訟，起訴狀可以請公所幫我寫嗎", "法院"),
    ("sanmin-district", "銀行辦貸款要附房子的建物謄本，這個是去公所申請嗎", "地政事務所"),
    ("pingtung-vac", "我是現役志願役，我爸是榮民過世了，軍保的眷屬喪葬津貼要去哪裡申請", "軍人保險"),
    # Asking who can do it for them is asking where: the home visit is for the office's own documents.
    ("fengshan-household", "阿公中風出不了門，護照也過期了，可以請人到家裡幫他辦護照嗎", "外交部"),
    # 「這張」 points back at the paper to attach, whatever it is attached to (here our own service) …
    ("kaohsiung-military-service", "申請家屬生活扶助要附財產總歸戶清單，這張要去哪裡申請", "國稅局"),
    ("kaohsiung-military-service", "兒子出國打工度假要附良民證，這張證明是兵役處開的嗎", "警察局"),
    # … another agency's insurance names its own version of a service we also have …
    ("sanmin-district", "我媽過世了，勞保的喪葬補助要去哪裡申請", "勞保局"),
    ("pingtung-vac", "農保的喪葬補助要去哪裡申請", "勞保局"),
    # … a word of ours inside the other's term is no service of ours (DNA is a keyword of 認領) …
    ("fengshan-household", "認領小孩要附DNA鑑定，DNA鑑定是在戶政所做嗎", "親子鑑定"),
    # … and a clause that asks whether this office does it asks about what the clause before named.
    ("fengshan-household", "房子的權狀不見了，補發是在戶政所辦嗎", "地政事務所"),
    ("fengshan-household", "房東不讓我遷戶籍，租屋補助要去哪裡申請", "國土管理署"),
])
def test_neighbouring_agencies_of_real_questions(desk, agency, question, whose):
    got = desk.ask(agency, question)
    assert got.outcome == "fallback" and whose in got.text, got.text


@pytest.mark.parametrize("text, terms", [
    ("我已經沒有投保單位了，要去哪裡轉入", set()),  # 投保單位 holds 保單, an insurer's policy
    ("文件可以用掛號寄過去嗎", set()),  # registered mail, not a hospital's 掛號
    ("榮總要怎麼網路掛號", {"掛號"}),
    ("家裡好幾張保單要改要保人", {"保單", "要保人"}),
    ("他想再申請一台電動輪椅", set()),  # a wheelchair, not 台電
])
def test_a_longer_word_holding_a_term_is_not_that_term(text, terms):
    assert terms_in(match_key(text)) == set(map(match_key, terms))


@pytest.mark.parametrize("agency, question, entry", [
    ("taoyuan-vac", "我爸要辦榮民證，要帶退伍令嗎？去哪裡辦", "veteran-id-card"),
    ("kaohsiung-military-service", "兒子有重大傷病證明，要怎麼申請免役", "disability-exemption"),
    ("fengshan-household", "法院監護宣告下來了，要怎麼去戶政所登記", "guardianship-registration"),
    # An office's own kind of business is never another agency's (a 區公所 is the 戶籍地公所):
    ("sanmin-district", "身心障礙鑑定要先去哪裡", "disability-certificate"),
    # A longer word that holds a neighbour's term is not that term (身分證明 is no 身分證 of 戶政):
    ("kaohsiung-military-service", "役政用的華僑身分證明書去哪裡申請", "dual-nationality"),
    # A document to bring is a detail of the service asked about, even in the clause that asks where:
    ("pingtung-vac", "我爸的榮民證是舊的紙本，要換新的卡，要帶身分證跟照片去哪裡換", "veteran-card-renew-lost"),
    # What the veteran already receives elsewhere is context: the 假牙 subsidy is asked about.
    ("taoyuan-vac", "我爸有領中低收入老人生活津貼，輔導會裝假牙的補助他也能申請嗎", "dental-subsidy"),
])
def test_another_agencys_document_as_a_detail_of_our_service_is_answered(desk, agency, question, entry):
    got = desk.ask(agency, question)
    assert got.outcome == "answer" and got.entry_id == entry, got.text


def test_a_document_the_office_handles_is_not_sent_elsewhere():
    # Handled: a title names it. Only mentioned (a keyword): a clause asking where is the other's.
    handles = DEMO_TEXT.replace("title: 榮民證申辦", "title: 榮民證、護照申辦")
    got = Answerer(parse_agency(handles, "demo-office.yaml")).ask("護照要去哪裡辦")
    assert "外交部" not in got.text
    mentions = DEMO_TEXT.replace("keywords: [榮民證, 卡式榮民證]", "keywords: [榮民證, 卡式榮民證, 護照]")
    assert "外交部" in Answerer(parse_agency(mentions, "demo-office.yaml")).ask("護照要去哪裡辦").text


def test_choices_must_share_a_domain_word_with_the_question():
    got = Answerer(parse_agency(DEMO_TEXT, "demo-office.yaml")).ask("我阿嬤想裝假牙，可以去哪裡辦")
    assert got.outcome == "fallback" and got.choices == ()


@pytest.mark.parametrize("typed, number", [
    ("1", 1), ("１", 1), ("第一個", 1), ("一", 1), ("選2", 2), ("2號", 2), ("第3項", 3), ("三", 3),
    ("第一個問題", None), ("一個人", None), ("12345", None), ("榮民證", None),
])
def test_typed_choices(typed, number):
    assert typed_choice(typed) == number


@pytest.mark.parametrize("bare", ["5", "５", "第一個", "三", "5分"])
def test_a_bare_number_is_never_answered_from_an_entry(bare):
    got = Answerer(parse_agency(DEMO_TEXT, "demo-office.yaml")).ask(bare)
    assert got.outcome == "fallback" and got.entry_id is None and "號碼" in got.text


def mention(index_, length):
    return SimpleNamespace(index=index_, length=length, is_self=True)


def test_mentions_are_cut_by_index_and_length():
    assert without_mentions("@桃園榮服處小幫手 處長信箱幾天會回？", [mention(0, 9)]) == "處長信箱幾天會回？"
    assert without_mentions("請問 @小幫手 信箱 @阿明", [mention(3, 4), mention(11, 3)]) == "請問   信箱"


def test_mention_offsets_count_utf16_units_like_line():
    # 😀 is two UTF-16 units: the mention after it starts at unit 2, not character 1.
    assert without_mentions("😀@小幫手 信箱", [mention(2, 4)]) == "😀  信箱"


def test_mention_offsets_out_of_range_are_ignored():
    assert without_mentions("處長信箱", [mention(10, 4), mention(-1, 2)]) == "處長信箱"


def test_mention_offsets_counted_in_characters_are_understood_too():
    # The same message with the offset in characters (1, not 2): the "@" tells which count was used.
    assert without_mentions("😀@小幫手 信箱", [mention(1, 4)]) == "😀  信箱"


def test_another_areas_office_is_found_at_any_mention_of_its_place(desk):
    got = desk.ask("pingtung-vac", "我戶籍在基隆，人也住基隆，基隆榮服處電話幾號")
    assert got.outcome == "fallback" and "基隆" in got.text, got.text


@pytest.mark.parametrize("agency, question, township", [
    ("sanmin-district", "蘇澳鎮公所的颱風淹水補助申請到哪一天", "蘇澳鎮"),
    ("kaohsiung-military-service", "我戶籍在萬丹鄉公所那邊，兵役課在哪", "萬丹鄉"),
])
def test_a_township_office_is_another_areas_for_a_city_of_districts(desk, agency, question, township):
    got = desk.ask(agency, question)
    assert got.outcome == "fallback" and township in got.text, got.text


def test_a_township_office_is_not_another_areas_where_townships_are_home(desk):
    # 屏東 has 鄉 and 鎮: 「鄉公所叫我來」 is the citizen's context, not another office asked about.
    got = desk.ask("pingtung-vac", "我家在萬丹鄉公所旁邊，我爸的榮民證不見了要怎麼補辦")
    assert got.entry_id == "veteran-card-renew-lost", got.text


def test_the_clause_that_asks_turns_a_which_item_into_the_answer(desk):
    question = "隔壁鄰居半夜一直敲敲打打，講都講不聽，調解要怎麼申請"
    got = desk.ask("sanmin-district", question)
    assert got.outcome == "answer" and got.entry_id == "mediation", (got.outcome, got.entry_id)
    # The same words without the citizen's pauses are one clause: the context weighs on it.
    assert desk.ask("sanmin-district", question.replace("，", "")).outcome != "answer"


def test_no_clause_answers_for_a_message_that_names_another_office(desk):
    got = desk.ask("kaohsiung-military-service", "台北市兵役局的電話幾號？我兒子戶籍在台北，人在高雄")
    assert got.outcome != "answer", got.entry_id


def test_no_which_item_when_half_the_specific_words_are_nobodys_here(desk):
    # 軍人、退伍 are a 榮服處's words; 高鐵 and 打折 are no entry's: choices would only mislead.
    got = desk.ask("taoyuan-vac", "軍人搭高鐵有沒有打折 退伍的也可以嗎")
    assert got.outcome == "fallback", (got.outcome, [e.id for e in got.choices])


@pytest.mark.parametrize("question", [
    "我們結婚想約定夫妻分別財產制，這個要在戶政所登記嗎",  # 法院's 登記處
    "公司要我證明去年哪幾天在國外，這種出入境的紀錄是去戶政所申請嗎",  # 移民署
])
def test_no_which_item_when_a_third_of_the_specific_words_are_nobodys_here(desk, question):
    # 戶政所、登記 are the office's words; 財產制 or 出入境紀錄 is no entry's.
    got = desk.ask("fengshan-household", question)
    assert got.outcome == "fallback", (got.outcome, [e.id for e in got.choices])


def test_a_district_office_sends_citizens_registered_elsewhere_to_their_own_district(desk):
    got = desk.ask("sanmin-district", "我戶籍在楠梓，想申請低收入戶，可以在三民區公所送件嗎")
    assert got.outcome == "fallback" and "楠梓" in got.text, got.text
    # Someone in the question lives in the office's own district: the question is the office's.
    got = desk.ask("sanmin-district", "我住三民區，跟我借錢不還的朋友住左營，調解要去哪裡申請")
    assert got.entry_id == "mediation", got.text
    # A renter here whose 戶籍 is elsewhere asks about the flood where he lives.
    got = desk.ask("sanmin-district", "我在三民區租房子，戶籍還在台南老家，這次颱風淹水可以申請救助嗎")
    assert got.entry_id == "disaster-relief", got.text
    # A household office serves anyone, wherever they are registered.
    got = desk.ask("fengshan-household", "我戶籍在苓雅區，身分證掉了可以在鳳山戶政補辦嗎")
    assert got.entry_id == "id-card-lost", got.text


def test_a_city_bureau_sends_citizens_registered_in_another_city_to_theirs(desk):
    got = desk.ask("kaohsiung-military-service", "我們戶籍在台中大里，兒子收到兵單後體重掉很多，要重測身高體重要找誰")
    assert got.outcome == "fallback" and "臺中" in got.text, got.text
    # Every district of its own city is the bureau's (its name gives none of its own).
    got = desk.ask("kaohsiung-military-service", "兒子戶籍在鳳山，第一次要去做兵役體檢，是去哪一間醫院？要自己先掛號嗎")
    assert got.outcome == "answer", got.text
    # Registered elsewhere but here: the exam may be taken in 高雄 (代檢).
    got = desk.ask("kaohsiung-military-service", "兒子戶籍在台北，人在高雄讀書，可以在高雄代檢嗎")
    assert got.outcome == "answer", got.text


def test_another_citys_office_is_not_ours_because_the_citizen_is_here():
    # 高雄 as where the son is does not make 台北's 兵役局 this office; 高雄's own office named would.
    from bot.core.places import foreign_place
    from bot.core.text import match_key

    home = {match_key("高雄")}
    assert foreign_place(match_key("台北市兵役局的電話幾號？我兒子戶籍在台北，人在高雄"), home) == "臺北"
    assert foreign_place(match_key("台北市兵役局說要我來高雄市兵役處辦，要帶什麼"), home) is None
    # 「台南市社會局」「去台中哪裡辦」 name that place's office as surely as 「台中市兵役局」 does.
    assert foreign_place(match_key("身障證明掉了，可以直接在台南市社會局補發嗎"), home) == "臺南"
    assert foreign_place(match_key("兒子要重測身高體重是去台中哪裡辦"), home) == "臺中"
    # Another place's shrine or cemetery is its government's.
    assert foreign_place(match_key("我伯公的骨灰放在花蓮吉安的軍人忠靈祠，可以上網查櫃位嗎"), home) == "花蓮"
    assert foreign_place(match_key("我兒子在花蓮當兵，可以申請忠靈祠安厝嗎"), home) is None


@pytest.mark.parametrize("question", [
    "我戶籍在台東，原住民身分登記一定要回台東的戶政所辦嗎",
    "我戶籍在台東，一定要回台東的戶政事務所辦身分證嗎",
    # or whether another area's office may do it (全國跨區通辦)
    "我住台中，先生戶籍在鳳山，結婚後要遷到鳳山，可以在台中的戶政所一起辦結婚登記跟遷戶籍嗎",
])
def test_a_household_office_answers_whether_to_go_back_to_another_areas_office(desk, question):
    # 戶政 serves anyone anywhere: 「一定要回…辦嗎」 is its own question, not another area's business.
    assert desk.ask("fengshan-household", question).outcome == "answer"
    assert desk.ask("fengshan-household", "台中的戶政事務所電話幾號").outcome == "fallback"


def test_another_districts_office_named_is_not_a_question_about_our_hours(desk):
    # 「趁午休」 is an hours word, but the citizen means to go to 苓雅's office: 報戶口 is what is asked.
    question = "戶籍在鳳山，上班在苓雅，寶寶出生了想趁午休直接去苓雅的戶政所報戶口，不一定要回鳳山辦吧"
    assert desk.ask("fengshan-household", question).entry_id == "birth-registration"
    # Our own office and its hours: still the office fact.
    assert desk.ask("fengshan-household", "鳳山戶政所中午有休息嗎").entry_id in practical.IDS


def test_an_area_moved_from_is_not_where_the_citizen_is_registered(desk):
    # 「從左營遷來三民區」: 左營 is where the registration came from; 三民區 is where it is now.
    got = desk.ask("sanmin-district", "我爸剛把戶籍從左營遷來三民區，他的身心障礙證明背面地址要去改嗎")
    assert got.entry_id == "disability-certificate", got.text
    assert desk.ask("sanmin-district", "我爸戶籍在左營，他的身心障礙證明背面地址要去改嗎").entry_id is None


def test_a_citys_own_district_office_is_context_to_the_citys_office(desk):
    # 「三民區公所寄來的通知書」 to 高雄市政府兵役處: the district office is where the letter came from
    # (and 「三民區，公所」 reads as one name once the comma is gone).
    got = desk.ask("kaohsiung-military-service", "我們住三民區，公所寄來兒子的徵兵檢查通知書，他第一次體檢，當天要帶什麼東西去？")
    assert got.entry_id == "conscription-exam", got.text
    # That office's own address or phone is still not ours to give, nor another city's district office.
    assert desk.ask("kaohsiung-military-service", "三民區公所的電話幾號").entry_id is None
    assert desk.ask("kaohsiung-military-service", "中壢區公所寄來兒子的徵兵檢查通知書，要帶什麼去").entry_id is None


def test_where_the_citizen_used_to_live_is_not_where_they_are(desk):
    # 「我以前住桃園」 is history; the question is about 高雄. Living there now is still another area's.
    got = desk.ask("sanmin-district", "我以前住桃園，那邊生育津貼可以在區公所社會課代收，高雄也可以直接拿去三民區公所送嗎？")
    assert got.entry_id == "birth-subsidy", got.text
    assert desk.ask("sanmin-district", "我住桃園，生育津貼可以拿去三民區公所送嗎？").entry_id is None


def test_a_where_clause_asks_about_what_the_clause_before_it_names(desk):
    # 「要去哪裡辦」 alone names nothing: it asks where to do what the citizen just said, here 健保's.
    got = desk.ask("kaohsiung-military-service", "兒子要出國念研究所兩年，他的健保要不要先停保？要去哪裡辦")
    assert got.outcome == "fallback" and "健保署" in got.text, got.text
    # A document brought along or a duty avoided is a detail of our own service, not what is asked.
    assert desk.ask("kaohsiung-military-service", "兒子有辦緩徵要出國玩，我們不會網路申請，可以拿護照去臨櫃辦嗎？要去哪裡辦").outcome != "fallback"
    got = desk.ask("sanmin-district", "聽說負擔家計的後備軍人可以申請緩召，不用去教召，這個要去哪裡申請？")
    assert got.entry_id == "reservist-deferment", got.text


@pytest.mark.parametrize("office, question, elsewhere", [
    # 「這個也是在戶政所申請嗎」 asks about the 育兒津貼 just named: 社會局's, not a household office's …
    ("fengshan-household", "寶寶出生登記辦好了，聽說還有每個月的育兒津貼，這個也是在戶政所申請嗎", "社會局"),
    # … but when the clause before names this office's part (「要請戶政幫我補上」), 「這個」 is that part.
    ("fengshan-household", "我出國超過兩年戶籍一直沒辦遷出，健保那邊說要請戶政幫我補上出入境的紀錄才能退保，這個是在戶政所辦嗎", None),
    # 「是在戶政所辦嗎」 asks who handles the 公證 as surely as 「要去哪裡辦」 does; our own service stays ours.
    ("fengshan-household", "房東答應讓我遷戶口了，戶政所說租約要經過法院公證才能自己立一戶，那租約公證是在戶政所辦嗎？要多少錢", "法院"),
    ("pingtung-vac", "我爸退伍很多年了，榮民證是在屏東榮服處辦嗎", None),
    # 「要怎麼重新加保」 asks how to do 健保's business; 「退伍令不見了怎麼辦」 only what to do now.
    ("fengshan-household", "兒子在國外讀書戶籍被遷出，戶政所已經幫他恢復戶籍了，他的健保要怎麼重新加保？", "健保署"),
    ("pingtung-vac", "我爸民國五十幾年就退伍了，一直沒辦榮民證，現在想辦，要帶什麼去？退伍令早就不見了怎麼辦", None),
    # A hospital's or a bank's business.
    ("pingtung-vac", "我爸是榮民，上個月在醫院開刀住院，保險公司要我們交病歷影本才能理賠，屏東榮服處可以幫忙調病歷嗎", "醫院"),
    ("pingtung-vac", "我爸把郵局的提款卡弄丟了，可以在屏東榮服處補辦提款卡嗎", "郵局"),
    ("kaohsiung-military-service", "我想跟監察委員陳情，要去哪裡登記", "監察院"),
    # A relative registered elsewhere is served there however near the citizen lives; the citizen's
    # own registration is read as before (living here makes a renter's 災害救助 ours).
    ("sanmin-district", "我媽戶籍在台北市中山區，想幫她申請低收入戶，我住三民區，可以在三民區公所幫她辦嗎", "臺北"),
    ("sanmin-district", "我在三民區租房子，戶籍在台南，這次颱風家裡淹水可以申請災害救助嗎", None),
])
def test_whose_business_a_question_is(desk, office, question, elsewhere):
    got = desk.ask(office, question)
    if elsewhere:
        assert got.outcome == "fallback" and elsewhere in got.text, got.text
    else:
        assert got.outcome == "answer", got.text
