"""Named dashboard accounts through the real CLI and the real app: added, logged in, named, limited, disabled."""

import re

import pytest
from conftest import run_cli, server_env

from bot.app import create_app
from bot.review import access, dashboard, passwords

TOKEN = "test-admin-token-0123456789"
NAME, PASSWORD = "王小明", "桃園榮服處 2026 主管"
OFFICE = "taoyuan-vac"


def cli(tmp_path, *args: str, stdin: str = ""):
    """`python -m bot ARGS` on the test app's database (stdin is not a terminal: the password is its line)."""
    return run_cli(*args, stdin=stdin, env={"DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}"})


def add(tmp_path, name: str = NAME, password: str = PASSWORD):
    """Create an account with the CLI; it must succeed."""
    done = cli(tmp_path, "admin", "add", name, stdin=password + "\n")
    assert done.returncode == 0, done.stderr
    return done


def login(client, name: str = NAME, password: str = PASSWORD):
    return client.post("/admin/login", data={"name": name, "password": password})


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


@pytest.fixture()
def with_token(tmp_path):
    """The app with ADMIN_TOKEN set (the shared token beside the accounts)."""
    app = create_app(server_env(tmp_path, ADMIN_TOKEN=TOKEN))
    yield app
    app.config["POOL"].shutdown(wait=True)


def test_with_neither_token_nor_account_the_dashboard_is_404(app, tmp_path):
    client = app.test_client()
    for url in ("/admin", "/admin/", "/admin/login", f"/admin/{OFFICE}", "/admin/static/admin.css"):
        assert client.get(url).status_code == 404, url
    assert login(client).status_code == 404
    assert client.get("/admin/", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 404
    add(tmp_path)
    assert cli(tmp_path, "admin", "disable", NAME).returncode == 0
    assert client.get("/admin/login").status_code == 404  # only disabled accounts: off again


def test_an_account_added_on_the_command_line_logs_in_and_is_named_in_the_header(app, tmp_path):
    client = app.test_client()
    assert client.get("/admin/").status_code == 404
    done = add(tmp_path)
    assert f"已建立帳號「{NAME}」" in done.stdout and PASSWORD not in done.stdout + done.stderr
    form = client.get("/admin/")  # on without ADMIN_TOKEN, while the server runs
    assert form.status_code == 401 and 'name="name"' in form.text and 'name="password"' in form.text
    assert "帳號" in form.text and "登入者" not in form.text
    response = login(client)
    assert response.status_code == 303 and NAME not in response.headers["Set-Cookie"] + PASSWORD
    page = client.get("/admin/")
    assert page.status_code == 200 and f"登入者：{NAME}" in page.text and "登出" in page.text
    assert client.get(f"/admin/{OFFICE}").status_code == 200
    # Without ADMIN_TOKEN the cookie key comes from USER_HASH_KEY: another worker accepts the cookie.
    assert app.secret_key == access.signing_key(app.config["SETTINGS"]) != access.session_key(TOKEN)
    other = create_app(server_env(tmp_path))
    worker = other.test_client()
    worker.set_cookie("admin_session", client.get_cookie("admin_session", path="/admin").value, path="/admin")
    assert worker.get("/admin/").status_code == 200
    other.config["POOL"].shutdown(wait=True)
    listed = cli(tmp_path, "admin", "list")
    assert listed.returncode == 0 and NAME in listed.stdout and "使用中" in listed.stdout


def test_the_stored_hash_is_not_the_password_and_verifies(app, tmp_path):
    add(tmp_path)
    stored = app.config["STORE"].admin_hash(NAME)
    assert stored.startswith("scrypt$16384$8$1$") and len(stored.split("$")) == 6
    assert PASSWORD not in stored and PASSWORD.encode().hex() not in stored
    assert passwords.verify(PASSWORD, stored) and not passwords.verify(PASSWORD + " ", stored)
    assert passwords.hash_password(PASSWORD) != passwords.hash_password(PASSWORD)  # a new salt each time
    assert not passwords.verify(PASSWORD, "scrypt$3$8$1$AAAA$AAAA") and not passwords.verify(PASSWORD, "plain")


def test_wrong_passwords_fail_and_count_toward_the_limit_whatever_was_tried(with_token, tmp_path):
    add(tmp_path)
    client = with_token.test_client()
    wrong = login(client, NAME, "not the password")
    assert wrong.status_code == 401 and "帳號或密碼不對" in wrong.text and "Set-Cookie" not in wrong.headers
    assert f'value="{NAME}"' in wrong.text and "not the password" not in wrong.text
    tries = [login(client, "nobody", PASSWORD), login(client, "", "wrong-token-0123456789"),
             login(client, NAME, TOKEN),  # the token is no account's password
             client.get("/admin/", headers={"Authorization": "Bearer wrong-token-0123456789"})]
    assert [r.status_code for r in tries] == [401] * 4
    blocked = login(client, NAME, "still not it")
    assert blocked.status_code == 429 and 0 < int(blocked.headers["Retry-After"]) <= 300
    assert login(client).status_code == 429  # the right password too waits: guessing must stop


def test_a_short_password_or_a_bad_name_is_refused(app, tmp_path):
    short = cli(tmp_path, "admin", "add", NAME, stdin="short pass\n")
    assert short.returncode == 2 and "至少要 12 個字" in short.stderr and "Traceback" not in short.stderr
    for name, words in (("長" * 41, "太長"), ("  ", "名字"), (access.SHARED, "換一個名字")):
        done = cli(tmp_path, "admin", "add", name, stdin=PASSWORD + "\n")
        assert done.returncode == 2 and words in done.stderr, name
    assert cli(tmp_path, "admin", "add", NAME, stdin="").returncode == 2  # no password at all
    assert "還沒有任何帳號" in cli(tmp_path, "admin", "list").stdout
    assert app.test_client().get("/admin/").status_code == 404
    add(tmp_path, "長" * 40)  # forty characters of any script are fine
    again = cli(tmp_path, "admin", "add", "長" * 40, stdin=PASSWORD + "\n")
    assert again.returncode == 2 and "已經有" in again.stderr


def test_a_disabled_accounts_open_session_ends_at_its_next_request(app, tmp_path):
    add(tmp_path)
    add(tmp_path, "李大同")  # a colleague's account keeps the dashboard on
    client = app.test_client()
    assert login(client).status_code == 303 and client.get("/admin/").status_code == 200
    done = cli(tmp_path, "admin", "disable", NAME)
    assert done.returncode == 0 and "已停用" in done.stdout
    assert client.get("/admin/").status_code == 401
    assert login(app.test_client()).status_code == 401  # nor can it log in again
    missing = cli(tmp_path, "admin", "disable", NAME)
    assert missing.returncode == 2 and "沒有" in missing.stderr
    assert "已停用" in cli(tmp_path, "admin", "list").stdout


def test_a_new_password_ends_the_sessions_of_the_old_one(app, tmp_path):
    add(tmp_path)
    add(tmp_path, "李大同")  # keeps the dashboard on while 王小明 is disabled
    client = app.test_client()
    login(client)
    cookie = client.get_cookie("admin_session", path="/admin").value
    assert cli(tmp_path, "admin", "disable", NAME).returncode == 0
    assert "重新啟用" in add(tmp_path, NAME, "a brand new password").stdout
    stale = app.test_client()
    stale.set_cookie("admin_session", cookie, path="/admin")
    assert stale.get("/admin/").status_code == 401
    assert login(app.test_client(), NAME, "a brand new password").status_code == 303


def test_the_shared_token_still_works_in_the_form_and_for_scripts(with_token, tmp_path):
    add(tmp_path)
    client = with_token.test_client()
    assert login(client, "", TOKEN).status_code == 303
    assert with_token.test_client().post("/admin/login", data={"password": TOKEN}).status_code == 303  # old form
    page = client.get("/admin/").text
    assert f"登入者：{access.SHARED}" in page
    script = with_token.test_client().get(f"/admin/{OFFICE}/export.xlsx",
                                          headers={"Authorization": f"Bearer {TOKEN}"})
    assert script.status_code == 200
    named = with_token.test_client()
    assert login(named).status_code == 303 and f"登入者：{NAME}" in named.get("/admin/").text


def test_every_mark_says_who_made_it(with_token, tmp_path):
    store = with_token.config["STORE"]
    add(tmp_path)
    client = with_token.test_client()
    login(client)
    csrf = csrf_of(client.get(f"/admin/{OFFICE}").text)
    form = {"csrf": csrf, "key": "停車場在哪裡", "status": "added"}
    assert client.post(f"/admin/{OFFICE}/review", data=form).status_code == 303
    assert store.review_marks(OFFICE)["停車場在哪裡"][0] == NAME
    assert client.post(f"/admin/{OFFICE}/undo", data={"csrf": csrf, "key": "停車場在哪裡"}).status_code == 303
    assert store.reviews(OFFICE) == {}
    script = with_token.test_client().post(f"/admin/{OFFICE}/review", data={"key": "洗車", "status": "not_ours"},
                                           headers={"Authorization": f"Bearer {TOKEN}"})
    assert script.status_code == 303 and store.review_marks(OFFICE)["洗車"][0] == access.SCRIPT
    with with_token.test_request_context():  # what the handled list is given to show beside each group
        assert re.fullmatch(rf"{re.escape(access.SCRIPT)} \d\d/\d\d 標記", dashboard._marked(OFFICE)["洗車"])
    shared = with_token.test_client()
    login(shared, "", TOKEN)
    csrf = csrf_of(shared.get(f"/admin/{OFFICE}").text)
    shared.post(f"/admin/{OFFICE}/review", data={"csrf": csrf, "key": "停車場在哪裡", "status": "not_ours"})
    assert store.review_marks(OFFICE)["停車場在哪裡"][0] == access.SHARED
