from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from allauth.core import context as allauth_context
from django.contrib.sites.shortcuts import get_current_site

from core import outbox


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix, email, context):
        """Account emails (verification, password reset, security notices) go through the
        outbox like every other email, so a mail or broker outage delays them but loses none."""
        request = allauth_context.request
        ctx = {"request": request, "email": email, "current_site": get_current_site(request)}
        ctx.update(context)
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
