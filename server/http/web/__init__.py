"""The web pages served by ``metakg serve``: a Flask blueprint of server-rendered HTML.

Pages (all read-only, all working without JavaScript except the graph view and the SPARQL
editor's run button):

* ``/`` (for browsers) home; ``/search?q=`` search (one match: straight to its page);
  ``/browse/<collection>`` every entity of a kind;
* ``/entity/<curie>`` any entity or reference with its evidence, and the friendly
  ``/gene/<symbol>``, ``/organ/<name>`` ... ``/reference/<number>`` (redirects);
* ``/web/neighbourhood`` the graph view's JSON; ``/static/vendor/vis-network.min.js|.css``
  vis-network read from the installed ``pyvis`` package;
* ``/query`` (and a browser's ``GET /sparql``) the SPARQL editor;
* ``/simulate`` the simulator form with its chart and explained paths.

Every HTML answer carries a Content-Security-Policy that allows only this origin's scripts.
"""

from __future__ import annotations

from flask import Blueprint, Response

bp = Blueprint(
    "web",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/web",
)

#: vis-network sets inline styles on the elements it creates, and vis-network.css embeds its
#: icons as data: URIs; nothing else is loosened.
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


@bp.after_request
def _security_headers(response: Response) -> Response:
    if response.mimetype == "text/html":
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
    return response


from server.http.web import graphview, pages, simulate_page, sparql_page  # noqa: E402,F401

__all__ = ["CSP", "bp"]
