from django.db import connection
from django.http import JsonResponse


def healthz(request):
    try:
        with connection.cursor() as cur:
            cur.execute("SELECT 1")
        db = "ok"
    except Exception as exc:  # noqa: BLE001 - health reports, never raises
        return JsonResponse({"status": "error", "database": str(exc)}, status=503)
    return JsonResponse({"status": "ok", "database": db})


def home(request):
    """Each role's day starts on its own workbench (an auditor's on the audit page); admins get the
    overview."""
    from django.apps import apps
    from django.shortcuts import redirect, render

    if request.user.is_authenticated and apps.is_installed("yiwang.web"):
        from yiwang.web.access import workbench_url

        target = workbench_url(request.user)
        if target:
            return redirect(target)
    return render(request, "core/home.html", {"web": apps.is_installed("yiwang.web")})
