"""People's avatars: the picture served, and the form to upload or remove one's own."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from forum.errors import UserError
from forum.models import Avatar
from forum.services.avatars import avatar_remove, avatar_set


@require_safe
def avatar(request, user_id: int):
    image = Avatar.objects.filter(user_id=user_id).values_list("image", flat=True).first()
    if image is None:
        raise Http404("no avatar")
    response = HttpResponse(bytes(image), content_type="image/webp")
    # The URL holds the picture's version: a new picture has a new URL.
    response["Cache-Control"] = "public, max-age=86400"
    return response


@login_required
@require_POST
def avatar_upload(request):
    back = redirect("forum:profile", user_id=request.user.pk)
    if request.POST.get("remove"):
        avatar_remove(user=request.user)
        messages.success(request, _("Votre avatar est retiré."))
        return back
    upload = request.FILES.get("avatar")
    if upload is None:
        messages.error(request, _("Choisissez une image."))
        return back
    try:
        avatar_set(user=request.user, data=upload.read())
    except UserError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Votre avatar est enregistré."))
    return back
