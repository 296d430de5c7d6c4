from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Core")

    def ready(self):
        from allauth.account import signals as account_signals
        from allauth.mfa import signals as mfa_signals
        from django.contrib.auth.signals import user_logged_in

        from . import audit
        from .middleware import stamp_session_start

        user_logged_in.connect(stamp_session_start, dispatch_uid="core.stamp_session_start")
        # The security log (core.audit.log_security_event); failed and throttled logins
        # are logged by the account adapter, other rate limits by RateLimitLogMiddleware.
        for signal, receiver in (
            (account_signals.user_logged_in, audit.log_login),
            (account_signals.password_reset, audit.log_password_reset),
            (account_signals.password_changed, audit.log_password_changed),
            (mfa_signals.authentication_failed, audit.log_mfa_failed),
        ):
            signal.connect(receiver, dispatch_uid=f"core.security_log.{receiver.__name__}")
