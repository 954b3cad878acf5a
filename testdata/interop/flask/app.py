"""A small, real Flask service for rollcall's interop tests: a task board.

It serves only part of openapi.yaml (next to this file), on purpose, the way
real services drift from their contracts. What each declared operation really
does, and so the verdict rollcall must give in live mode:

    GET    /health                      200                                 implemented
    GET    /tasks                       200, a list whose statuses are      implemented (data, not a stub)
                                        "todo" / "doing" / "done"
    POST   /tasks                       body checked (400/422), creates     implemented
    GET    /tasks/{taskId}              200 (21 is seeded); unknown ids     implemented
                                        get abort(404), byte-identical to
                                        the no-route 404 page
    PUT    /tasks/{taskId}              body checked, replaces 21           implemented
    PATCH  /tasks/{taskId}              body checked, updates 21            implemented
    DELETE /tasks/{taskId}              deletes 21; abort(404) after        implemented
    PUT    /tasks/{taskId}/note         text/plain body, stored as it is    implemented
                                        (an empty body blanks the note: a
                                        valid request that changes data)
    POST   /tasks/{taskId}/archive      finds the task (abort(404) when     not_implemented
                                        it is gone), then abort(501); reads
                                        no body
    GET    /tasks/{taskId}/attachments  200 {"detail": "Not implemented     stub
                                        yet"}
    GET    /tasks/{taskId}/activity     raise NotImplementedError -> 500    server_error
    GET    /tags/{tag}                  200 ("urgent" is seeded)            implemented
    DELETE /tags/{tag}                  not registered: 405 with Allow      missing_method
    GET    /reports/summary             the reports blueprint is written    missing_route
                                        but never registered
    GET    /account/profile             blueprint whose before_request      implemented (routing ran
                                        checks the token: it runs only      first, so the 401 proves it)
                                        for the blueprint's own routes
    GET    /account/export              not served                          missing_route

The live probes of PUT, PATCH, PUT .../note, DELETE and POST .../archive all
name task 21:
DELETE must run after the others, or they find no task. Werkzeug answers
OPTIONS itself (200, Allow) on every routed path.

Not in the contract: GET /__state, the number of state changes (create,
update, delete) the service really performed, so a test can prove that a
safe-mode run changed nothing.

Run: python app.py [PORT] (or env PORT; 0 or nothing picks a free port). It
binds 127.0.0.1 only and prints "listening on http://127.0.0.1:<port>" once
the socket is bound.
"""

import os
import sys
import threading

from flask import Blueprint, Flask, abort, request
from werkzeug.serving import make_server

TOKEN = "interop-token"
STATUSES = ("todo", "doing", "done")

app = Flask(__name__)


class Store:
    def __init__(self) -> None:
        self.tasks = {
            20: {"id": 20, "title": "Paint the fence", "status": "done"},
            21: {"id": 21, "title": "Fix the leaking tap", "status": "todo"},
            22: {"id": 22, "title": "Call the plumber", "status": "doing"},
            23: {"id": 23, "title": "Buy light bulbs", "status": "todo"},
        }
        self.tags = {"urgent": {"tag": "urgent", "tasks": [21]}}
        self.next_id = 24
        self.changes = 0
        self.lock = threading.Lock()

    def changed(self) -> None:
        self.changes += 1


store = Store()


def task_or_404(task_id: int) -> dict:
    task = store.tasks.get(task_id)
    if task is None:
        # Flask's own 404 page, byte-identical to the answer for no route.
        abort(404)
    return task


def task_problems(body, partial: bool) -> list:
    """The problems with a task body, empty when it is valid."""
    if not isinstance(body, dict):
        return ["the body must be a JSON object"]
    problems = []
    title = body.get("title")
    if not (title is None and partial) and not (isinstance(title, str) and title):
        problems.append("title must be a non-empty string")
    if "status" in body and body["status"] not in STATUSES:
        problems.append(f"status must be one of {', '.join(STATUSES)}")
    return problems


def checked_body(partial: bool) -> dict:
    # get_json() answers 400 (415 without a JSON content type) by itself.
    body = request.get_json()
    problems = task_problems(body, partial)
    if problems:
        abort(422, description="; ".join(problems))
    return body


@app.get("/__state")
def state():
    return {"changes": store.changes}


@app.get("/health")
def health():
    return {"status": "ok"}


@app.get("/tasks")
def list_tasks():
    return list(store.tasks.values())


@app.post("/tasks")
def create_task():
    body = checked_body(partial=False)
    with store.lock:
        task = {"id": store.next_id, "status": "todo", **body}
        store.tasks[store.next_id] = task
        store.next_id += 1
        store.changed()
    return task, 201


@app.get("/tasks/<int:task_id>")
def get_task(task_id):
    return task_or_404(task_id)


@app.put("/tasks/<int:task_id>")
def replace_task(task_id):
    body = checked_body(partial=False)
    with store.lock:
        task_or_404(task_id)
        store.tasks[task_id] = {"id": task_id, "status": "todo", **body}
        store.changed()
        return store.tasks[task_id]


@app.patch("/tasks/<int:task_id>")
def update_task(task_id):
    body = checked_body(partial=True)
    with store.lock:
        task = task_or_404(task_id)
        task.update(body)
        store.changed()
        return task


@app.delete("/tasks/<int:task_id>")
def delete_task(task_id):
    with store.lock:
        task_or_404(task_id)
        del store.tasks[task_id]
        store.changed()
    return "", 204


@app.put("/tasks/<int:task_id>/note")
def put_note(task_id):
    # Any text is a note, the empty one included.
    with store.lock:
        task = task_or_404(task_id)
        task["note"] = request.get_data(as_text=True)
        store.changed()
    return "", 204


@app.post("/tasks/<int:task_id>/archive")
def archive_task(task_id):
    task_or_404(task_id)
    abort(501)


@app.get("/tasks/<int:task_id>/attachments")
def attachments(task_id):
    return {"detail": "Not implemented yet"}


@app.get("/tasks/<int:task_id>/activity")
def activity(task_id):
    raise NotImplementedError("activity")


@app.get("/tags/<tag>")
def get_tag(tag):
    found = store.tags.get(tag)
    if found is None:
        abort(404)
    return found


# Written, but never registered: its paths answer Flask's no-route 404.
reports = Blueprint("reports", __name__, url_prefix="/reports")


@reports.get("/summary")
def summary():
    return {"open": len(store.tasks)}


# Auth after routing: a blueprint's before_request runs only for requests
# routed to the blueprint, so an unknown path under /account gets the
# ordinary 404.
account = Blueprint("account", __name__, url_prefix="/account")


@account.before_request
def require_token():
    if request.headers.get("Authorization") != f"Bearer {TOKEN}":
        abort(401, www_authenticate="Bearer")


@account.get("/profile")
def profile():
    return {"name": "Reader", "plan": "free"}


app.register_blueprint(account)


def port_from_args() -> int:
    raw = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("PORT", "0")
    try:
        return int(raw)
    except ValueError:
        sys.exit(f"port must be a number, got {raw!r}")


def main() -> None:
    server = make_server("127.0.0.1", port_from_args(), app, threaded=True)
    print(f"listening on http://127.0.0.1:{server.server_port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
