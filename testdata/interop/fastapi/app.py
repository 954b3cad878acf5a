"""A small, real FastAPI service for rollcall's interop tests.

It serves only part of openapi.yaml (next to this file), on purpose, the way
real services drift from their contracts. What each declared operation really
does, and so the verdict rollcall must give in live mode:

    GET    /health                         200                               implemented
    GET    /books                          200, list                         implemented
    POST   /books                          body validated, creates            implemented
    GET    /books/{bookId}                 200 (1 is seeded)                  implemented
    PUT    /books/{bookId}                 body validated, replaces           implemented
    PATCH  /books/{bookId}                 body validated, updates            implemented
    DELETE /books/{bookId}                 deletes; "Book not found" 404      implemented
    GET    /books/{bookId}/reviews         HTTPException(501)                 not_implemented
    GET    /books/{bookId}/recommendations raise NotImplementedError -> 500   server_error
    GET    /books/{bookId}/cover           200 {"status": "not implemented yet"}  stub
    PUT    /books/{bookId}/cover-image     application/octet-stream, stored   implemented
                                           as sent (an empty body is a valid
                                           image upload that changes data)
    POST   /books/{bookId}/loans           body validated, then 501           not_implemented
    GET    /authors/{authorId}             HTTPException(404) for unknown ids: implemented
                                           byte-identical to the no-route 404
    DELETE /authors/{authorId}             not registered (405, Allow: GET)   missing_method
    GET    /shelves/{shelfId}              200 (shelf-1 is seeded)            implemented
    PUT    /shelves/{shelfId}              body validated, replaces shelf-1   implemented
    DELETE /shelves/{shelfId}              deletes shelf-1; bare 404 after    implemented
    POST   /shelves/{shelfId}/notes        finds the shelf (bare 404 when it  not_implemented
                                           is gone), then 501; reads no body
    GET    /orders, POST /orders,          router left out of the build       missing_route
    GET    /orders/{orderId}
    GET    /admin/stats                    sub-app whose middleware checks    auth_required without
    GET    /admin/audit-log                the token before routing           a token; with it
                                           (audit-log is not served)          implemented / missing_route
    GET    /account/profile                router whose dependency checks     implemented (routing ran
                                           the token after routing            first, so the 401 proves it)
    GET    /account/invoices               not served                         missing_route

The live probes of GET, PUT, DELETE and POST .../notes all name shelf-1:
DELETE must run after the others, or they get the bare 404 (byte-identical
to no route) instead of their real answers.

Not in the contract: GET /__state, the number of state changes (create,
update, delete) the service really performed, so a test can prove that a
safe-mode run changed nothing.

Run: python app.py [PORT] (or env PORT; 0 or nothing picks a free port). It
binds 127.0.0.1 only and prints "listening on http://127.0.0.1:<port>" once
the socket is bound.
"""

import os
import socket
import sys
from typing import Optional

import uvicorn
from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.middleware.base import BaseHTTPMiddleware

TOKEN = "interop-token"

app = FastAPI(title="rollcall interop (FastAPI)")


class Store:
    def __init__(self) -> None:
        self.books: dict[int, dict] = {
            1: {"id": 1, "title": "Dune", "author": "Frank Herbert"},
            2: {"id": 2, "title": "Solaris", "author": "Stanislaw Lem"},
            3: {"id": 3, "title": "Ubik", "author": "Philip K. Dick"},
            4: {"id": 4, "title": "Kindred", "author": "Octavia E. Butler"},
        }
        self.authors: dict[int, dict] = {1: {"id": 1, "name": "Frank Herbert"}}
        self.shelves: dict[str, dict] = {
            "shelf-1": {"id": "shelf-1", "name": "Science fiction", "books": [1, 2, 3]},
            "shelf-2": {"id": "shelf-2", "name": "To read", "books": [4]},
        }
        self.next_id = 5
        self.changes = 0

    def changed(self) -> None:
        self.changes += 1


store = Store()


class BookIn(BaseModel):
    title: str = Field(min_length=1)
    author: str = Field(min_length=1)


class BookPatch(BaseModel):
    title: Optional[str] = Field(default=None, min_length=1)
    author: Optional[str] = Field(default=None, min_length=1)


class ShelfIn(BaseModel):
    name: str = Field(min_length=1)
    books: list[int] = []


class LoanIn(BaseModel):
    borrower: str = Field(min_length=1)
    days: int = Field(ge=1, le=60)


def book_or_404(book_id: int) -> dict:
    book = store.books.get(book_id)
    if book is None:
        # A distinct body: unlike the no-route 404, this says what is missing.
        raise HTTPException(status_code=404, detail="Book not found")
    return book


@app.get("/__state", include_in_schema=False)
def state() -> dict:
    return {"changes": store.changes}


@app.get("/health")
def health() -> dict:
    return {"status": "ok"}


@app.get("/books")
def list_books(limit: int = 50) -> list[dict]:
    return list(store.books.values())[:limit]


@app.post("/books", status_code=201)
def create_book(book: BookIn) -> dict:
    created = {"id": store.next_id, **book.model_dump()}
    store.books[store.next_id] = created
    store.next_id += 1
    store.changed()
    return created


@app.get("/books/{book_id}")
def get_book(book_id: int) -> dict:
    return book_or_404(book_id)


@app.put("/books/{book_id}")
def replace_book(book_id: int, book: BookIn) -> dict:
    book_or_404(book_id)
    store.books[book_id] = {"id": book_id, **book.model_dump()}
    store.changed()
    return store.books[book_id]


@app.patch("/books/{book_id}")
def update_book(book_id: int, patch: BookPatch) -> dict:
    book = book_or_404(book_id)
    book.update(patch.model_dump(exclude_none=True))
    store.changed()
    return book


@app.delete("/books/{book_id}", status_code=204)
def delete_book(book_id: int) -> None:
    book_or_404(book_id)
    del store.books[book_id]
    store.changed()


@app.get("/books/{book_id}/reviews")
def list_reviews(book_id: int) -> dict:
    raise HTTPException(status_code=501, detail="Reviews are not implemented")


@app.get("/books/{book_id}/recommendations")
def recommendations(book_id: int) -> dict:
    raise NotImplementedError("recommendations")


@app.get("/books/{book_id}/cover")
def cover(book_id: int) -> dict:
    return {"status": "not implemented yet"}


@app.put("/books/{book_id}/cover-image", status_code=204)
async def put_cover_image(book_id: int, request: Request) -> None:
    # Any bytes are an image here, no bytes included.
    book = book_or_404(book_id)
    book["cover_image_bytes"] = len(await request.body())
    store.changed()


@app.post("/books/{book_id}/loans", status_code=201)
def lend_book(book_id: int, loan: LoanIn) -> dict:
    # The body was validated before this line runs; the handler is a stub.
    raise HTTPException(status_code=501, detail="Loans are not implemented")


@app.get("/authors/{author_id}")
def get_author(author_id: int) -> dict:
    author = store.authors.get(author_id)
    if author is None:
        # The bare 404: byte-identical to FastAPI's answer for no route.
        raise HTTPException(status_code=404)
    return author


def shelf_or_404(shelf_id: str) -> dict:
    shelf = store.shelves.get(shelf_id)
    if shelf is None:
        # The bare 404: byte-identical to FastAPI's answer for no route.
        raise HTTPException(status_code=404)
    return shelf


@app.get("/shelves/{shelf_id}")
def get_shelf(shelf_id: str) -> dict:
    return shelf_or_404(shelf_id)


@app.put("/shelves/{shelf_id}")
def replace_shelf(shelf_id: str, shelf: ShelfIn) -> dict:
    shelf_or_404(shelf_id)
    store.shelves[shelf_id] = {"id": shelf_id, **shelf.model_dump()}
    store.changed()
    return store.shelves[shelf_id]


@app.delete("/shelves/{shelf_id}", status_code=204)
def delete_shelf(shelf_id: str) -> None:
    shelf_or_404(shelf_id)
    del store.shelves[shelf_id]
    store.changed()


@app.post("/shelves/{shelf_id}/notes", status_code=201)
def add_shelf_note(shelf_id: str) -> dict:
    # A placeholder: it takes no body parameter yet, so FastAPI reads none.
    shelf_or_404(shelf_id)
    raise HTTPException(status_code=501, detail="Shelf notes are not implemented")


# The orders router is written but was left out of this build: nothing
# includes it, so its paths answer FastAPI's no-route 404.
orders = APIRouter(prefix="/orders")


@orders.get("")
def list_orders() -> list[dict]:
    return []


@orders.get("/{order_id}")
def get_order(order_id: int) -> dict:
    raise HTTPException(status_code=404, detail="Order not found")


def require_token(authorization: Optional[str] = Header(default=None)) -> None:
    if authorization != f"Bearer {TOKEN}":
        raise HTTPException(
            status_code=401,
            detail="Not authenticated",
            headers={"WWW-Authenticate": "Bearer"},
        )


# Auth after routing: the dependency runs only for routes that exist, so an
# unknown path under /account answers the ordinary 404.
account = APIRouter(prefix="/account", dependencies=[Depends(require_token)])


@account.get("/profile")
def profile() -> dict:
    return {"name": "Reader", "plan": "free"}


app.include_router(account)


# Auth before routing: a mounted sub-app whose middleware refuses every
# request without the token, whether or not a route matches.
admin = FastAPI()


class RequireToken(BaseHTTPMiddleware):
    async def dispatch(self, request, call_next):
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            return JSONResponse(
                {"detail": "Not authenticated"},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        return await call_next(request)


admin.add_middleware(RequireToken)


@admin.get("/stats")
def stats() -> dict:
    return {"books": len(store.books), "changes": store.changes}


app.mount("/admin", admin)


def port_from_args() -> int:
    raw = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("PORT", "0")
    try:
        return int(raw)
    except ValueError:
        sys.exit(f"port must be a number, got {raw!r}")


def main() -> None:
    # Bind the socket here so port 0 works and the real port can be printed.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port_from_args()))
    port = sock.getsockname()[1]
    print(f"listening on http://127.0.0.1:{port}", flush=True)
    config = uvicorn.Config(app, log_level="warning", access_log=False)
    uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    main()
