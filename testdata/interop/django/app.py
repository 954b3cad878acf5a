"""A small, real Django REST Framework service for rollcall's interop tests: a
task tracker, in one file, with DEBUG=False as in production.

It serves only part of openapi.yaml (next to this file), on purpose, the way
real services drift from their contracts. Paths end in a slash, as Django's
do. What each declared operation really does, and so the verdict rollcall must
give in live mode:

    GET    /health/                     200 (a plain Django view)           implemented
    GET    /tasks/                      200, a list whose statuses are      implemented (data, not a stub)
                                        "todo" / "doing" / "done"
    POST   /tasks/                      body checked (400), creates         implemented
    GET    /tasks/{taskId}/             200 (12 is seeded); DRF's JSON 404  implemented
                                        {"detail": "Not found."} otherwise
    PUT    /tasks/{taskId}/             body checked, replaces 12           implemented
    PATCH  /tasks/{taskId}/             body checked, updates 12            implemented
    DELETE /tasks/{taskId}/             deletes 12                          implemented
    POST   /tasks/{taskId}/complete/    a viewset @action: finds the task   not_implemented
                                        (DRF's 404 when it is gone), then
                                        raises an APIException with 501;
                                        reads no body
    GET    /tasks/{taskId}/history/     an @action that raises              server_error
                                        NotImplementedError: Django's HTML
                                        500 page
    GET    /tasks/{taskId}/checklist/   an @action answering 200            stub
                                        {"detail": "Checklists are coming
                                        soon."}
    GET    /tags                        no trailing slash: CommonMiddleware implemented (the redirect
                                        redirects to /tags/ (301), which    is the route's)
                                        is served
    GET    /tags/{slug}/                a ReadOnlyViewSet: 200 ("urgent")   implemented
    DELETE /tags/{slug}/                not offered by a ReadOnlyViewSet:   missing_method
                                        DRF's 405 with Allow
    GET    /projects/{projectId}/       a plain Django view that raises     implemented
                                        Http404 for unknown ids (999 is
                                        one): byte-identical to Django's
                                        no-route 404 page
    GET    /reports/, POST /reports/    the reports viewset is written but  missing_route
                                        never registered with the router
    GET    /account/profile/            an APIView whose permission checks  implemented (routing ran
                                        the token after routing             first, so the 401 proves it)
    GET    /account/invoices/           not served                          missing_route

The live probes of PUT, PATCH, DELETE and POST .../complete/ all name task
12: DELETE must run after the others, or they find no task (and the 501 of
complete/ turns into DRF's 404). DRF answers OPTIONS with 200, a metadata
body and Allow; Django answers a path without its trailing slash with a
301 to the slashed path when that one is routed.

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

import django
from django.conf import settings

TOKEN = "interop-token"
STATUSES = ("todo", "doing", "done")

settings.configure(
    DEBUG=False,
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    ROOT_URLCONF=__name__,
    SECRET_KEY="rollcall-interop-not-a-secret",
    INSTALLED_APPS=["django.contrib.contenttypes", "rest_framework"],
    MIDDLEWARE=["django.middleware.common.CommonMiddleware"],
    DATABASES={},
    USE_TZ=True,
    REST_FRAMEWORK={
        "DEFAULT_AUTHENTICATION_CLASSES": [],
        "DEFAULT_PERMISSION_CLASSES": [],
        "UNAUTHENTICATED_USER": None,
        "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    },
    LOGGING={
        "version": 1,
        "disable_existing_loggers": False,
        "handlers": {"stderr": {"class": "logging.StreamHandler"}},
        "loggers": {
            "django.server": {"level": "ERROR"},
            "django.request": {"handlers": ["stderr"], "level": "ERROR"},
        },
    },
)
django.setup()

from django.http import Http404, JsonResponse  # noqa: E402
from django.urls import include, path  # noqa: E402
from django.views.decorators.http import require_GET  # noqa: E402
from rest_framework import authentication, exceptions, permissions, routers, serializers, status, viewsets  # noqa: E402
from rest_framework.decorators import action  # noqa: E402
from rest_framework.response import Response  # noqa: E402
from rest_framework.views import APIView  # noqa: E402


class Store:
    def __init__(self) -> None:
        self.tasks = {
            10: {"id": 10, "title": "Draft the quarterly plan", "status": "done"},
            11: {"id": 11, "title": "Interview two candidates", "status": "doing"},
            12: {"id": 12, "title": "Update the onboarding doc", "status": "todo"},
            13: {"id": 13, "title": "Archive old tickets", "status": "todo"},
        }
        self.tags = {"urgent": {"slug": "urgent", "tasks": [12]}}
        self.projects = {1: {"id": 1, "name": "Office move"}}
        self.next_id = 14
        self.changes = 0
        self.lock = threading.Lock()

    def changed(self) -> None:
        self.changes += 1


store = Store()


class TaskSerializer(serializers.Serializer):
    title = serializers.CharField(min_length=1)
    status = serializers.ChoiceField(choices=STATUSES, default="todo")


class NotImplementedYet(exceptions.APIException):
    status_code = status.HTTP_501_NOT_IMPLEMENTED
    default_detail = "Not implemented."
    default_code = "not_implemented"


def task_or_404(pk) -> dict:
    try:
        task = store.tasks.get(int(pk))
    except ValueError:
        task = None
    if task is None:
        # DRF's JSON 404, unlike Django's HTML no-route page.
        raise exceptions.NotFound()
    return task


class TaskViewSet(viewsets.ViewSet):
    def list(self, request):
        return Response(list(store.tasks.values()))

    def create(self, request):
        serializer = TaskSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with store.lock:
            task = {"id": store.next_id, **serializer.validated_data}
            store.tasks[store.next_id] = task
            store.next_id += 1
            store.changed()
        return Response(task, status=status.HTTP_201_CREATED)

    def retrieve(self, request, pk=None):
        return Response(task_or_404(pk))

    def update(self, request, pk=None):
        serializer = TaskSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with store.lock:
            task = task_or_404(pk)
            task.clear()
            task.update({"id": int(pk), **serializer.validated_data})
            store.changed()
            return Response(task)

    def partial_update(self, request, pk=None):
        serializer = TaskSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        with store.lock:
            task = task_or_404(pk)
            task.update(serializer.validated_data)
            store.changed()
            return Response(task)

    def destroy(self, request, pk=None):
        with store.lock:
            task_or_404(pk)
            del store.tasks[int(pk)]
            store.changed()
        return Response(status=status.HTTP_204_NO_CONTENT)

    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        task_or_404(pk)
        raise NotImplementedYet("Completing tasks is not implemented.")

    @action(detail=True, methods=["get"])
    def history(self, request, pk=None):
        raise NotImplementedError("history")

    @action(detail=True, methods=["get"])
    def checklist(self, request, pk=None):
        return Response({"detail": "Checklists are coming soon."})


class TagViewSet(viewsets.ViewSet):
    lookup_field = "slug"

    def list(self, request):
        return Response(list(store.tags.values()))

    def retrieve(self, request, slug=None):
        tag = store.tags.get(slug)
        if tag is None:
            raise exceptions.NotFound()
        return Response(tag)


class ReportViewSet(viewsets.ViewSet):
    """Written, but never registered with the router: its paths answer
    Django's no-route 404."""

    def list(self, request):
        return Response([])

    def create(self, request):
        return Response({"queued": True}, status=status.HTTP_202_ACCEPTED)


class BearerToken(authentication.BaseAuthentication):
    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if header != f"Bearer {TOKEN}":
            return None
        return ("reader", TOKEN)

    def authenticate_header(self, request):
        # Makes DRF answer 401 (with WWW-Authenticate) instead of 403.
        return "Bearer"


class HasToken(permissions.BasePermission):
    def has_permission(self, request, view):
        return request.auth == TOKEN


class Profile(APIView):
    """Auth after routing: DRF checks the permission once the URL resolved to
    this view, so an unknown path under /account/ gets Django's 404."""

    authentication_classes = [BearerToken]
    permission_classes = [HasToken]

    def get(self, request):
        return Response({"name": "Reader", "plan": "free"})


def state(request):
    return JsonResponse({"changes": store.changes})


@require_GET
def health(request):
    return JsonResponse({"status": "ok"})


@require_GET
def project(request, project_id):
    found = store.projects.get(project_id)
    if found is None:
        # Django's own 404 page, byte-identical to the answer for no route.
        raise Http404("no such project")
    return JsonResponse(found)


router = routers.SimpleRouter()
router.register("tasks", TaskViewSet, basename="task")
router.register("tags", TagViewSet, basename="tag")

urlpatterns = [
    path("__state", state),
    path("health/", health),
    path("projects/<int:project_id>/", project),
    path("account/profile/", Profile.as_view()),
    path("", include(router.urls)),
]


def port_from_args() -> int:
    raw = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("PORT", "0")
    try:
        return int(raw)
    except ValueError:
        sys.exit(f"port must be a number, got {raw!r}")


def main() -> None:
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
    from django.core.wsgi import get_wsgi_application

    server = ThreadedWSGIServer(("127.0.0.1", port_from_args()), WSGIRequestHandler)
    server.set_app(get_wsgi_application())
    print(f"listening on http://127.0.0.1:{server.server_port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
