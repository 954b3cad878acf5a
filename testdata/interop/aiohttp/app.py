"""A small, real aiohttp service for rollcall's interop tests: a kanban board,
with sub-applications.

It serves only part of openapi.yaml (next to this file), on purpose, the way
real services drift from their contracts. What each declared operation really
does, and so the verdict rollcall must give in live mode:

    GET    /health                     200                                  implemented
    GET    /tasks                      200, a list whose statuses are       implemented (data, not a stub)
                                       "todo" / "doing" / "done"
    POST   /tasks                      body checked (400/422), creates      implemented
    GET    /tasks/{taskId}             200 (30 is seeded); unknown ids get  implemented
                                       HTTPNotFound(), byte-identical to
                                       the no-route 404
    PUT    /tasks/{taskId}             body checked, replaces 30            implemented
    PATCH  /tasks/{taskId}             body checked, updates 30             implemented
    DELETE /tasks/{taskId}             deletes 30; HTTPNotFound() after     implemented
    POST   /tasks/{taskId}/labels      finds the task (HTTPNotFound() when  not_implemented
                                       it is gone), then HTTPNotImplemented;
                                       reads no body
    POST   /tasks/{taskId}/cancel      form body, every field optional:     implemented
                                       cancels 30 (an empty form is a valid
                                       request that changes data)
    GET    /tasks/{taskId}/estimate    200 text/plain "Coming soon"         stub
    GET    /tasks/{taskId}/forecast    raise NotImplementedError -> 500     server_error
    GET    /boards/{boardId}           sub-app; HTTPNotFound() for unknown  implemented
                                       boards (999 is one): byte-identical
                                       to the no-route 404
    DELETE /boards/{boardId}           not registered: 405, Allow: GET,HEAD missing_method
    GET    /reports/weekly             the reports sub-app is written but   missing_route
                                       never added
    GET    /admin/users                sub-app whose middleware checks the  auth_required without a
    GET    /admin/roles                token for every path under /admin,   token; with it
                                       routed or not (roles is not served)  implemented / missing_route

The live probes of PUT, PATCH, DELETE, POST .../cancel and POST .../labels all
name task 30:
DELETE must run after the others, or they find no task. aiohttp answers a
wrong method on a routed path with 405 and OPTIONS with 405 too (no CORS
setup here).

Not in the contract: GET /__state, the number of state changes (create,
update, delete) the service really performed, so a test can prove that a
safe-mode run changed nothing.

Run: python app.py [PORT] (or env PORT; 0 or nothing picks a free port). It
binds 127.0.0.1 only and prints "listening on http://127.0.0.1:<port>" once
the socket is bound.
"""

import asyncio
import json
import os
import socket
import sys

from aiohttp import web

TOKEN = "interop-token"
STATUSES = ("todo", "doing", "done")


class Store:
    def __init__(self) -> None:
        self.tasks = {
            30: {"id": 30, "title": "Sketch the landing page", "status": "todo"},
            31: {"id": 31, "title": "Set up the staging database", "status": "doing"},
            32: {"id": 32, "title": "Write the API docs", "status": "todo"},
            33: {"id": 33, "title": "Pick a logo", "status": "done"},
        }
        self.boards = {1: {"id": 1, "name": "Launch", "columns": list(STATUSES)}}
        self.next_id = 34
        self.changes = 0

    def changed(self) -> None:
        self.changes += 1


store = Store()


def task_or_404(request: web.Request) -> dict:
    try:
        task = store.tasks.get(int(request.match_info["task_id"]))
    except ValueError:
        task = None
    if task is None:
        # aiohttp's own 404, byte-identical to the answer for no route.
        raise web.HTTPNotFound()
    return task


async def checked_body(request: web.Request, partial: bool) -> dict:
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise web.HTTPBadRequest(text="the body must be JSON")
    problems = []
    if not isinstance(body, dict):
        problems.append("the body must be a JSON object")
    else:
        title = body.get("title")
        if not (title is None and partial) and not (isinstance(title, str) and title):
            problems.append("title must be a non-empty string")
        if "status" in body and body["status"] not in STATUSES:
            problems.append(f"status must be one of {', '.join(STATUSES)}")
    if problems:
        raise web.HTTPUnprocessableEntity(
            text=json.dumps({"errors": problems}), content_type="application/json"
        )
    return body


routes = web.RouteTableDef()


@routes.get("/__state")
async def state(request):
    return web.json_response({"changes": store.changes})


@routes.get("/health")
async def health(request):
    return web.json_response({"status": "ok"})


@routes.get("/tasks")
async def list_tasks(request):
    return web.json_response(list(store.tasks.values()))


@routes.post("/tasks")
async def create_task(request):
    body = await checked_body(request, partial=False)
    task = {"id": store.next_id, "status": "todo", **body}
    store.tasks[store.next_id] = task
    store.next_id += 1
    store.changed()
    return web.json_response(task, status=201)


@routes.get("/tasks/{task_id}")
async def get_task(request):
    return web.json_response(task_or_404(request))


@routes.put("/tasks/{task_id}")
async def replace_task(request):
    body = await checked_body(request, partial=False)
    task = task_or_404(request)
    replaced = {"id": task["id"], "status": "todo", **body}
    store.tasks[task["id"]] = replaced
    store.changed()
    return web.json_response(replaced)


@routes.patch("/tasks/{task_id}")
async def update_task(request):
    body = await checked_body(request, partial=True)
    task = task_or_404(request)
    task.update(body)
    store.changed()
    return web.json_response(task)


@routes.delete("/tasks/{task_id}")
async def delete_task(request):
    task = task_or_404(request)
    del store.tasks[task["id"]]
    store.changed()
    return web.Response(status=204)


@routes.post("/tasks/{task_id}/labels")
async def add_label(request):
    task_or_404(request)
    raise web.HTTPNotImplemented(text="labels are not implemented")


@routes.post("/tasks/{task_id}/cancel")
async def cancel_task(request):
    form = await request.post()
    task = task_or_404(request)
    task["status"] = "done"
    task["cancelled"] = form.get("reason", "")
    store.changed()
    return web.json_response(task)


@routes.get("/tasks/{task_id}/estimate")
async def estimate(request):
    return web.Response(text="Coming soon")


@routes.get("/tasks/{task_id}/forecast")
async def forecast(request):
    raise NotImplementedError("forecast")


boards = web.Application()


async def get_board(request):
    try:
        board = store.boards.get(int(request.match_info["board_id"]))
    except ValueError:
        board = None
    if board is None:
        raise web.HTTPNotFound()
    return web.json_response(board)


boards.router.add_get("/{board_id}", get_board)


# Auth before routing: a sub-app's middleware runs for every request under
# its prefix, whether or not one of its routes matches.
@web.middleware
async def require_token(request, handler):
    if request.headers.get("Authorization") != f"Bearer {TOKEN}":
        raise web.HTTPUnauthorized(headers={"WWW-Authenticate": "Bearer"})
    return await handler(request)


admin = web.Application(middlewares=[require_token])


async def list_users(request):
    return web.json_response([{"id": 1, "name": "Ada"}])


admin.router.add_get("/users", list_users)

# Written, but never added: its paths answer aiohttp's no-route 404.
reports = web.Application()


async def weekly(request):
    return web.json_response({"done": 0})


reports.router.add_get("/weekly", weekly)

app = web.Application()
app.add_routes(routes)
app.add_subapp("/boards", boards)
app.add_subapp("/admin", admin)


def port_from_args() -> int:
    raw = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("PORT", "0")
    try:
        return int(raw)
    except ValueError:
        sys.exit(f"port must be a number, got {raw!r}")


async def serve() -> None:
    # Bind the socket here so port 0 works and the real port can be printed.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port_from_args()))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.SockSite(runner, sock).start()
    print(f"listening on http://127.0.0.1:{sock.getsockname()[1]}", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(serve())
