"""gunicorn settings: PORT and WEB_CONCURRENCY as a PaaS sets them."""

from bot.settings import gunicorn_options, load_env_file

load_env_file()  # .env first: PORT, WEB_CONCURRENCY and FORWARDED_ALLOW_IPS may be set there
_options = gunicorn_options()  # read through settings, like every other variable
bind = _options["bind"]
workers = _options["workers"]
# Threads, not one sync process per request: a client that sends its request slowly (or never
# finishes it) holds one thread, not a whole worker, so LINE's webhooks are still answered. A
# reverse proxy that buffers requests (docs in the README) protects further.
worker_class = "gthread"
threads = _options["threads"]
timeout = 30
# Set here, not left to gunicorn's default: that one is read from the environment before .env is loaded.
forwarded_allow_ips = _options["forwarded_allow_ips"]
# gunicorn 27's control socket (for gunicornc) is unused here, and every instance on one host would
# claim the same path ($HOME/.gunicorn/gunicorn.ctl): two instances, or parallel tests, would fight over it.
control_socket_disable = True
accesslog = None  # access lines carry no message bodies, but we log our own per-event line instead


def post_worker_init(worker):
    """Each worker looks in the inbox for events a dead worker left (the desk's app only)."""
    app = worker.wsgi
    if "INBOX" in getattr(app, "config", {}):
        app.config["INBOX"].start()


def on_starting(server):
    """In the master, before any worker forks: load what the workers share (bot.app.warm says what)."""
    import gc

    from bot.app import warm

    warm()
    # What the master built lives as long as the workers: frozen, the collector never walks it again.
    # A worker then shares its pages instead of copying each one it touches (a collection writes to
    # every object it visits), and a stopping worker does not walk it at exit (2-3 s less each).
    gc.freeze()
