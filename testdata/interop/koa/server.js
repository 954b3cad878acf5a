// A small, real Koa service (with @koa/router) for rollcall's interop tests: a
// task tracker.
//
// It serves only part of openapi.yaml (next to this file), on purpose, the way
// real services drift from their contracts. What each declared operation
// really does, and so the verdict rollcall must give in live mode:
//
//   GET    /health                     200                                  implemented
//   GET    /tasks                      200, a list whose statuses are       implemented (data, not a stub)
//                                      "todo" / "doing" / "done"
//   POST   /tasks                      body checked (422), creates          implemented
//   GET    /tasks/{taskId}             200 (12 is seeded); unknown ids get  implemented
//                                      ctx.throw(404), byte-identical to
//                                      the no-route 404
//   PUT    /tasks/{taskId}             body checked, replaces 12            implemented
//   PATCH  /tasks/{taskId}             the router is built without PATCH,   not_implemented
//                                      so allowedMethods() answers 501 to
//                                      PATCH on every path, known or not
//   DELETE /tasks/{taskId}             deletes 12; ctx.throw(404) after     implemented
//   POST   /tasks/{taskId}/notes       finds the task (404 when it is       not_implemented
//                                      gone), then ctx.throw(501): a
//                                      placeholder that reads no body
//   GET    /tasks/{taskId}/subtasks    200 text/plain "TODO"                stub
//   PUT    /tasks/{taskId}/assignee    not routed                           missing_route
//   GET    /projects/{projectId}       200 (1 is seeded)                    implemented
//   DELETE /projects/{projectId}       not registered: 405, Allow: HEAD,    missing_method
//                                      GET (allowedMethods())
//   GET    /labels, POST /labels       the labels router is written but     missing_route
//                                      never mounted
//   GET    /admin/users                a token check in front of the        auth_required without a
//   GET    /admin/settings             routers, for every path under        token; with it
//                                      /admin (settings is not served)      implemented / missing_route
//
// The live probes of PUT, DELETE and POST .../notes all name task 12: DELETE
// must run after the others, or they find no task. The body parser runs for
// the whole app, before routing: a malformed JSON body gets 400 on any path.
//
// Not in the contract: GET /__state, the number of state changes (create,
// update, delete) the service really performed, so a test can prove that a
// safe-mode run changed nothing.
//
// Run: node server.js [PORT] (or env PORT; 0 or nothing picks a free port). It
// binds 127.0.0.1 only and prints "listening on http://127.0.0.1:<port>" once
// the socket is bound.

"use strict";

const Koa = require("koa");
const Router = require("@koa/router");
const { bodyParser } = require("@koa/bodyparser");

const TOKEN = "interop-token";

const store = {
  tasks: new Map([
    [10, { id: 10, title: "Write the release notes", status: "done" }],
    [11, { id: 11, title: "Review the migration", status: "doing" }],
    [12, { id: 12, title: "Book the team lunch", status: "todo" }],
    [13, { id: 13, title: "Renew the certificate", status: "todo" }],
  ]),
  projects: new Map([[1, { id: 1, name: "Website relaunch" }]]),
  nextId: 14,
  changes: 0,
};

const STATUSES = ["todo", "doing", "done"];

// The problems with a task body, empty when it is valid.
function taskProblems(body) {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    return ["the body must be a JSON object"];
  }
  const problems = [];
  if (typeof body.title !== "string" || body.title.length === 0) {
    problems.push("title must be a non-empty string");
  }
  if (body.status !== undefined && !STATUSES.includes(body.status)) {
    problems.push(`status must be one of ${STATUSES.join(", ")}`);
  }
  return problems;
}

function findTask(ctx) {
  const task = store.tasks.get(Number(ctx.params.taskId));
  // Koa's own 404, byte-identical to the answer for no route.
  if (!task) ctx.throw(404);
  return task;
}

// This API never offered PATCH, so the router is told so: allowedMethods()
// then answers PATCH with 501 on every path.
const router = new Router({ methods: ["HEAD", "OPTIONS", "GET", "PUT", "POST", "DELETE"] });

router.get("/__state", (ctx) => {
  ctx.body = { changes: store.changes };
});

router.get("/health", (ctx) => {
  ctx.body = { status: "ok" };
});

router.get("/tasks", (ctx) => {
  ctx.body = [...store.tasks.values()];
});

router.post("/tasks", (ctx) => {
  const problems = taskProblems(ctx.request.body);
  if (problems.length) {
    ctx.status = 422;
    ctx.body = { errors: problems };
    return;
  }
  const task = { id: store.nextId++, status: "todo", ...ctx.request.body };
  store.tasks.set(task.id, task);
  store.changes++;
  ctx.status = 201;
  ctx.body = task;
});

router.get("/tasks/:taskId", (ctx) => {
  ctx.body = findTask(ctx);
});

router.put("/tasks/:taskId", (ctx) => {
  const problems = taskProblems(ctx.request.body);
  if (problems.length) {
    ctx.status = 422;
    ctx.body = { errors: problems };
    return;
  }
  const task = findTask(ctx);
  const replaced = { id: task.id, status: "todo", ...ctx.request.body };
  store.tasks.set(task.id, replaced);
  store.changes++;
  ctx.body = replaced;
});

router.delete("/tasks/:taskId", (ctx) => {
  const task = findTask(ctx);
  store.tasks.delete(task.id);
  store.changes++;
  ctx.status = 204;
});

router.post("/tasks/:taskId/notes", (ctx) => {
  findTask(ctx);
  ctx.throw(501, "notes are not implemented");
});

router.get("/tasks/:taskId/subtasks", (ctx) => {
  ctx.body = "TODO";
});

router.get("/projects/:projectId", (ctx) => {
  const project = store.projects.get(Number(ctx.params.projectId));
  if (!project) ctx.throw(404);
  ctx.body = project;
});

router.get("/admin/users", (ctx) => {
  ctx.body = [{ id: 1, name: "Ada" }];
});

// Written, but never mounted: its paths answer Koa's no-route 404.
const labels = new Router({ prefix: "/labels" });
labels.get("/", (ctx) => {
  ctx.body = [];
});
labels.post("/", (ctx) => {
  ctx.status = 201;
});

const app = new Koa();

// Auth before routing: every path under /admin, served or not, needs the token.
app.use(async (ctx, next) => {
  if (ctx.path.startsWith("/admin") && ctx.get("authorization") !== `Bearer ${TOKEN}`) {
    ctx.set("WWW-Authenticate", "Bearer");
    ctx.status = 401;
    ctx.body = { error: "not authenticated" };
    return;
  }
  await next();
});
app.use(bodyParser());
app.use(router.routes());
app.use(router.allowedMethods());

function portFromArgs() {
  const raw = process.argv[2] ?? process.env.PORT ?? "0";
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`port must be a number from 0 to 65535, got ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  return port;
}

// Koa logs every 5xx it throws; the tests provoke them on purpose.
app.silent = true;

const server = app.listen(portFromArgs(), "127.0.0.1", () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
server.on("error", (error) => {
  console.error(`cannot listen: ${error.message}`);
  process.exit(1);
});
