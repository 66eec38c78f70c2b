"""The rich menu on LINE's side: the menu object, its buttons made by the quick replies' own builders,
and its upload (validate, create, attach the image, make it the default)."""

from __future__ import annotations

import json

import urllib3
from linebot.v3.messaging import (
    Action,
    ApiException,
    MessagingApi,
    MessagingApiBlob,
    RichMenuArea,
    RichMenuBounds,
    RichMenuRequest,
    RichMenuSize,
)

from bot.core.knowledge import Agency
from bot.line.api import LineApis
from bot.richmenu.layout import SIZES, Area, RichMenuError
from bot.settings import Settings
from handlers import limits, messages
from handlers.render import topic_action  # not `handlers.render`: the package hands on a function of that name

CHAT_BAR_TEXT = "服務選單"
UPLOAD_TIMEOUT = 10.0  # the image is up to 1 MB: allow more than a reply call needs
CHECK, CREATE, UPLOAD, SET_DEFAULT = "檢查選單", "建立選單", "上傳圖片", "設為預設選單"  # steps named in errors


def action(area: Area) -> dict:
    """What a button sends: a topic asks for its answer, exactly as the quick reply under an answer
    does; a fixed request sends its words, which the webhook understands as a citizen typing them."""
    return topic_action(area.entry) if area.entry else messages.message_action(area.title, area.title)


def menu_request(agency: Agency, areas: list[Area], size: str = "large") -> RichMenuRequest:
    """The rich menu object: topic buttons post back `ans <entry id>`; the fixed ones send their text."""
    width, height = SIZES[size]
    return RichMenuRequest(
        size=RichMenuSize(width=width, height=height),
        selected=True,  # shown open: many users would not find a closed menu
        name=limits.cut_utf16(f"{agency.id} 服務選單 {agency.version}", 300),
        chat_bar_text=CHAT_BAR_TEXT,
        areas=[RichMenuArea(
            bounds=RichMenuBounds(x=a.x, y=a.y, width=a.width, height=a.height),
            action=Action.from_dict(action(a)),
        ) for a in areas],
    )


def _failure(step: str, exc: Exception, menu_id: str) -> RichMenuError:
    """A staff-readable message: the step that failed and LINE's HTTP status and message, or the network problem."""
    if isinstance(exc, ApiException) and exc.status:
        try:
            detail = json.loads(exc.body or b"{}").get("message", "")
        except (ValueError, AttributeError):
            detail = ""
        hint = "（請確認 channel access token 是否正確、未過期）" if exc.status in (401, 403) else ""
        what = f"LINE API 錯誤：{step}失敗，HTTP {exc.status}{'：' + detail if detail else ''}{hint}"
    else:  # no HTTP answer at all (status 0 is the SDK's own TLS or request error)
        timed_out = isinstance(exc, (urllib3.exceptions.TimeoutError, TimeoutError))
        what = f"LINE API {'逾時' if timed_out else '無法連線'}：{step}失敗（{type(exc).__name__}）"
    if step == SET_DEFAULT:
        what += f"\n選單 {menu_id} 已建立並有圖片，可以稍後再設為預設選單。"
    return RichMenuError(what)


def _clients(settings: Settings, agency_id: str) -> tuple[MessagingApi, MessagingApiBlob]:
    """The two API clients: JSON calls to the API host, the image to the data host."""
    apis = LineApis(settings)
    # Configuration.host replaces the host of every call, so the blob client needs its own.
    return MessagingApi(apis.client(agency_id)), MessagingApiBlob(apis.client(agency_id, settings.line_api_data_base_url))


def upload(settings: Settings, agency_id: str, menu: RichMenuRequest, png: bytes, set_default: bool = True) -> str:
    """Validate, create, attach the image and (by default) make it every user's menu; return its id."""
    timeout = settings.api_timeout
    step, menu_id = CHECK, ""
    try:
        api, blob = _clients(settings, agency_id)  # a stateless token is issued here: its errors are LINE's
        api.validate_rich_menu_object(menu, _request_timeout=timeout)  # fail before anything is created
        step = CREATE
        menu_id = api.create_rich_menu(menu, _request_timeout=timeout).rich_menu_id
        step = UPLOAD
        # The SDK sends no content type for the image: LINE needs it.
        blob.set_rich_menu_image(menu_id, png, _headers={"Content-Type": "image/png"},
                                 _request_timeout=max(timeout, UPLOAD_TIMEOUT))
        if set_default:
            step = SET_DEFAULT
            api.set_default_rich_menu(menu_id, _request_timeout=timeout)
    except (ApiException, urllib3.exceptions.HTTPError, OSError) as exc:
        if step == UPLOAD:
            _delete(api, menu_id, timeout)
        raise _failure(step, exc, menu_id) from None
    return menu_id


def _delete(api: MessagingApi, menu_id: str, timeout: float) -> None:
    """Delete a menu left without its image (LINE could never show it); best effort only."""
    try:
        api.delete_rich_menu(menu_id, _request_timeout=timeout)
    except (ApiException, urllib3.exceptions.HTTPError, OSError):
        pass  # the upload error is the one to report
