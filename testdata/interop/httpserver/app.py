"""A legacy service on Python's own http.server, for rollcall's interop tests:
a task list behind a gateway that never learned PATCH or DELETE.

http.server dispatches each request to the handler's do_<METHOD>; this one
has do_GET, do_HEAD, do_POST and do_PUT only, so http.server itself answers
PATCH, DELETE and OPTIONS with 501 "Unsupported method" on every path, routed
or not. Tasks are removed with POST .../remove instead.

It serves only part of openapi.yaml (next to this file), on purpose, the way
real services drift from their contracts. What each declared operation really
does, and so the verdict rollcall must give in live mode:

    GET    /health                      200                                 implemented
    GET    /tasks                       200, a list whose statuses are      implemented (data, not a stub)
                                        "todo" / "doing" / "done"
    POST   /tasks                       body checked (400/422), creates     implemented
    GET    /tasks/{taskId}              200 (40 is seeded); unknown ids     implemented
                                        get send_error(404), byte-identical
                                        to the no-route 404
    PUT    /tasks/{taskId}              body checked, replaces 40           implemented
    PATCH  /tasks/{taskId}              no do_PATCH: 501 on every path      not_implemented
    DELETE /tasks/{taskId}              no do_DELETE: 501 on every path     not_implemented
    POST   /tasks/{taskId}/remove       body {"confirm": true} checked,     implemented
                                        removes 40 (send_error(404) after)
    POST   /tasks/{taskId}/comments     finds the task (404 when it is      not_implemented
                                        gone), then send_error(501) with a
                                        message of its own; reads no body
    GET    /tasks/{taskId}/watchers     200 {"message": "not implemented    stub
                                        yet"}
    GET    /metrics                     not routed                          missing_route

The live probes of PUT, POST .../comments and POST .../remove all name task
40: the removal must run after the others, or they find no task.

Not in the contract: GET /__state, the number of state changes (create,
update, delete) the service really performed, so a test can prove that a
safe-mode run changed nothing.

Run: python app.py [PORT] (or env PORT; 0 or nothing picks a free port). It
binds 127.0.0.1 only and prints "listening on http://127.0.0.1:<port>" once
the socket is bound.
"""

import json
import os
import re
import sys
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STATUSES = ("todo", "doing", "done")


class Store:
    def __init__(self) -> None:
        self.tasks = {
            40: {"id": 40, "title": "Rotate the API keys", "status": "todo"},
            41: {"id": 41, "title": "Migrate the cron jobs", "status": "doing"},
            42: {"id": 42, "title": "Retire the old mail relay", "status": "todo"},
            43: {"id": 43, "title": "Document the backup restore", "status": "done"},
        }
        self.next_id = 44
        self.changes = 0
        self.lock = threading.Lock()

    def changed(self) -> None:
        self.changes += 1


store = Store()

TASK = re.compile(r"^/tasks/(\d+)$")
TASK_ACTION = re.compile(r"^/tasks/(\d+)/([a-z]+)$")


class BadRequest(Exception):
    def __init__(self, status: HTTPStatus, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def task_problems(body) -> list:
    if not isinstance(body, dict):
        return ["the body must be a JSON object"]
    problems = []
    if not (isinstance(body.get("title"), str) and body["title"]):
        problems.append("title must be a non-empty string")
    if "status" in body and body["status"] not in STATUSES:
        problems.append(f"status must be one of {', '.join(STATUSES)}")
    return problems


class Handler(BaseHTTPRequestHandler):
    server_version = "LegacyGateway/1.0"

    def log_message(self, format, *args):  # noqa: A002 (http.server's name)
        pass

    def send_json(self, status: int, value) -> None:
        body = json.dumps(value).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def read_json(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            return json.loads(raw)
        except ValueError:
            raise BadRequest(HTTPStatus.BAD_REQUEST, "the body must be JSON")

    def task_or_404(self, task_id: str):
        task = store.tasks.get(int(task_id))
        if task is None:
            # The same answer as for a path nothing routes.
            self.send_error(HTTPStatus.NOT_FOUND)
        return task

    def dispatch(self, routes) -> None:
        try:
            for pattern, handler in routes:
                match = pattern.match(self.path.split("?", 1)[0])
                if match:
                    handler(*match.groups())
                    return
            self.send_error(HTTPStatus.NOT_FOUND)
        except BadRequest as e:
            self.send_json(e.status, {"error": e.message})

    # GET and HEAD

    def do_GET(self) -> None:
        self.dispatch(
            [
                (re.compile(r"^/__state$"), lambda: self.send_json(200, {"changes": store.changes})),
                (re.compile(r"^/health$"), lambda: self.send_json(200, {"status": "ok"})),
                (re.compile(r"^/tasks$"), lambda: self.send_json(200, list(store.tasks.values()))),
                (TASK, self.get_task),
                (TASK_ACTION, self.get_task_action),
            ]
        )

    do_HEAD = do_GET

    def get_task(self, task_id: str) -> None:
        task = self.task_or_404(task_id)
        if task is not None:
            self.send_json(200, task)

    def get_task_action(self, task_id: str, action: str) -> None:
        if action != "watchers":
            self.send_error(HTTPStatus.NOT_FOUND)
            return
        self.send_json(200, {"message": "not implemented yet"})

    # POST and PUT

    def do_POST(self) -> None:
        self.dispatch([(re.compile(r"^/tasks$"), self.create_task), (TASK_ACTION, self.post_task_action)])

    def do_PUT(self) -> None:
        self.dispatch([(TASK, self.replace_task)])

    def create_task(self) -> None:
        body = self.read_json()
        problems = task_problems(body)
        if problems:
            raise BadRequest(HTTPStatus.UNPROCESSABLE_ENTITY, "; ".join(problems))
        with store.lock:
            task = {"id": store.next_id, "status": "todo", **body}
            store.tasks[store.next_id] = task
            store.next_id += 1
            store.changed()
        self.send_json(201, task)

    def replace_task(self, task_id: str) -> None:
        body = self.read_json()
        problems = task_problems(body)
        if problems:
            raise BadRequest(HTTPStatus.UNPROCESSABLE_ENTITY, "; ".join(problems))
        with store.lock:
            task = self.task_or_404(task_id)
            if task is None:
                return
            replaced = {"id": task["id"], "status": "todo", **body}
            store.tasks[task["id"]] = replaced
            store.changed()
        self.send_json(200, replaced)

    def post_task_action(self, task_id: str, action: str) -> None:
        if action == "remove":
            body = self.read_json()
            if not (isinstance(body, dict) and body.get("confirm") is True):
                raise BadRequest(HTTPStatus.UNPROCESSABLE_ENTITY, 'send {"confirm": true}')
            with store.lock:
                if self.task_or_404(task_id) is None:
                    return
                del store.tasks[int(task_id)]
                store.changed()
            self.send_response(204)
            self.end_headers()
        elif action == "comments":
            if self.task_or_404(task_id) is not None:
                self.send_error(HTTPStatus.NOT_IMPLEMENTED, "Comments are not implemented")
        else:
            self.send_error(HTTPStatus.NOT_FOUND)


def port_from_args() -> int:
    raw = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("PORT", "0")
    try:
        return int(raw)
    except ValueError:
        sys.exit(f"port must be a number, got {raw!r}")


def main() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", port_from_args()), Handler)
    print(f"listening on http://127.0.0.1:{server.server_port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
