from dataclasses import dataclass
from urllib.parse import quote

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from allauth.core import context as allauth_context
from allauth.mfa.adapter import DefaultMFAAdapter
from django.core.exceptions import ValidationError

from core import crypto, links, outbox
from core.audit import log_security_event

PORTAL_NAME = "Erfaring"


@dataclass(frozen=True)
class Portal:
    """What allauth's email templates call the site ("Hello from {{ site_name }}!"): the
    portal's name and SITE_URL's host, not the host name a request came in on."""

    name: str
    domain: str


def links_to_site_url(context):
    """The context with every link allauth built (confirmation, password reset, sign-up),
    from whatever Host the request named, moved to SITE_URL: a Host header is the client's to
    choose, and `make run PORT=8010` or a proxy's internal host name must not reach an email."""
    return {
        key: links.on_site(value)
        if isinstance(value, str) and value.startswith(("http://", "https://"))
        else value
        for key, value in context.items()
    }


def _account_id(email):
    """The id of the account an email names, for the security log (never the email)."""
    from django.contrib.auth import get_user_model

    if not email:
        return None
    return get_user_model().objects.filter(email__iexact=email).values_list("pk", flat=True).first()


class _Account:
    """A user as the security log needs it: the id only."""

    def __init__(self, pk):
        self.pk = pk


class AccountAdapter(DefaultAccountAdapter):
    def get_email_confirmation_url(self, request, emailconfirmation):
        return links.absolute_url("account_confirm_email", emailconfirmation.key)

    def get_reset_password_from_key_url(self, key):
        # allauth's own URL, with the uid and token joined by "-" in one path segment.
        url = links.absolute_url("account_reset_password_from_key", uidb36="UID", key="KEY")
        return url.replace("UID-KEY", quote(key))

    def pre_authenticate(self, request, **credentials):
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            # allauth's login_failed limit: the form says "too many attempts" (no 429).
            log_security_event(
                "login throttled",
                request=request,
                user=_Account(_account_id(credentials.get("email"))),
            )
            raise

    def authentication_failed(self, request, **credentials):
        super().authentication_failed(request, **credentials)
        log_security_event(
            "login failed", request=request, user=_Account(_account_id(credentials.get("email")))
        )

    def send_password_reset_mail(self, user, email, context):
        log_security_event("password reset requested", request=allauth_context.request, user=user)
        super().send_password_reset_mail(user, email, context)

    def send_mail(self, template_prefix, email, context):
        """Account emails (verification, password reset, security notices) go through the
        outbox like every other email, so a mail or broker outage delays them but loses none."""
        request = allauth_context.request
        portal = Portal(name=PORTAL_NAME, domain=links.site_domain())
        ctx = {"request": request, "email": email, "current_site": portal}
        ctx.update(links_to_site_url(context))
        message = self.render_mail(template_prefix, email, ctx)
        html = next(
            (
                content
                for content, mimetype in getattr(message, "alternatives", [])
                if mimetype == "text/html"
            ),
            "",
        )
        outbox.enqueue_rendered_email(
            to=message.to,
            subject=message.subject,
            body=message.body,
            html=html,
            from_email=message.from_email,
        )


def verify_address_on_password_reset(sender, request, user, **kwargs):
    """An imported member accepts the invitation by choosing a password through the link
    we emailed; that proves the address is theirs, so they are not sent a second email to
    confirm it. Only when they have that one address: with several, the link may have gone
    to another."""
    addresses = list(EmailAddress.objects.filter(user=user))
    if len(addresses) != 1 or addresses[0].email.lower() != user.email.lower():
        return
    address = addresses[0]
    if not address.verified:
        address.verified = True
        address.save(update_fields=["verified"])


class MFAAdapter(DefaultMFAAdapter):
    """allauth stores TOTP secrets and recovery-code seeds as given to `encrypt`; ours are
    Fernet tokens under MFA_ENCRYPTION_KEYS, so neither a database copy nor the Django admin
    shows a secret that computes someone's codes. `decrypt` fails loudly (InvalidToken) on a
    value no key opens, rather than treating it as a plain-text secret someone put there."""

    def encrypt(self, text):
        return crypto.MFA.encrypt(text)

    def decrypt(self, encrypted_text):
        return crypto.MFA.decrypt(encrypted_text)
