"""richmenu create: the drawn image and its buttons, and the upload through the CLI against the fake LINE API."""

import dataclasses
import io
import json

import pytest
from PIL import Image

from bot.core.intents import intent
from bot.core.knowledge import load_dir
from bot.line.richmenu import action, menu_request
from bot.richmenu import drawing, layout
from bot.settings import Settings
from conftest import DATA, run_cli
from handlers import postback
from handlers.render import topic_item

TOKEN = "test-token"
MAIN_CALLS = ["/v2/bot/richmenu/validate", "/v2/bot/richmenu", "/v2/bot/richmenu/{id}/content",
              "/v2/bot/user/all/richmenu/{id}"]


def _env(fake, **extra) -> dict:
    """The server's LINE variables with both LINE hosts pointing at the fake."""
    return {"LINE_CHANNEL_SECRET": "secret", "LINE_CHANNEL_ACCESS_TOKEN": TOKEN, "LINE_API_BASE_URL": fake.url,
            "LINE_API_DATA_BASE_URL": fake.url, "LINE_API_TIMEOUT": "2", **extra}


def _png_size(data: bytes) -> tuple[int, int]:
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG"
    return image.size


def _demo_office():
    """The small test office (two main topics)."""
    loaded, problems = load_dir(DATA, only="demo-office")
    assert problems == []
    return loaded["demo-office"]


def _check_areas(areas: list[dict], agency, width: int, height: int) -> None:
    """Buttons inside the image, not overlapping, covering it, each answering one main topic in order."""
    boxes = [(a["bounds"]["x"], a["bounds"]["y"], a["bounds"]["width"], a["bounds"]["height"]) for a in areas]
    for x, y, w, h in boxes:
        assert x >= 0 and y >= 0 and w > 0 and h > 0 and x + w <= width and y + h <= height
    for i, (x, y, w, h) in enumerate(boxes):
        for x2, y2, w2, h2 in boxes[i + 1:]:
            assert x + w <= x2 or x2 + w2 <= x or y + h <= y2 or y2 + h2 <= y, "buttons overlap"
    assert sum(w * h for *_, w, h in boxes) == width * height  # no dead strip
    wanted = [e for e in map(agency.entry, agency.main_topics) if e][:4]
    assert len(areas) == len(wanted) + 2
    for area, entry in zip(areas, wanted):
        action = area["action"]
        data = postback.decode(action["data"])
        assert (data.action, data.entry_id) == ("ans", entry.id)
        assert action["type"] == "postback" and action["displayText"] == entry.title
        assert 0 < len(action["label"]) <= 20
    assert [a["action"] for a in areas[-2:]] == [{"type": "message", "label": t, "text": t}
                                                 for t in ("我要反映意見", "滿意度調查")]
    assert [intent(a["action"]["text"]) for a in areas[-2:]] == ["opinion", "survey"]


def test_create_uploads_the_menu_in_order_with_the_token(fake_line, agencies):
    got = run_cli("richmenu", "create", "--agency", "taoyuan-vac", env=_env(fake_line))
    assert got.returncode == 0, got.stderr
    menu_id = got.stdout.strip()
    assert menu_id.startswith("richmenu-")
    paths = [c.path for c in fake_line.calls]
    assert paths == [p.format(id=menu_id) for p in MAIN_CALLS]
    assert all(c.method == "POST" and c.authorization == f"Bearer {TOKEN}" for c in fake_line.calls)
    validated, created = fake_line.requests[0][1], fake_line.requests[1][1]
    assert validated == created and created["chatBarText"] == "服務選單"
    assert created["size"] == {"width": 2500, "height": 1686}
    _check_areas(created["areas"], agencies["taoyuan-vac"], 2500, 1686)
    upload = fake_line.calls[2]
    assert upload.content_type == "image/png"
    assert _png_size(upload.body) == (2500, 1686)
    assert len(upload.body) <= 1024 * 1024  # LINE's limit for a rich menu image


def test_office_token_and_compact_size_without_setting_the_default(fake_line, agencies):
    env = _env(fake_line, LINE_CHANNEL_SECRET_SANMIN_DISTRICT="own-secret",
               LINE_CHANNEL_ACCESS_TOKEN_SANMIN_DISTRICT="own-token")
    got = run_cli("richmenu", "create", "--agency", "sanmin-district", "--size", "compact", "--no-default", env=env)
    assert got.returncode == 0, got.stderr
    assert [c.path for c in fake_line.calls] == [p.format(id=got.stdout.strip()) for p in MAIN_CALLS[:3]]
    assert {c.authorization for c in fake_line.calls} == {"Bearer own-token"}
    assert _png_size(fake_line.calls[2].body) == (2500, 843)
    _check_areas(fake_line.requests[1][1]["areas"], agencies["sanmin-district"], 2500, 843)


@pytest.mark.parametrize("status", [500, 401])
def test_an_api_error_is_a_message_with_the_status(fake_line, status):
    fake_line.status = status
    got = run_cli("richmenu", "create", "--agency", "taoyuan-vac", env=_env(fake_line))
    assert got.returncode == 1 and got.stdout == ""
    assert f"HTTP {status}" in got.stderr and "檢查選單" in got.stderr and "Traceback" not in got.stderr
    assert ("access token" in got.stderr) == (status == 401)
    assert [c.path for c in fake_line.calls] == [MAIN_CALLS[0]]  # nothing created after a failed check


def test_a_failed_image_upload_deletes_the_imageless_menu(fake_line):
    fake_line.path_status = {"/content": 500}
    got = run_cli("richmenu", "create", "--agency", "taoyuan-vac", env=_env(fake_line))
    assert got.returncode == 1 and "上傳圖片失敗" in got.stderr and "HTTP 500" in got.stderr
    created = fake_line.calls[1]
    menu_id = "richmenu-" + f"{1:032x}"
    assert created.path == "/v2/bot/richmenu"
    assert [(c.method, c.path) for c in fake_line.calls[2:]] == [
        ("POST", f"/v2/bot/richmenu/{menu_id}/content"), ("DELETE", f"/v2/bot/richmenu/{menu_id}")]


def test_a_failed_default_keeps_the_finished_menu_and_names_it(fake_line):
    fake_line.path_status = {"/user/all/richmenu/": 500}
    got = run_cli("richmenu", "create", "--agency", "taoyuan-vac", env=_env(fake_line))
    menu_id = "richmenu-" + f"{1:032x}"
    assert got.returncode == 1 and "設為預設選單失敗" in got.stderr and menu_id in got.stderr
    assert [c.method for c in fake_line.calls] == ["POST"] * 4  # nothing deleted: it has its image


def test_an_unreachable_line_api_is_a_message(fake_line):
    fake_line.close()  # nothing listens on its port any more
    got = run_cli("richmenu", "create", "--agency", "taoyuan-vac", env=_env(fake_line))
    assert got.returncode == 1 and "無法連線" in got.stderr and "Traceback" not in got.stderr


def test_a_hung_line_api_times_out(fake_line):
    fake_line.delay = 2
    got = run_cli("richmenu", "create", "--agency", "taoyuan-vac", env=_env(fake_line, LINE_API_TIMEOUT="0.3"))
    assert got.returncode == 1 and "逾時" in got.stderr and "Traceback" not in got.stderr


def test_a_missing_token_is_a_clear_error_before_any_call(fake_line, tmp_path):
    env = _env(fake_line, LINE_CHANNEL_ACCESS_TOKEN="")
    got = run_cli("richmenu", "create", "--agency", "taoyuan-vac", "--output", str(tmp_path / "m.png"), env=env)
    assert got.returncode == 1 and "LINE_CHANNEL_ACCESS_TOKEN" in got.stderr and "Traceback" not in got.stderr
    assert fake_line.calls == [] and not (tmp_path / "m.png").exists()


def test_dry_run_writes_the_image_and_prints_the_menu_without_calling_line(fake_line, tmp_path, agencies):
    out = tmp_path / "menu.png"
    env = _env(fake_line, LINE_CHANNEL_ACCESS_TOKEN="")  # a preview needs no credentials
    got = run_cli("richmenu", "create", "--agency", "pingtung-vac", "--dry-run", "--output", str(out), env=env)
    assert got.returncode == 0, got.stderr
    assert _png_size(out.read_bytes()) == (2500, 1686)
    menu = json.loads(got.stdout)
    _check_areas(menu["areas"], agencies["pingtung-vac"], 2500, 1686)
    assert fake_line.calls == []


def test_missing_font_names_the_variable_and_the_package(tmp_path):
    got = run_cli("richmenu", "create", "--agency", "taoyuan-vac", "--dry-run",
                  env={"RICHMENU_FONT": str(tmp_path / "none.ttf")})
    assert got.returncode == 1 and "Traceback" not in got.stderr
    assert "RICHMENU_FONT" in got.stderr and "fonts-noto-cjk" in got.stderr
    with pytest.raises(layout.RichMenuError, match="fonts-noto-cjk"):
        drawing.find_font({}, paths=(), use_fc_match=False)
    not_a_font = tmp_path / "bad.ttf"
    not_a_font.write_text("not a font")
    with pytest.raises(layout.RichMenuError, match="RICHMENU_FONT"):
        drawing.draw(layout.layout(_demo_office()), font_path=str(not_a_font))


@pytest.mark.parametrize("n, rows", [(1, [3]), (2, [2, 2]), (3, [3, 2]), (4, [3, 3]), (6, [3, 3])])
def test_few_topics_fill_the_grid(agencies, n, rows):  # n topics plus the two fixed buttons
    agency = dataclasses.replace(agencies["taoyuan-vac"], main_topics=agencies["taoyuan-vac"].main_topics[:n])
    areas = layout.layout(agency)
    assert [sum(1 for a in areas if a.y == y) for y in sorted({a.y for a in areas})] == rows
    menu = menu_request(agency, areas).to_dict()
    _check_areas(menu["areas"], agency, 2500, 1686)


def test_a_topic_button_sends_what_the_quick_reply_for_it_sends(agencies):
    areas = layout.layout(agencies["taoyuan-vac"])
    topics = [a for a in areas if a.entry]
    assert topics and all(action(a) == topic_item(a.entry)["action"] for a in topics)


def test_an_office_without_main_topics_is_refused():
    office = dataclasses.replace(_demo_office(), main_topics=())
    with pytest.raises(layout.RichMenuError, match="main_topics"):
        layout.layout(office)
    areas = layout.layout(_demo_office())  # two topics and the two fixed buttons: 2 + 2
    assert [(a.width, a.height) for a in areas] == [(1250, 843)] * 4


def test_the_image_is_drawn_with_readable_labels(agencies):
    agency = agencies["pingtung-vac"]  # the longest titles (14 characters)
    areas = layout.layout(agency)
    png = drawing.draw(areas)
    image = Image.open(io.BytesIO(png)).convert("RGB")
    assert image.size == (2500, 1686)
    size = drawing.font_size(areas, drawing.find_font())
    assert size >= 90  # about 14 pt on a phone: large enough for elderly readers
    for area in areas:  # each button has white text on its dark colour
        crop = image.crop((area.x, area.y, area.x + area.width, area.y + area.height))
        colours = {c for _, c in crop.getcolors(maxcolors=1 << 16)}
        assert (255, 255, 255) in colours and len(colours) > 3


def test_long_titles_wrap_to_two_lines_at_natural_places():
    width = len  # one unit per character
    assert drawing.wrap("處長信箱", width, 8) == ["處長信箱"]
    assert drawing.wrap("全功能櫃台（單一窗口）", width, 7) == ["全功能櫃台", "（單一窗口）"]
    assert drawing.wrap("實地訪視與不會上網的替代服務", width, 7) == ["實地訪視與不會", "上網的替代服務"]
    assert drawing.wrap("FB臉書與Line社群", width, 8) == ["FB臉書與", "Line社群"]  # never inside a Latin word
    assert drawing.wrap("值日室（24小時服務）", width, 4) is None  # too narrow even for two lines
    # choosing the font size: a natural break must fit, else the title is refused at that size
    assert drawing.wrap("值日室（24小時服務）", width, 8, natural_only=True) == ["值日室", "（24小時服務）"]
    assert drawing.wrap("值日室（24小時服務）", width, 7, natural_only=True) is None
    assert drawing.wrap("值日室（24小時服務）", width, 7) == ["值日室（24", "小時服務）"]  # balanced


def test_settings_read_the_data_host():
    env = {}
    assert Settings.from_env(env, required=()).line_api_data_base_url == "https://api-data.line.me"
    env["LINE_API_DATA_BASE_URL"] = "http://127.0.0.1:9/"
    assert Settings.from_env(env, required=()).line_api_data_base_url == "http://127.0.0.1:9"


def test_help_shows_an_example():
    got = run_cli("richmenu", "create", "--help")
    assert got.returncode == 0 and "example" in got.stdout and "--dry-run" in got.stdout
