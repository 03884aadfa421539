"""Photos of cases: served only to whoever may read the case they belong to.

/media/attachments/… is this view, not a folder anyone can read: a photo of a case shows a place, often
a person or a plate. Who may read the case (cases.selectors.can_read_case: staff in scope, the
resident who filed it) or a visitor who proved the case's phone (web.otp) may see its photos; a
photo a dispatcher approved for the public (Open311's media_url) anyone; a photo not yet bound to a
case only its uploader. Anyone else gets 404, as for a file that does not
exist. The file itself is sent by Django (demo, small pilots) or, with MEDIA_SENDFILE, by the web
server in front (nginx X-Accel-Redirect, Apache/lighttpd X-Sendfile) after this check.
"""

from __future__ import annotations

import mimetypes
import posixpath
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse
from django.views.decorators.http import require_GET

from yiwang.cases.selectors import can_read_case
from yiwang.intake.models import Attachment

from .. import otp


def _may_see(request, attachment: Attachment) -> bool:
    case = attachment.case
    if case is not None and attachment.public_approved_at is not None:
        return True  # a dispatcher approved it for the public (Open311's media_url)
    if case is None:
        return request.user.is_authenticated and attachment.uploaded_by_id == request.user.pk
    return can_read_case(request.user, case) or otp.granted(request.session, case.number)


@require_GET
def attachment(request, path: str):
    name = posixpath.normpath(f"attachments/{path}")
    if not name.startswith("attachments/") or ".." in name.split("/"):
        raise Http404(path)
    found = Attachment.objects.select_related("case").filter(file=name).first()
    if found is None or not _may_see(request, found):
        raise Http404(path)  # not 403: whether a photo exists is not for strangers
    mode = getattr(settings, "MEDIA_SENDFILE", "")
    if mode:
        response = HttpResponse(content_type=found.content_type)
        if mode == "x-accel-redirect":
            response["X-Accel-Redirect"] = settings.MEDIA_SENDFILE_PREFIX.rstrip("/") + "/" + name
        else:
            response["X-Sendfile"] = str(Path(settings.MEDIA_ROOT) / name)
    else:
        full = Path(settings.MEDIA_ROOT) / name
        if not full.is_file():
            raise Http404(path)
        content_type = found.content_type or mimetypes.guess_type(full.name)[0] or "application/octet-stream"
        response = FileResponse(full.open("rb"), content_type=content_type)
    response["Cache-Control"] = "private, max-age=3600"  # never in a shared cache
    return response
