// A small, real Fastify service for rollcall's interop tests: a helpdesk.
//
// It serves only part of openapi.yaml (next to this file), on purpose, the way
// real services drift from their contracts. What each declared operation
// really does, and so the verdict rollcall must give in live mode:
//
//   GET    /health                        200                                implemented
//   GET    /tickets                       200, a list whose statuses are     implemented (data, not a stub)
//                                         "todo" / "doing" / "done"
//   POST   /tickets                       body schema checked, creates       implemented
//   GET    /tickets/{ticketId}            200 (7 is seeded); unknown ids     implemented
//                                         get reply.callNotFound(), byte-
//                                         identical to the no-route 404
//   PUT    /tickets/{ticketId}            body schema checked, replaces 7    implemented
//   PATCH  /tickets/{ticketId}            not registered: Fastify's no-route missing_method (GET on the
//                                         404 "Route PATCH:/tickets/7 not    same path answers 200)
//                                         found" (Fastify has no 405)
//   DELETE /tickets/{ticketId}            deletes 7; callNotFound() after    implemented
//   POST   /tickets/{ticketId}/comments   finds the ticket (callNotFound()   not_implemented
//                                         when it is gone), then answers 501:
//                                         a placeholder with no body schema
//   GET    /tickets/{ticketId}/attachments 200 {"message": "Attachments are  stub
//                                         coming soon"}
//   GET    /tickets/{ticketId}/history    throws -> Fastify's 500            server_error
//   GET    /reports/weekly, POST /reports the reports plugin is written but  missing_route
//                                         never registered
//   GET    /admin/queues                  plugin with an onRequest token     implemented (routing ran
//                                         hook: Fastify runs it only for the first, so the 401 proves it);
//                                         plugin's routes (after routing)    with the token implemented
//   GET    /admin/agents                  not served (no-route 404, with or  missing_route
//                                         without a token)
//
// The live probes of PUT, DELETE and POST .../comments all name ticket 7:
// DELETE must run after the others, or they find no ticket. Fastify parses
// JSON bodies before routing: a malformed body gets 400
// FST_ERR_CTP_INVALID_JSON_BODY on any path, known or not.
//
// Not in the contract: GET /__state, the number of state changes (create,
// update, delete) the service really performed, so a test can prove that a
// safe-mode run changed nothing.
//
// Run: node server.js [PORT] (or env PORT; 0 or nothing picks a free port). It
// binds 127.0.0.1 only and prints "listening on http://127.0.0.1:<port>" once
// the socket is bound.

"use strict";

const fastify = require("fastify")({ logger: false });

const TOKEN = "interop-token";

const store = {
  tickets: new Map([
    [5, { id: 5, title: "Printer on floor 2 jams", status: "done" }],
    [6, { id: 6, title: "VPN drops every hour", status: "doing" }],
    [7, { id: 7, title: "Reset the wiki password", status: "todo" }],
    [8, { id: 8, title: "Order a second monitor", status: "todo" }],
  ]),
  nextId: 9,
  changes: 0,
};

const ticketParams = {
  type: "object",
  required: ["ticketId"],
  properties: { ticketId: { type: "integer" } },
};

const ticketBody = {
  type: "object",
  required: ["title"],
  additionalProperties: false,
  properties: {
    title: { type: "string", minLength: 1 },
    status: { type: "string", enum: ["todo", "doing", "done"] },
  },
};

fastify.get("/__state", async () => ({ changes: store.changes }));

fastify.get("/health", async () => ({ status: "ok" }));

fastify.get("/tickets", async () => [...store.tickets.values()]);

fastify.post("/tickets", { schema: { body: ticketBody } }, async (request, reply) => {
  const ticket = { id: store.nextId++, status: "todo", ...request.body };
  store.tickets.set(ticket.id, ticket);
  store.changes++;
  return reply.code(201).send(ticket);
});

fastify.get("/tickets/:ticketId", { schema: { params: ticketParams } }, async (request, reply) => {
  const ticket = store.tickets.get(request.params.ticketId);
  // The framework's own 404, byte-identical to the answer for no route.
  if (!ticket) return reply.callNotFound();
  return ticket;
});

fastify.put(
  "/tickets/:ticketId",
  { schema: { params: ticketParams, body: ticketBody } },
  async (request, reply) => {
    const id = request.params.ticketId;
    if (!store.tickets.has(id)) return reply.callNotFound();
    const ticket = { id, status: "todo", ...request.body };
    store.tickets.set(id, ticket);
    store.changes++;
    return ticket;
  },
);

fastify.delete("/tickets/:ticketId", { schema: { params: ticketParams } }, async (request, reply) => {
  if (!store.tickets.delete(request.params.ticketId)) return reply.callNotFound();
  store.changes++;
  return reply.code(204).send();
});

// A placeholder: no body schema, so any body (or none) reaches it.
fastify.post("/tickets/:ticketId/comments", { schema: { params: ticketParams } }, async (request, reply) => {
  if (!store.tickets.has(request.params.ticketId)) return reply.callNotFound();
  return reply.code(501).send({ error: "comments are not implemented" });
});

fastify.get("/tickets/:ticketId/attachments", async () => ({
  message: "Attachments are coming soon",
}));

fastify.get("/tickets/:ticketId/history", async () => {
  throw new Error("history is not implemented");
});

// Written, but never registered: its paths answer Fastify's no-route 404.
async function reports(instance) {
  instance.get("/weekly", async () => ({ opened: 0, closed: 0 }));
  instance.post("/", async (request, reply) => reply.code(202).send({ queued: true }));
}

// Auth after routing: a plugin's onRequest hook runs only for the plugin's
// own routes; an unknown path under /admin gets the ordinary 404.
fastify.register(
  async (admin) => {
    admin.addHook("onRequest", async (request, reply) => {
      if (request.headers.authorization !== `Bearer ${TOKEN}`) {
        reply.header("WWW-Authenticate", "Bearer");
        return reply.code(401).send({ error: "not authenticated" });
      }
    });
    admin.get("/queues", async () => ({ open: store.tickets.size }));
  },
  { prefix: "/admin" },
);

function portFromArgs() {
  const raw = process.argv[2] ?? process.env.PORT ?? "0";
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`port must be a number from 0 to 65535, got ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  return port;
}

fastify.listen({ port: portFromArgs(), host: "127.0.0.1" }, (error) => {
  if (error) {
    console.error(`cannot listen: ${error.message}`);
    process.exit(1);
  }
  console.log(`listening on http://127.0.0.1:${fastify.server.address().port}`);
});
