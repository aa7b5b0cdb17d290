"""The node's status page, JSON API and Prometheus metrics (plain WSGI and Jinja, served by waitress).

`nodewatch serve` builds the app with web.app.create_app(source, config.web)
and runs it with web.server.start(); nothing here is imported by the other
commands, so they never pay for the page.
"""
