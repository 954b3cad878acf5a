// A small, real Express service for rollcall's interop tests.
//
// It serves only part of openapi.yaml (next to this file), on purpose, the way
// real services drift from their contracts. What each declared operation
// really does, and so the verdict rollcall must give in live mode:
//
//   GET    /health                          200                               implemented
//   GET    /books                           200, list                         implemented
//   POST   /books                           body checked, creates             implemented
//   GET    /books/{bookId}                  200 (1 is seeded)                 implemented
//   PUT    /books/{bookId}                  body checked, replaces            implemented
//   PATCH  /books/{bookId}                  body checked, updates             implemented
//   DELETE /books/{bookId}                  deletes; JSON 404 for unknown ids implemented
//   GET    /books/{bookId}/reviews          answers 501                       not_implemented
//   GET    /books/{bookId}/recommendations  throws -> Express's 500 page      server_error
//   GET    /books/{bookId}/cover            200 {"status": "not implemented yet"}  stub
//   PUT    /books/{bookId}/cover-image      application/octet-stream, stored  implemented
//                                           as sent (an empty body is a valid
//                                           image upload that changes data);
//                                           JSON 404 for unknown ids, so safe
//                                           mode's /books/not-an-integer/...
//                                           reaches this handler, which
//                                           refuses it before acting
//   POST   /books/{bookId}/loans            body checked, then 501            not_implemented
//   GET    /authors/{authorId}              next() for unknown ids: Express's implemented
//                                           "Cannot GET" 404, byte-identical
//                                           to the no-route 404
//   DELETE /authors/{authorId}              not registered ("Cannot DELETE"   missing_method
//                                           404; OPTIONS lists GET, HEAD)
//   GET    /shelves/{shelfId}               200 (shelf-1 is seeded)           implemented
//   PUT    /shelves/{shelfId}               body checked, replaces shelf-1    implemented
//   DELETE /shelves/{shelfId}               deletes shelf-1; next() after:    implemented
//                                           Express's "Cannot DELETE" 404
//   POST   /shelves/{shelfId}/notes         finds the shelf (next() when it   not_implemented
//                                           is gone), then 501; reads no body
//   GET    /orders, POST /orders,           router left out of the build      missing_route
//   GET    /orders/{orderId}
//   GET    /admin/stats                     router mounted behind a token     auth_required without
//   GET    /admin/audit-log                 check that runs before routing    a token; with it
//                                           (audit-log is not served)         implemented / missing_route
//   GET    /account/profile                 token checked by the route itself implemented (routing ran
//                                           (after routing)                   first, so the 401 proves it)
//   GET    /account/invoices                not served                        missing_route
//
// The live probes of GET, PUT, DELETE and POST .../notes all name shelf-1:
// DELETE must run after the others, or they fall through to Express's 404,
// byte-identical to no route, instead of giving their real answers.
//
// JSON bodies are parsed by one app-wide express.json(), as most Express apps
// do: a malformed body is refused with 400 before routing, on any path.
//
// Not in the contract: GET /__state, the number of state changes (create,
// update, delete) the service really performed, so a test can prove that a
// safe-mode run changed nothing.
//
// Run: node server.js [PORT] (or env PORT; 0 or nothing picks a free port). It
// binds 127.0.0.1 only and prints "listening on http://127.0.0.1:<port>" once
// the socket is bound.

"use strict";

const express = require("express");

const TOKEN = "interop-token";

const store = {
  books: new Map([
    [1, { id: 1, title: "Dune", author: "Frank Herbert" }],
    [2, { id: 2, title: "Solaris", author: "Stanislaw Lem" }],
    [3, { id: 3, title: "Ubik", author: "Philip K. Dick" }],
    [4, { id: 4, title: "Kindred", author: "Octavia E. Butler" }],
  ]),
  authors: new Map([[1, { id: 1, name: "Frank Herbert" }]]),
  shelves: new Map([
    ["shelf-1", { id: "shelf-1", name: "Science fiction", books: [1, 2, 3] }],
    ["shelf-2", { id: "shelf-2", name: "To read", books: [4] }],
  ]),
  nextId: 5,
  changes: 0,
};

function isText(value) {
  return typeof value === "string" && value.length > 0;
}

// The problems with a book body, empty when it is valid. `partial` allows
// leaving fields out (PATCH).
function bookProblems(body, partial) {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    return ["the body must be a JSON object"];
  }
  const problems = [];
  for (const field of ["title", "author"]) {
    if (body[field] === undefined && partial) continue;
    if (!isText(body[field])) problems.push(`${field} must be a non-empty string`);
  }
  return problems;
}

function requireToken(req, res, next) {
  if (req.get("authorization") !== `Bearer ${TOKEN}`) {
    res.set("WWW-Authenticate", "Bearer");
    return res.status(401).json({ error: "not authenticated" });
  }
  next();
}

// Finds the book named by :bookId, or answers this API's own JSON 404.
function findBook(req, res) {
  const book = store.books.get(Number(req.params.bookId));
  if (!book) res.status(404).json({ error: "book not found" });
  return book;
}

const app = express();
app.use(express.json());

app.get("/__state", (req, res) => res.json({ changes: store.changes }));

app.get("/health", (req, res) => res.json({ status: "ok" }));

app.get("/books", (req, res) => {
  const limit = req.query.limit === undefined ? 50 : Number(req.query.limit);
  if (!Number.isInteger(limit) || limit < 1) {
    return res.status(400).json({ error: "limit must be a positive integer" });
  }
  res.json([...store.books.values()].slice(0, limit));
});

app.post("/books", (req, res) => {
  const problems = bookProblems(req.body, false);
  if (problems.length) return res.status(400).json({ errors: problems });
  const book = { id: store.nextId++, title: req.body.title, author: req.body.author };
  store.books.set(book.id, book);
  store.changes++;
  res.status(201).json(book);
});

app.get("/books/:bookId", (req, res) => {
  const book = findBook(req, res);
  if (book) res.json(book);
});

app.put("/books/:bookId", (req, res) => {
  const problems = bookProblems(req.body, false);
  if (problems.length) return res.status(400).json({ errors: problems });
  const book = findBook(req, res);
  if (!book) return;
  const replaced = { id: book.id, title: req.body.title, author: req.body.author };
  store.books.set(book.id, replaced);
  store.changes++;
  res.json(replaced);
});

app.patch("/books/:bookId", (req, res) => {
  const problems = bookProblems(req.body, true);
  if (problems.length) return res.status(400).json({ errors: problems });
  const book = findBook(req, res);
  if (!book) return;
  if (req.body.title !== undefined) book.title = req.body.title;
  if (req.body.author !== undefined) book.author = req.body.author;
  store.changes++;
  res.json(book);
});

app.delete("/books/:bookId", (req, res) => {
  const book = findBook(req, res);
  if (!book) return;
  store.books.delete(book.id);
  store.changes++;
  res.status(204).end();
});

app.get("/books/:bookId/reviews", (req, res) => {
  res.status(501).json({ error: "reviews are not implemented" });
});

app.get("/books/:bookId/recommendations", () => {
  throw new Error("recommendations are not implemented");
});

app.get("/books/:bookId/cover", (req, res) => {
  res.json({ status: "not implemented yet" });
});

app.put(
  "/books/:bookId/cover-image",
  express.raw({ type: "application/octet-stream", limit: "1mb" }),
  (req, res) => {
    // Any bytes are an image here, no bytes included.
    const book = findBook(req, res);
    if (!book) return;
    book.coverImageBytes = Buffer.isBuffer(req.body) ? req.body.length : 0;
    store.changes++;
    res.status(204).end();
  },
);

app.post("/books/:bookId/loans", (req, res) => {
  const body = req.body;
  const valid =
    body !== null &&
    typeof body === "object" &&
    isText(body.borrower) &&
    Number.isInteger(body.days) &&
    body.days >= 1 &&
    body.days <= 60;
  if (!valid) {
    return res.status(400).json({ error: "borrower (string) and days (1-60) are required" });
  }
  // The body was checked; the handler itself is a stub.
  res.status(501).json({ error: "loans are not implemented" });
});

app.get("/authors/:authorId", (req, res, next) => {
  const author = store.authors.get(Number(req.params.authorId));
  // Falling through to Express's own 404 ("Cannot GET /authors/999"): the
  // answer is byte-identical to the one for a path no route serves.
  if (!author) return next();
  res.json(author);
});

// Finds the shelf named by :shelfId, or falls through to Express's own 404
// (next()), byte-identical to the answer for no route.
function findShelf(req, next) {
  const shelf = store.shelves.get(req.params.shelfId);
  if (!shelf) next();
  return shelf;
}

app.get("/shelves/:shelfId", (req, res, next) => {
  const shelf = findShelf(req, next);
  if (shelf) res.json(shelf);
});

app.put("/shelves/:shelfId", (req, res, next) => {
  const body = req.body;
  const valid =
    body !== null &&
    typeof body === "object" &&
    isText(body.name) &&
    (body.books === undefined || (Array.isArray(body.books) && body.books.every(Number.isInteger)));
  if (!valid) return res.status(400).json({ error: "name (string) is required; books must be ids" });
  const shelf = findShelf(req, next);
  if (!shelf) return;
  const replaced = { id: shelf.id, name: body.name, books: body.books ?? [] };
  store.shelves.set(shelf.id, replaced);
  store.changes++;
  res.json(replaced);
});

app.delete("/shelves/:shelfId", (req, res, next) => {
  const shelf = findShelf(req, next);
  if (!shelf) return;
  store.shelves.delete(shelf.id);
  store.changes++;
  res.status(204).end();
});

app.post("/shelves/:shelfId/notes", (req, res, next) => {
  // A placeholder: it never reads the body.
  if (findShelf(req, next)) res.status(501).json({ error: "shelf notes are not implemented" });
});

// The orders router is written but was left out of this build: nothing
// mounts it, so its paths answer Express's "Cannot METHOD /path" 404.
const orders = express.Router();
orders.get("/", (req, res) => res.json([]));
orders.post("/", (req, res) => res.status(201).json({ id: 1 }));
orders.get("/:orderId", (req, res) => res.status(404).json({ error: "order not found" }));

// Auth after routing: the route itself checks the token, so an unknown path
// under /account answers the ordinary 404.
app.get("/account/profile", requireToken, (req, res) => {
  res.json({ name: "Reader", plan: "free" });
});

// Auth before routing: the token check is mounted in front of the whole admin
// router, so every path under /admin, served or not, answers 401 without it.
const admin = express.Router();
admin.get("/stats", (req, res) => {
  res.json({ books: store.books.size, changes: store.changes });
});
app.use("/admin", requireToken, admin);

function portFromArgs() {
  const raw = process.argv[2] ?? process.env.PORT ?? "0";
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`port must be a number from 0 to 65535, got ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  return port;
}

const server = app.listen(portFromArgs(), "127.0.0.1", (error) => {
  if (error) {
    console.error(`cannot listen: ${error.message}`);
    process.exit(1);
  }
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
