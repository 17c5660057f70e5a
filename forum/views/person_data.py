"""A person's own data: the zip of everything about them, and deleting the account."""

from __future__ import annotations

import logging

from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from forum.errors import UserError
from forum.selectors.person_export import person_export
from forum.services.accounts import account_delete

logger = logging.getLogger(__name__)


class AccountDeleteForm(forms.Form):
    posts = forms.ChoiceField(
        label=gettext_lazy("Vos messages"),
        choices=[
            ("keep", gettext_lazy("Les garder, signés « ancien participant »")),
            ("remove", gettext_lazy("Les supprimer")),
        ],
        widget=forms.RadioSelect,
        initial="keep",
    )
    password = forms.CharField(
        label=gettext_lazy("Votre mot de passe, pour confirmer"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        max_length=4096,
        strip=False,
    )


@login_required
@require_http_methods(["GET", "POST"])
def my_data(request):
    form = AccountDeleteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            account_delete(
                user=request.user,
                password=form.cleaned_data["password"],
                keep_posts=form.cleaned_data["posts"] == "keep",
            )
        except UserError as error:
            logger.info("account deletion refused for %s: %s", request.user.pk, error.code)
            form.add_error("password" if error.code == "wrong_password" else None, str(error))
        else:
            logout(request)
            messages.success(request, _("Votre compte a été supprimé."))
            return redirect("forum:home")
    status = 400 if request.method == "POST" else 200
    return render(request, "forum/my_data.html", {"form": form}, status=status)


@login_required
@require_safe
def my_data_export(request):
    response = HttpResponse(person_export(user=request.user), content_type="application/zip")
    name = f"intercoop-{timezone.localdate().isoformat()}.zip"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response
