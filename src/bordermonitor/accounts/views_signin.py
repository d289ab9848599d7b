"""Sign-in after the password: the second factor (enrolment, codes, step-up), password
change, the lockout answer, and the admins' API token pages."""

from __future__ import annotations

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import user_has_device

from bordermonitor.accounts import audit, services
from bordermonitor.accounts.access import capability_required
from bordermonitor.accounts.forms import ApiTokenForm, CodeForm, EnrolmentForm
from bordermonitor.accounts.models import ApiToken
from bordermonitor.accounts.step_up import (
    code_matches,
    fresh_second_factor_required,
    second_factor_confirmed,
)

LOCKED_OUT_STATUS = 429


def _next_target(request: HttpRequest) -> str:
    """Where to go after the code: `next` when it stays on this site, else the dashboard."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(settings.LOGIN_REDIRECT_URL)


def _next_query(request: HttpRequest) -> str:
    return urlencode({"next": _next_target(request)})


def _verified(request: HttpRequest, device) -> None:
    """The session passed its second factor: a new session key, the device, the time."""
    request.session.cycle_key()
    otp_login(request, device)
    second_factor_confirmed(request)


def _actor(request: HttpRequest) -> audit.Actor:
    return audit.Actor.of(request.user, audit.client_address(request))


@never_cache
@sensitive_post_parameters("code")
def second_factor_view(request: HttpRequest, step_up: bool = False) -> HttpResponse:
    """Ask for a code: after the password (sign-in) or again before dangerous work."""
    if not user_has_device(request.user):
        return redirect(f"{reverse('second-factor-enrol')}?{_next_query(request)}")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = code_matches(request.user, form.cleaned_data["code"])
        if device is not None:
            _verified(request, device)
            audit.audit_record(
                _actor(request),
                audit.STEP_UP if step_up else audit.SIGN_IN,
                "second_factor",
                str(request.user.pk),
            )
            return redirect(_next_target(request))
        audit.audit_record(
            _actor(request),
            audit.STEP_UP_REFUSED if step_up else audit.SIGN_IN_FAILED,
            "second_factor",
            str(request.user.pk),
        )
        form.add_error(
            "code",
            _(
                "This code is not valid. A code works once: wait for the next one, "
                "or use a recovery code."
            ),
        )
    return render(
        request,
        "accounts/second_factor.html",
        {"form": form, "step_up": step_up, "next": _next_target(request)},
    )


def step_up_view(request: HttpRequest) -> HttpResponse:
    return second_factor_view(request, step_up=True)


def _qr_svg(uri: str) -> str:
    """The otpauth:// URI as inline SVG markup (no data: URI, no inline style: CSP)."""
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathFillImage, box_size=10, border=4)
    return image.to_string(encoding="unicode")


@never_cache
@sensitive_post_parameters("code")
def enrol_view(request: HttpRequest) -> HttpResponse:
    """First sign-in: add the account to an authenticator app by QR code (or by typing
    the secret), confirm one code, then see the recovery codes once."""
    if user_has_device(request.user):
        return redirect(f"{reverse('second-factor')}?{_next_query(request)}")
    form = EnrolmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = services.totp_enrolment_confirm(
                user=request.user, code=form.cleaned_data["code"]
            )
        except ValidationError:
            form.add_error("code", _("This code does not match; try the one shown now."))
            audit.audit_record(
                _actor(request), audit.SIGN_IN_FAILED, "second_factor", str(request.user.pk)
            )
        else:
            _verified(request, device)
            audit.audit_record(
                _actor(request), audit.PERMISSION_CHANGE, "second_factor", str(request.user.pk)
            )
            return render(
                request,
                "accounts/recovery_codes.html",
                {"codes": codes, "next": _next_target(request)},
            )
    device = services.totp_device_for_enrolment(request.user)
    uri = device.config_url
    # generated by qrcode from the URI: path data only, no user-controlled markup
    qr_svg = mark_safe(_qr_svg(uri))  # noqa: S308  # nosec B308 B703
    return render(
        request,
        "accounts/enrol.html",
        {
            "form": form,
            "qr_svg": qr_svg,
            "secret": services.totp_secret_base32(device),
            "uri": uri,
            "next": _next_target(request),
        },
    )


class PasswordChangeView(auth_views.PasswordChangeView):
    """Changing the password keeps this session and ends every other one (Django's
    session auth hash changes with the password)."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("dashboard")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("Your password was changed; other sessions ended."))
        audit.audit_record(
            _actor(self.request), audit.PERMISSION_CHANGE, "password", str(self.request.user.pk)
        )
        return response


password_change_view = PasswordChangeView.as_view()


def locked_out(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """django-axes' answer while a username+address is cooling off (429), the same
    whether the account exists or not."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(
        request,
        "accounts/locked_out.html",
        {"minutes": minutes},
        status=LOCKED_OUT_STATUS,
    )


@capability_required("tokens.manage")
@fresh_second_factor_required
def token_list_view(request: HttpRequest) -> HttpResponse:
    """Create (secret shown once) and list API tokens; only with a fresh second factor."""
    form = ApiTokenForm(request.POST or None)
    secret = None
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                token, secret = services.api_token_create(
                    user=form.cleaned_data["user"],
                    name=form.cleaned_data["name"],
                    days=form.cleaned_data["days"],
                    created_by=request.user,
                )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form = ApiTokenForm()
            messages.success(request, _("Token created. Copy it now: it is not shown again."))
    tokens = ApiToken.objects.select_related("user").order_by("-created_at")[:200]
    return render(
        request, "accounts/token_list.html", {"form": form, "secret": secret, "tokens": tokens}
    )


@capability_required("tokens.manage")
@require_POST
def token_revoke_view(request: HttpRequest) -> HttpResponse:
    """Revoking needs no fresh code: stopping a leaked token must never wait."""
    pk = request.POST.get("token", "")
    token = get_object_or_404(ApiToken, pk=int(pk) if pk.isdigit() else 0)
    if services.api_token_revoke(token=token, by=request.user):
        messages.success(request, _("Token %(hint)s… revoked.") % {"hint": token.hint})
    return redirect("token-list")
