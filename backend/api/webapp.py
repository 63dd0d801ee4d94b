"""Serves the built web app (frontend-assets/dist) at `/`.

The pages route in the browser (history API), so any GET for a page path that is not the
API, login or a built file answers with the app's index page. Built files under /assets/
have content hashes in their names and are cached for a year; the index page never is.
"""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from backend.core.settings import PROJECT_ROOT

DIST = PROJECT_ROOT / "frontend-assets" / "dist"
# Paths that belong to the server, never to the app's router.
SERVER_PREFIXES = ("graphql", "auth", "dev", "healthz", "assets")

NOT_BUILT = """<!doctype html><html lang="nb"><meta charset="utf-8"><title>Koordinat</title>
<h1>Koordinat</h1><p>Nettappen er ikke bygget ennå. Kjør <code>bin/setup</code>.</p>
<p lang="en">The web app has not been built yet. Run <code>bin/setup</code>.</p></html>"""


class CachedStaticFiles(StaticFiles):
    async def get_response(self, path: str, scope: dict) -> Response:  # type: ignore[override]
        response = await super().get_response(path, scope)
        if response.status_code == 200:
            response.headers["cache-control"] = "public, max-age=31536000, immutable"
        return response


def _index(dist: Path) -> Response:
    index = dist / "index.html"
    if not index.is_file():
        return HTMLResponse(NOT_BUILT, status_code=503)
    return FileResponse(index, headers={"cache-control": "no-cache"})


def routes(dist: Path = DIST) -> list[Route | Mount]:
    # Files at the top of the build (favicon...), known when the app starts.
    top = {p.name for p in dist.iterdir() if p.is_file()} if dist.is_dir() else set()
    top.discard("index.html")

    async def page(request: Request) -> Response:
        path = request.path_params.get("path", "")
        first = path.split("/", 1)[0]
        if first in SERVER_PREFIXES:
            return Response("Not Found", status_code=404)
        if path in top:
            return FileResponse(dist / path)
        return _index(dist)

    return [
        Mount("/assets", app=CachedStaticFiles(directory=dist / "assets", check_dir=False)),
        Route("/", page, methods=["GET"]),
        Route("/{path:path}", page, methods=["GET"]),
    ]
