//! Interop: the real `rollcall` binary against small real services on eight
//! stacks (`testdata/interop/`): FastAPI, Express, Fastify, Koa with
//! `@koa/router`, Flask, Django REST Framework, aiohttp and Python's own
//! `http.server`. Each app's contract declares more than the app serves. The
//! frameworks' own answers are the thing under test (byte-identical handler
//! and no-route 404s, 405 or 404 for a wrong method, an `Allow` that names one
//! route, Koa's and `http.server`'s 501 for methods nothing implements, body
//! parsers before routing, auth before and after routing, trailing-slash
//! redirects), so an imitation in Rust would prove nothing.
//!
//! Per app, two tests:
//! - live: two fresh instances, one `rollcall check --mode live` each, run at
//!   the same time. Every operation gets its true verdict in both runs (so
//!   the two runs agree), and each instance counted exactly the state changes
//!   its write handlers make when every probe finds the data it names (the
//!   live probes of each app share records with a DELETE, so a DELETE sent
//!   too early shows as wrong verdicts and a short count).
//! - safe: one instance, `--mode safe` without credentials, and with a right
//!   and a wrong token where the contract has gated operations. Every
//!   operation gets the verdict a harmless probe can prove (the table's
//!   safe column), and the service's state-change counter is unchanged.
//!
//! Every result must name a registered rule that gives its verdict, and
//! evidence. An app's true verdicts are written at the top of its source;
//! the tables below repeat them with the safe-mode column.
//!
//! The frameworks are installed by `testdata/interop/setup.sh` (one venv and
//! one `npm ci` under `target/interop/`; `.ci/run` calls it). When they are
//! missing and `CI` is set, the tests fail and say so; on a dev machine they
//! run the script once, and if that fails (offline) they print a loud skip
//! and pass.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use rollcall::plan::Mode;
use rollcall::report::RunReport;
use rollcall::verdict::rules::{Proof, Rule};

use crate::support;
use serde_json::Value;

/// The bearer token every app with gated operations accepts.
const TOKEN: &str = "interop-token";
/// How long an app may take to start and answer (a bound, not an assertion).
const STARTUP_LIMIT: Duration = Duration::from_secs(60);
/// How long one run may take before it counts as hung (a bound, not an assertion).
const RUN_LIMIT: Duration = Duration::from_secs(300);

/// One declared operation: its true verdict in live mode (what the handler
/// really does) and the verdict safe mode must give. The two differ only
/// where no harmless request reaches the handler (a body validated before a
/// 501 placeholder, a POST that declares no body, a body of any bytes):
/// safe mode then proves the route, never more ([`ROUTE`]).
struct Op {
    label: &'static str,
    live: &'static str,
    safe: &'static str,
}

/// Safe mode's verdict where no harmless request can reach the handler: the
/// route proven (`implemented` by a route-level rule), never more. A claim
/// that the handler answered would be wrong (it is a 501, say) or would mean
/// safe mode sent a request the handler acts on (any body is valid).
const ROUTE: &str = "implemented (route)";

const fn op(label: &'static str, live: &'static str, safe: &'static str) -> Op {
    Op { label, live, safe }
}

/// How an app is started.
#[derive(Clone, Copy)]
enum Runtime {
    /// `target/interop/venv/bin/python <dir>/app.py PORT`
    Python,
    /// `node <dir>/server.js PORT`, with the shared node_modules on NODE_PATH
    Node,
}

/// One interop app and everything the tests need to know about it.
struct AppSpec {
    /// Its folder under testdata/interop/ (also its name in messages).
    dir: &'static str,
    runtime: Runtime,
    ops: &'static [Op],
    /// The state changes a live run makes when every write handler is
    /// reached once with the record it names still there.
    live_changes: u64,
    /// Safe mode with the right token: the gated operations' verdicts (empty
    /// when the contract gates nothing).
    with_token: &'static [(&'static str, &'static str)],
    /// Safe mode with a wrong token: the operations whose verdict becomes a
    /// credentials problem.
    with_wrong_token: &'static [&'static str],
    /// Safe mode's verdicts that differ from the `ops` table's safe column on
    /// this app (in every safe run): (label, verdict), the verdict also
    /// taken as the truth (so `implemented` here is a handler-level proof).
    safe_overrides: &'static [(&'static str, &'static str)],
}

// ---------------------------------------------------------------------------
// The apps: true verdicts (live) and what a harmless probe can prove (safe).
// The comments name what makes a row hard to get right.

/// FastAPI and Express serve the same library API; only their frameworks
/// answer differently (see app.py and server.js).
const LIBRARY: &[Op] = &[
    op("GET /health", "implemented", "implemented"),
    op("GET /books", "implemented", "implemented"),
    op("POST /books", "implemented", "implemented"),
    op("GET /books/{bookId}", "implemented", "implemented"),
    op("PUT /books/{bookId}", "implemented", "implemented"),
    op("PATCH /books/{bookId}", "implemented", "implemented"),
    // FastAPI's Allow lists only the first route registered on a path (GET
    // here), so a method missing from it proves nothing.
    op("DELETE /books/{bookId}", "implemented", "implemented"),
    op(
        "GET /books/{bookId}/reviews",
        "not_implemented",
        "not_implemented",
    ),
    op(
        "GET /books/{bookId}/recommendations",
        "server_error",
        "server_error",
    ),
    op("GET /books/{bookId}/cover", "stub", "stub"),
    // Any bytes are an image, none included: no body a correct handler
    // would refuse. Safe mode's only harmless request puts a book id the
    // integer type forbids in the path (/books/not-an-integer/...), which
    // FastAPI's route validation refuses with 422 (the route proven, the
    // handler not reached). Express checks no path types: its handler runs,
    // looks the book up and answers its own 404 ("book not found") before
    // acting, so there the handler is proven (see EXPRESS_SAFE).
    op("PUT /books/{bookId}/cover-image", "implemented", ROUTE),
    // The body is validated before the 501 (FastAPI by the model, Express by
    // the handler), so no harmless request reaches it.
    op("POST /books/{bookId}/loans", "not_implemented", ROUTE),
    // The handler's 404 is byte-identical to the no-route 404, but the route
    // exists (FastAPI: OPTIONS answers 405 with Allow: GET; Express: OPTIONS
    // answers 200 with Allow: GET, HEAD).
    op("GET /authors/{authorId}", "implemented", "implemented"),
    // FastAPI answers 405 (Allow: GET). Express answers "Cannot DELETE
    // /authors/1", which looks like no route, but OPTIONS on the same path
    // lists GET, HEAD and not DELETE.
    op(
        "DELETE /authors/{authorId}",
        "missing_method",
        "missing_method",
    ),
    // Shelf-1 is named by all four: live mode must delete it last.
    op("GET /shelves/{shelfId}", "implemented", "implemented"),
    op("PUT /shelves/{shelfId}", "implemented", "implemented"),
    // Safe mode's sentinel gets the bare 404 on FastAPI, where OPTIONS on
    // the same path answers 405: the router knows the path, so the 404 is
    // the handler's. Express: OPTIONS lists DELETE.
    op("DELETE /shelves/{shelfId}", "implemented", "implemented"),
    // The placeholder reads no body: on FastAPI the malformed one reaches
    // it; on Express the parser refuses that one before routing, and the
    // request without a body reaches the 501.
    op(
        "POST /shelves/{shelfId}/notes",
        "not_implemented",
        "not_implemented",
    ),
    op("GET /orders", "missing_route", "missing_route"),
    op("POST /orders", "missing_route", "missing_route"),
    op("GET /orders/{orderId}", "missing_route", "missing_route"),
    // Auth before routing: unknown paths under /admin get the same 401.
    op("GET /admin/stats", "auth_required", "auth_required"),
    op("GET /admin/audit-log", "auth_required", "auth_required"),
    // Auth after routing: unknown paths under /account answer the no-route
    // 404, so this 401 proves the route is deployed.
    op("GET /account/profile", "implemented", "implemented"),
    op("GET /account/invoices", "missing_route", "missing_route"),
];

/// Where Express's safe-mode verdict proves more than FastAPI's on the
/// shared LIBRARY table: a harmless request that FastAPI's validation
/// refuses reaches Express's handler, which refuses it itself.
const EXPRESS_SAFE: &[(&str, &str)] = &[("PUT /books/{bookId}/cover-image", "implemented")];

const LIBRARY_WITH_TOKEN: &[(&str, &str)] = &[
    ("GET /admin/stats", "implemented"),
    ("GET /admin/audit-log", "missing_route"),
    ("GET /account/profile", "implemented"),
];

const LIBRARY_GATED: &[&str] = &[
    "GET /admin/stats",
    "GET /admin/audit-log",
    "GET /account/profile",
];

/// server.js in fastify/.
const FASTIFY: &[Op] = &[
    op("GET /health", "implemented", "implemented"),
    // Statuses "todo", "doing", "done": data, not a placeholder.
    op("GET /tickets", "implemented", "implemented"),
    // A malformed body gets 400 before routing on any path; the request
    // without a body reaches the route's schema check (400 after routing).
    op("POST /tickets", "implemented", "implemented"),
    op("GET /tickets/{ticketId}", "implemented", "implemented"),
    op("PUT /tickets/{ticketId}", "implemented", "implemented"),
    // Fastify answers a wrong method with its no-route 404 and routes no
    // OPTIONS, but GET /tickets/7 answers 200: the path is served.
    op(
        "PATCH /tickets/{ticketId}",
        "missing_method",
        "missing_method",
    ),
    // The sentinel gets callNotFound() (the no-route 404); a value the
    // integer type forbids gets the route's params validation.
    op("DELETE /tickets/{ticketId}", "implemented", "implemented"),
    // The helpdesk placeholder: no body schema, so the request without a
    // body reaches the 501 (and live mode needs ticket 7 still there).
    op(
        "POST /tickets/{ticketId}/comments",
        "not_implemented",
        "not_implemented",
    ),
    op("GET /tickets/{ticketId}/attachments", "stub", "stub"),
    op(
        "GET /tickets/{ticketId}/history",
        "server_error",
        "server_error",
    ),
    op("GET /reports/weekly", "missing_route", "missing_route"),
    op("POST /reports", "missing_route", "missing_route"),
    // Auth after routing: the plugin's hook runs only for its routes.
    op("GET /admin/queues", "implemented", "implemented"),
    op("GET /admin/agents", "missing_route", "missing_route"),
];

/// server.js in koa/.
const KOA: &[Op] = &[
    op("GET /health", "implemented", "implemented"),
    op("GET /tasks", "implemented", "implemented"),
    // App-wide body parser: malformed JSON gets 400 before routing.
    op("POST /tasks", "implemented", "implemented"),
    // ctx.throw(404) is byte-identical to no route; 12 exists.
    op("GET /tasks/{taskId}", "implemented", "implemented"),
    op("PUT /tasks/{taskId}", "implemented", "implemented"),
    // The router is built without PATCH: allowedMethods() answers 501 on
    // every path, known or not.
    op(
        "PATCH /tasks/{taskId}",
        "not_implemented",
        "not_implemented",
    ),
    // The sentinel gets ctx.throw(404); OPTIONS lists DELETE.
    op("DELETE /tasks/{taskId}", "implemented", "implemented"),
    // The placeholder reads no body: the request without one reaches its
    // 501 (a handler's, unlike PATCH's, since POST elsewhere gets 404).
    op(
        "POST /tasks/{taskId}/notes",
        "not_implemented",
        "not_implemented",
    ),
    // text/plain "TODO": the whole body is the placeholder.
    op("GET /tasks/{taskId}/subtasks", "stub", "stub"),
    op(
        "PUT /tasks/{taskId}/assignee",
        "missing_route",
        "missing_route",
    ),
    op("GET /projects/{projectId}", "implemented", "implemented"),
    op(
        "DELETE /projects/{projectId}",
        "missing_method",
        "missing_method",
    ),
    op("GET /labels", "missing_route", "missing_route"),
    op("POST /labels", "missing_route", "missing_route"),
    // Auth before routing: every path under /admin gets the same 401.
    op("GET /admin/users", "auth_required", "auth_required"),
    op("GET /admin/settings", "auth_required", "auth_required"),
];

const ADMIN_USERS_SETTINGS_WITH_TOKEN: &[(&str, &str)] = &[
    ("GET /admin/users", "implemented"),
    ("GET /admin/settings", "missing_route"),
];

/// app.py in flask/.
const FLASK: &[Op] = &[
    op("GET /health", "implemented", "implemented"),
    op("GET /tasks", "implemented", "implemented"),
    op("POST /tasks", "implemented", "implemented"),
    op("GET /tasks/{taskId}", "implemented", "implemented"),
    op("PUT /tasks/{taskId}", "implemented", "implemented"),
    op("PATCH /tasks/{taskId}", "implemented", "implemented"),
    // abort(404) is byte-identical to no route; Werkzeug's OPTIONS lists
    // DELETE (and every method of the path answers 405 otherwise).
    op("DELETE /tasks/{taskId}", "implemented", "implemented"),
    // Any text is a valid note, the empty one too: safe mode has no request
    // to send that a correct handler would refuse (OPTIONS lists PUT).
    op("PUT /tasks/{taskId}/note", "implemented", ROUTE),
    // The contract declares no body: any POST is a valid request, which a
    // correct handler acts on, so safe mode proves the route only (OPTIONS
    // on the path lists POST).
    op("POST /tasks/{taskId}/archive", "not_implemented", ROUTE),
    op("GET /tasks/{taskId}/attachments", "stub", "stub"),
    op(
        "GET /tasks/{taskId}/activity",
        "server_error",
        "server_error",
    ),
    op("GET /tags/{tag}", "implemented", "implemented"),
    op("DELETE /tags/{tag}", "missing_method", "missing_method"),
    op("GET /reports/summary", "missing_route", "missing_route"),
    // A blueprint's before_request runs after routing.
    op("GET /account/profile", "implemented", "implemented"),
    op("GET /account/export", "missing_route", "missing_route"),
];

const PROFILE_WITH_TOKEN: &[(&str, &str)] = &[("GET /account/profile", "implemented")];

/// app.py in django/.
const DJANGO: &[Op] = &[
    op("GET /health/", "implemented", "implemented"),
    op("GET /tasks/", "implemented", "implemented"),
    op("POST /tasks/", "implemented", "implemented"),
    op("GET /tasks/{taskId}/", "implemented", "implemented"),
    op("PUT /tasks/{taskId}/", "implemented", "implemented"),
    op("PATCH /tasks/{taskId}/", "implemented", "implemented"),
    op("DELETE /tasks/{taskId}/", "implemented", "implemented"),
    // Once task 12 is deleted this answers DRF's JSON 404, which differs
    // from Django's no-route page: a 501 missed, not a false alarm.
    op(
        "POST /tasks/{taskId}/complete/",
        "not_implemented",
        "not_implemented",
    ),
    op(
        "GET /tasks/{taskId}/history/",
        "server_error",
        "server_error",
    ),
    op("GET /tasks/{taskId}/checklist/", "stub", "stub"),
    // 301 to /tags/, which is served; unknown paths get no redirect.
    op("GET /tags", "implemented", "implemented"),
    op("GET /tags/{slug}/", "implemented", "implemented"),
    op("DELETE /tags/{slug}/", "missing_method", "missing_method"),
    // Http404 from a plain Django view: Django's no-route page; OPTIONS
    // answers 405 with Allow: GET.
    op("GET /projects/{projectId}/", "implemented", "implemented"),
    op("GET /reports/", "missing_route", "missing_route"),
    op("POST /reports/", "missing_route", "missing_route"),
    op("GET /account/profile/", "implemented", "implemented"),
    op("GET /account/invoices/", "missing_route", "missing_route"),
];

const DJANGO_PROFILE_WITH_TOKEN: &[(&str, &str)] = &[("GET /account/profile/", "implemented")];

/// app.py in aiohttp/.
const AIOHTTP: &[Op] = &[
    op("GET /health", "implemented", "implemented"),
    op("GET /tasks", "implemented", "implemented"),
    op("POST /tasks", "implemented", "implemented"),
    op("GET /tasks/{taskId}", "implemented", "implemented"),
    op("PUT /tasks/{taskId}", "implemented", "implemented"),
    op("PATCH /tasks/{taskId}", "implemented", "implemented"),
    // HTTPNotFound() is byte-identical to no route; OPTIONS answers 405
    // with an Allow that lists DELETE.
    op("DELETE /tasks/{taskId}", "implemented", "implemented"),
    // Every form field is optional: an empty form is a valid request, and
    // the handler cancels the task. Safe mode may only prove the route
    // (OPTIONS answers 405 with Allow: POST).
    op("POST /tasks/{taskId}/cancel", "implemented", ROUTE),
    op(
        "POST /tasks/{taskId}/labels",
        "not_implemented",
        "not_implemented",
    ),
    op("GET /tasks/{taskId}/estimate", "stub", "stub"),
    op(
        "GET /tasks/{taskId}/forecast",
        "server_error",
        "server_error",
    ),
    // Board 999 does not exist: the no-route 404 from a handler, on a path
    // whose router answers OPTIONS with 405.
    op("GET /boards/{boardId}", "implemented", "implemented"),
    op(
        "DELETE /boards/{boardId}",
        "missing_method",
        "missing_method",
    ),
    op("GET /reports/weekly", "missing_route", "missing_route"),
    // The admin sub-app's middleware runs before its routing.
    op("GET /admin/users", "auth_required", "auth_required"),
    op("GET /admin/roles", "auth_required", "auth_required"),
];

const ADMIN_USERS_ROLES_WITH_TOKEN: &[(&str, &str)] = &[
    ("GET /admin/users", "implemented"),
    ("GET /admin/roles", "missing_route"),
];

/// app.py in httpserver/.
const HTTP_SERVER: &[Op] = &[
    op("GET /health", "implemented", "implemented"),
    op("GET /tasks", "implemented", "implemented"),
    op("POST /tasks", "implemented", "implemented"),
    op("GET /tasks/{taskId}", "implemented", "implemented"),
    op("PUT /tasks/{taskId}", "implemented", "implemented"),
    // No do_PATCH / do_DELETE: http.server's 501 on every path.
    op(
        "PATCH /tasks/{taskId}",
        "not_implemented",
        "not_implemented",
    ),
    op(
        "DELETE /tasks/{taskId}",
        "not_implemented",
        "not_implemented",
    ),
    // The removal clients really use: it must run after the others that
    // name task 40 (the contract marks it: operationId removeTask).
    op("POST /tasks/{taskId}/remove", "implemented", "implemented"),
    // A handler's 501, with a message of its own.
    op(
        "POST /tasks/{taskId}/comments",
        "not_implemented",
        "not_implemented",
    ),
    op("GET /tasks/{taskId}/watchers", "stub", "stub"),
    // OPTIONS answers 501 everywhere, so only the no-route 404 speaks.
    op("GET /metrics", "missing_route", "missing_route"),
];

const APPS: &[AppSpec] = &[
    AppSpec {
        dir: "fastapi",
        runtime: Runtime::Python,
        ops: LIBRARY,
        // POST /books, PUT /books/3, PATCH /books/4, DELETE /books/2,
        // PUT /books/1/cover-image, PUT and DELETE /shelves/shelf-1.
        live_changes: 7,
        with_token: LIBRARY_WITH_TOKEN,
        with_wrong_token: LIBRARY_GATED,
        safe_overrides: &[],
    },
    AppSpec {
        dir: "express",
        runtime: Runtime::Node,
        ops: LIBRARY,
        live_changes: 7,
        with_token: LIBRARY_WITH_TOKEN,
        with_wrong_token: LIBRARY_GATED,
        safe_overrides: EXPRESS_SAFE,
    },
    AppSpec {
        dir: "fastify",
        runtime: Runtime::Node,
        ops: FASTIFY,
        // POST /tickets, PUT and DELETE /tickets/7.
        live_changes: 3,
        with_token: &[
            ("GET /admin/queues", "implemented"),
            ("GET /admin/agents", "missing_route"),
        ],
        with_wrong_token: &["GET /admin/queues"],
        safe_overrides: &[],
    },
    AppSpec {
        dir: "koa",
        runtime: Runtime::Node,
        ops: KOA,
        // POST /tasks, PUT and DELETE /tasks/12.
        live_changes: 3,
        with_token: ADMIN_USERS_SETTINGS_WITH_TOKEN,
        with_wrong_token: &["GET /admin/users", "GET /admin/settings"],
        safe_overrides: &[],
    },
    AppSpec {
        dir: "flask",
        runtime: Runtime::Python,
        ops: FLASK,
        // POST /tasks, PUT, PATCH, PUT .../note and DELETE /tasks/21.
        live_changes: 5,
        with_token: PROFILE_WITH_TOKEN,
        with_wrong_token: &["GET /account/profile"],
        safe_overrides: &[],
    },
    AppSpec {
        dir: "django",
        runtime: Runtime::Python,
        ops: DJANGO,
        // POST /tasks/, PUT, PATCH and DELETE /tasks/12/.
        live_changes: 4,
        with_token: DJANGO_PROFILE_WITH_TOKEN,
        with_wrong_token: &["GET /account/profile/"],
        safe_overrides: &[],
    },
    AppSpec {
        dir: "aiohttp",
        runtime: Runtime::Python,
        ops: AIOHTTP,
        // POST /tasks, PUT, PATCH, POST .../cancel and DELETE /tasks/30.
        live_changes: 5,
        with_token: ADMIN_USERS_ROLES_WITH_TOKEN,
        with_wrong_token: &["GET /admin/users", "GET /admin/roles"],
        safe_overrides: &[],
    },
    AppSpec {
        dir: "httpserver",
        runtime: Runtime::Python,
        ops: HTTP_SERVER,
        // POST /tasks, PUT /tasks/40, POST /tasks/40/remove.
        live_changes: 3,
        with_token: &[],
        with_wrong_token: &[],
        safe_overrides: &[],
    },
];

fn app(dir: &str) -> &'static AppSpec {
    APPS.iter()
        .find(|app| app.dir == dir)
        .unwrap_or_else(|| panic!("no interop app named {dir}"))
}

impl AppSpec {
    fn contract(&self) -> PathBuf {
        repo()
            .join("testdata/interop")
            .join(self.dir)
            .join("openapi.yaml")
    }

    fn command(&self, installed: &Installed) -> Command {
        let dir = repo().join("testdata/interop").join(self.dir);
        match self.runtime {
            Runtime::Python => {
                let mut cmd = Command::new(&installed.python);
                cmd.arg(dir.join("app.py"))
                    .env("PYTHONDONTWRITEBYTECODE", "1")
                    .env("PYTHONUNBUFFERED", "1");
                cmd
            }
            Runtime::Node => {
                let mut cmd = Command::new("node");
                cmd.arg(dir.join("server.js"))
                    .env("NODE_PATH", &installed.node_modules)
                    .env("NODE_ENV", "production");
                cmd
            }
        }
    }
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

// ---------------------------------------------------------------------------
// Installation

struct Installed {
    python: PathBuf,
    node_modules: PathBuf,
}

impl Installed {
    fn at(root: &Path) -> Self {
        Installed {
            python: root.join("venv/bin/python"),
            node_modules: root.join("node/node_modules"),
        }
    }

    /// Both parts finished installing (setup.sh writes its stamps last).
    fn complete(root: &Path) -> bool {
        root.join("venv/.rollcall-installed").is_file()
            && root.join("node/.rollcall-installed").is_file()
    }
}

/// The installed frameworks, or `None` (after a loud message) when they are
/// missing and cannot be installed here.
fn installed() -> Option<&'static Installed> {
    static INSTALLED: OnceLock<Result<Installed, String>> = OnceLock::new();
    match INSTALLED.get_or_init(install) {
        Ok(installed) => Some(installed),
        Err(why) => {
            support::skip(
                "interop tests",
                &format!("{why}; run testdata/interop/setup.sh to install the frameworks"),
            );
            None
        }
    }
}

fn install() -> Result<Installed, String> {
    let root = repo().join("target/interop");
    if Installed::complete(&root) {
        return Ok(Installed::at(&root));
    }
    let in_ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty());
    assert!(
        !in_ci,
        "the interop apps are not installed under {}: CI must run testdata/interop/setup.sh \
         before cargo test (.ci/run does)",
        root.display()
    );
    let script = repo().join("testdata/interop/setup.sh");
    let output = Command::new("bash")
        .arg(&script)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let last_lines: Vec<&str> = stderr.lines().rev().take(5).collect();
        let last_lines: Vec<&str> = last_lines.into_iter().rev().collect();
        return Err(format!(
            "{} failed ({}): {}",
            script.display(),
            output.status,
            last_lines.join(" | ")
        ));
    }
    if !Installed::complete(&root) {
        return Err(format!(
            "{} succeeded but left no install stamps under {}",
            script.display(),
            root.display()
        ));
    }
    Ok(Installed::at(&root))
}

// ---------------------------------------------------------------------------
// The app under test

/// One running app; killed when dropped.
struct App {
    spec: &'static AppSpec,
    child: Child,
    base_url: String,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl App {
    fn start(spec: &'static AppSpec, installed: &Installed) -> App {
        let name = spec.dir;
        let dir = tempfile::tempdir().expect("a temporary directory");
        let log = dir.path().join("app.log");
        let log_file = File::create(&log).expect("the app's log file");
        let mut child = spec
            .command(installed)
            // Port 0: the app binds a free loopback port and prints it.
            .arg("0")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log_file))
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start the {name} app: {e}"));
        let stdout = child.stdout.take().expect("piped stdout");
        let (sender, receiver) = mpsc::channel();
        // Reads stdout to the end, so the app never blocks on a full pipe.
        std::thread::spawn(move || {
            let mut sender = Some(sender);
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("listening on ") {
                    if let Some(sender) = sender.take() {
                        let _ = sender.send(url.trim().to_string());
                    }
                }
            }
        });
        let mut app = App {
            spec,
            child,
            base_url: String::new(),
            log,
            _dir: dir,
        };
        match receiver.recv_timeout(STARTUP_LIMIT) {
            Ok(url) => app.base_url = url,
            Err(_) => panic!(
                "the {name} app did not say where it listens within {STARTUP_LIMIT:?}\n{}",
                app.log_tail()
            ),
        }
        let deadline = Instant::now() + STARTUP_LIMIT;
        while let Err(e) = app.try_state_changes() {
            if Instant::now() > deadline {
                panic!(
                    "the {name} app at {} never answered GET /__state: {e}\n{}",
                    app.base_url,
                    app.log_tail()
                );
            }
            if let Ok(Some(status)) = app.child.try_wait() {
                panic!("the {name} app exited ({status})\n{}", app.log_tail());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        app
    }

    /// The number of state changes (create, update, delete) the app really performed.
    fn state_changes(&self) -> u64 {
        self.try_state_changes()
            .unwrap_or_else(|e| panic!("GET {}/__state failed: {e}", self.base_url))
    }

    fn try_state_changes(&self) -> Result<u64, String> {
        let body = http_get(&format!("{}/__state", self.base_url))?;
        let value: Value =
            serde_json::from_str(&body).map_err(|e| format!("not JSON ({e}): {body}"))?;
        value["changes"]
            .as_u64()
            .ok_or_else(|| format!("no changes counter in {body}"))
    }

    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        let start = lines.len().saturating_sub(30);
        format!(
            "--- {} app log (last lines) ---\n{}",
            self.spec.dir,
            lines[start..].join("\n")
        )
    }
}

impl Drop for App {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A plain GET to one of our loopback apps; the body, or why it failed.
fn http_get(url: &str) -> Result<String, String> {
    rollcall::install_crypto_provider();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("tokio runtime: {e}"))?;
    runtime.block_on(async {
        let client = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| format!("HTTP client: {e}"))?;
        let response = client.get(url).send().await.map_err(|e| e.to_string())?;
        let status = response.status();
        let body = response.text().await.map_err(|e| e.to_string())?;
        if status.is_success() {
            Ok(body)
        } else {
            Err(format!("{status}: {body}"))
        }
    })
}

// ---------------------------------------------------------------------------
// ---------------------------------------------------------------------------
// Running rollcall

struct Check {
    code: i32,
    /// Only to prove that no secret was shown.
    stdout: String,
    stderr: String,
    report: RunReport,
}

fn rollcall_check(app: &App, mode: &str, extra: &[&str]) -> Check {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let json = dir.path().join("report.json");
    let mut command = support::command(
        [
            "check",
            &app.spec.contract().display().to_string(),
            "--target",
            &app.base_url,
            "--mode",
            mode,
            "--json",
            &json.display().to_string(),
        ]
        .iter()
        .chain(extra),
    );
    // An empty working directory, so no ./rollcall.toml is picked up.
    command.current_dir(dir.path()).env("NO_COLOR", "1");
    let run = support::run_within(command, RUN_LIMIT);
    if !json.exists() {
        panic!("rollcall wrote no JSON report\n{}", run.all_output());
    }
    Check {
        code: run.code,
        stdout: run.stdout,
        stderr: run.stderr,
        report: support::read_report(&json),
    }
}

/// One operation's result on the (only) target.
struct Seen {
    verdict: String,
    rule: String,
    evidence: String,
    exchange: String,
}

fn seen(report: &RunReport, label: &str) -> Option<Seen> {
    let op = report.operations.iter().find(|op| op.label() == label)?;
    let result = op.results.first()?;
    let request = result.request.as_ref();
    let response = result.response.as_ref();
    Some(Seen {
        verdict: result.verdict.as_str().to_string(),
        rule: result.rule.to_string(),
        evidence: result.evidence.clone(),
        exchange: format!(
            "{} {} -> {} {}",
            request.map_or(String::new(), |r| r.method.to_string()),
            request.map_or("", |r| r.url.as_str()),
            response.map_or("null".to_string(), |r| r.status.to_string()),
            response
                .map_or("", |r| r.body.as_str())
                .chars()
                .take(160)
                .collect::<String>()
        ),
    })
}

/// What one run must give each operation: its label, the verdict, and the
/// operation's live truth (to tell a route-level proof from a miss).
type Expected = Vec<(&'static str, &'static str, &'static str)>;

fn expected_live(spec: &AppSpec) -> Expected {
    spec.ops
        .iter()
        .map(|op| (op.label, op.live, op.live))
        .collect()
}

/// Safe mode's verdicts, with the app's own `safe_overrides`, then
/// `overrides` (label, verdict), applied: what the app's framework or the
/// credentials change, which is then the truth for that operation too.
fn expected_safe(spec: &AppSpec, overrides: &[(&'static str, &'static str)]) -> Expected {
    spec.ops
        .iter()
        .map(|op| {
            match overrides
                .iter()
                .chain(spec.safe_overrides)
                .find(|(label, _)| *label == op.label)
            {
                Some(&(_, verdict)) => (op.label, verdict, verdict),
                None => (op.label, op.safe, op.live),
            }
        })
        .collect()
}

/// Every problem with the report, as readable lines (empty when all is right).
fn problems(report: &RunReport, expected: &Expected) -> Vec<String> {
    let mut problems = Vec::new();
    let declared = report.operations.len();
    if declared != expected.len() {
        problems.push(format!(
            "the report has {declared} operations, the contract declares {}",
            expected.len()
        ));
    }
    for &(label, verdict, live) in expected {
        let Some(seen) = seen(report, label) else {
            problems.push(format!("{label}: missing from the report"));
            continue;
        };
        let rule = Rule::from_id(&seen.rule);
        match rule {
            None => problems.push(format!("{label}: rule '{}' is not registered", seen.rule)),
            Some(rule) if rule.verdict().as_str() != seen.verdict => problems.push(format!(
                "{label}: rule '{}' gives {}, but the verdict is {}",
                seen.rule,
                rule.verdict(),
                seen.verdict
            )),
            Some(_) => {}
        }
        if seen.evidence.trim().is_empty() {
            problems.push(format!("{label}: no evidence"));
        }
        let route_only = verdict == ROUTE;
        let verdict = if route_only { "implemented" } else { verdict };
        if seen.verdict != verdict {
            problems.push(format!(
                "{label}: expected {verdict}, rollcall said {} ({})\n    evidence: {}\n    exchange: {}",
                seen.verdict, seen.rule, seen.evidence, seen.exchange
            ));
        } else if (route_only || live != "implemented")
            && verdict == "implemented"
            && !rule.is_some_and(|rule| rule.proof() == Proof::Route)
        {
            // Safe mode could not reach the handler harmlessly: saying
            // `implemented` is honest only as a proof of the route.
            problems.push(format!(
                "{label}: no harmless request reaches this handler (its true verdict is \
                 {live}), so safe mode can prove the route only, but rule '{}' claims the \
                 handler answered\n    evidence: {}\n    exchange: {}",
                seen.rule, seen.evidence, seen.exchange
            ));
        }
    }
    problems
}

/// The verdicts of two runs that differ, as readable lines.
fn differences(first: &RunReport, second: &RunReport, spec: &AppSpec) -> Vec<String> {
    spec.ops
        .iter()
        .filter_map(|op| {
            let a = seen(first, op.label)?;
            let b = seen(second, op.label)?;
            (a.verdict != b.verdict).then(|| {
                format!(
                    "{}: the two live runs disagree: {} ({}) then {} ({})",
                    op.label, a.verdict, a.rule, b.verdict, b.rule
                )
            })
        })
        .collect()
}

fn assert_no_problems(spec: &AppSpec, what: &str, checks: &[&Check], problems: Vec<String>) {
    if problems.is_empty() {
        return;
    }
    // The problems carry each wrong result's evidence and exchange; rollcall's
    // own warnings and errors are on stderr.
    let stderr: Vec<&str> = checks
        .iter()
        .map(|check| check.stderr.trim())
        .filter(|stderr| !stderr.is_empty())
        .collect();
    panic!(
        "{}, {what}: {} wrong\n  {}\n--- rollcall stderr ---\n{}",
        spec.dir,
        problems.len(),
        problems.join("\n  "),
        stderr.join("\n---\n")
    );
}

// ---------------------------------------------------------------------------
// The scenarios, run on each app

/// Two fresh instances, one live run each, at the same time: every verdict
/// right in both, and each instance changed exactly as its writes should.
fn live_runs_give_every_operation_its_true_verdict_twice(spec: &'static AppSpec) {
    let Some(installed) = installed() else { return };
    let runs: Vec<(Check, u64)> = thread::scope(|scope| {
        let handles: Vec<_> = (0..2)
            .map(|_| {
                scope.spawn(|| {
                    let app = App::start(spec, installed);
                    let before = app.state_changes();
                    let check = rollcall_check(&app, "live", &[]);
                    let changes = app.state_changes() - before;
                    (check, changes)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join().expect("a live run"))
            .collect()
    });
    let expected = expected_live(spec);
    let mut all = Vec::new();
    for (run, (check, changes)) in runs.iter().enumerate() {
        let run = run + 1;
        assert_eq!(check.report.mode, Mode::Live);
        if check.code != 1 {
            all.push(format!(
                "run {run}: exit code {}, expected 1 (flagged operations)",
                check.code
            ));
        }
        all.extend(
            problems(&check.report, &expected)
                .into_iter()
                .map(|problem| format!("run {run}: {problem}")),
        );
        if *changes != spec.live_changes {
            all.push(format!(
                "run {run}: the app counted {changes} state changes, expected {} (each write \
                 handler reached once, before any DELETE removed what it names)",
                spec.live_changes
            ));
        }
    }
    all.extend(differences(&runs[0].0.report, &runs[1].0.report, spec));
    assert_no_problems(spec, "live mode", &[&runs[0].0, &runs[1].0], all);
}

/// One instance, safe runs without credentials and (where the contract
/// gates operations) with a right and a wrong token, at the same time: the
/// verdicts a harmless probe can prove, and not one state change.
fn safe_runs_change_nothing_and_prove_what_harmless_probes_can(spec: &'static AppSpec) {
    let Some(installed) = installed() else { return };
    let app = App::start(spec, installed);
    let before = app.state_changes();
    let right = format!("bearerAuth={TOKEN}");
    let mut runs: Vec<(&str, Vec<&str>, Expected)> =
        vec![("safe mode", vec![], expected_safe(spec, &[]))];
    if !spec.with_token.is_empty() {
        runs.push((
            "safe mode with the token",
            vec!["--auth", &right],
            expected_safe(spec, spec.with_token),
        ));
        let wrong: Vec<(&'static str, &'static str)> = spec
            .with_wrong_token
            .iter()
            .map(|label| (*label, "auth_required"))
            .collect();
        runs.push((
            "safe mode with a wrong token",
            vec!["--auth", "bearerAuth=not-the-token"],
            expected_safe(spec, &wrong),
        ));
    }
    let checks: Vec<Check> = thread::scope(|scope| {
        let handles: Vec<_> = runs
            .iter()
            .map(|(_, args, _)| {
                let app = &app;
                scope.spawn(move || rollcall_check(app, "safe", args))
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join().expect("a safe run"))
            .collect()
    });
    let after = app.state_changes();
    let mut all = Vec::new();
    if after != before {
        all.push(format!(
            "the safe-mode runs changed the service's data ({} state changes)",
            after - before
        ));
    }
    for ((what, _, expected), check) in runs.iter().zip(&checks) {
        assert_eq!(check.report.mode, Mode::Safe);
        if check.code != 1 {
            all.push(format!(
                "{what}: exit code {}, expected 1 (flagged operations)",
                check.code
            ));
        }
        if check.stdout.contains(TOKEN) || check.stderr.contains(TOKEN) {
            all.push(format!("{what}: the token was shown"));
        }
        all.extend(
            problems(&check.report, expected)
                .into_iter()
                .map(|problem| format!("{what}: {problem}")),
        );
        if *what == "safe mode with a wrong token" {
            for label in spec.with_wrong_token {
                if let Some(seen) = seen(&check.report, label) {
                    if !seen.evidence.to_lowercase().contains("credentials") {
                        all.push(format!(
                            "{what}: {label}: the evidence does not name the rejected \
                             credentials: {}",
                            seen.evidence
                        ));
                    }
                }
            }
        }
    }
    let checks: Vec<&Check> = checks.iter().collect();
    assert_no_problems(spec, "safe mode", &checks, all);
}

macro_rules! interop_tests {
    ($($dir:ident),* $(,)?) => {
        mod live {
            $(
                #[test]
                fn $dir() {
                    super::live_runs_give_every_operation_its_true_verdict_twice(
                        super::app(stringify!($dir)),
                    );
                }
            )*
        }
        mod safe {
            $(
                #[test]
                fn $dir() {
                    super::safe_runs_change_nothing_and_prove_what_harmless_probes_can(
                        super::app(stringify!($dir)),
                    );
                }
            )*
        }
    };
}

interop_tests!(
    fastapi, express, fastify, koa, flask, django, aiohttp, httpserver
);

#[test]
fn every_app_folder_is_in_the_tables() {
    for entry in std::fs::read_dir(repo().join("testdata/interop")).expect("testdata/interop") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            assert!(
                APPS.iter().any(|app| app.dir == name),
                "testdata/interop/{name} has no entry in APPS (and so no test)"
            );
        }
    }
}
