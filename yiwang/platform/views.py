from django.shortcuts import redirect, render

from yiwang.web.access import workbench_url


def home(request):
    """Each role's day starts on its own workbench (an auditor's on the audit page); admins get the
    overview."""
    if request.user.is_authenticated:
        target = workbench_url(request.user)
        if target:
            return redirect(target)
    return render(request, "platform/home.html")
