"""allauth's texts whose Bokmål we correct (typos such as "Bekreftelsese-post", an imperative
where a message reports what happened, stray capitals). Listed here so that makemessages keeps
them in the project catalogue (locale/), which Django reads before allauth's own."""

from django.utils.translation import gettext_noop

ALLAUTH_TEXTS = [
    gettext_noop("Confirmation email sent to %(email)s."),
    gettext_noop("Removed email address %(email)s."),
    gettext_noop("You cannot remove your primary email address (%(email)s)."),
    gettext_noop("Change Password"),
    gettext_noop("Are you sure you want to sign out?"),
    gettext_noop("Forgot your password?"),
    gettext_noop("Please type your current password."),
    gettext_noop("Invalid or expired key."),
    gettext_noop("You cannot add more than %d email addresses."),
    gettext_noop("The email address is not assigned to any user account."),
    gettext_noop(
        "The password reset link was invalid, possibly because it has already been used.  "
        'Please request a <a href="%(passwd_reset_url)s">new password reset</a>.'
    ),
    gettext_noop("Note"),
    gettext_noop("Your password is now changed."),
    gettext_noop(
        "Forgotten your password? Enter your email address below, and we'll send you an email "
        "allowing you to reset it."
    ),
    gettext_noop("Password Reset Email"),
    gettext_noop(
        "You're receiving this email because you or someone else has requested a password "
        "reset for your user account.\nIt can be safely ignored if you did not request a "
        "password reset. Click the link below to reset your password."
    ),
    gettext_noop(
        "You're receiving this email because user %(user_display)s has given your email "
        "address to register an account on %(site_domain)s."
    ),
    gettext_noop("Please Confirm Your Email Address"),
    gettext_noop("Verify Your Email Address"),
]
