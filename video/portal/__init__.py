"""The portal: the web app for doctors, operators and admins (``cabin portal``)."""

from __future__ import annotations

from video.portal.accounts import MIN_PASSWORD_LENGTH, Account, AccountStore, Role
from video.portal.admin import add_station, create_account, read_password
from video.portal.app import create_app
from video.portal.auth import (
    AUTH_KEY,
    CSRF_FIELD,
    CSRF_HEADER,
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    SESSION_KEY,
    LoginLimiter,
    PortalAuth,
    Session,
    SessionStore,
    require_role,
    require_station,
    setup_auth,
)
from video.portal.console import setup_console
from video.portal.consults import (
    Consult,
    ConsultError,
    ConsultQueue,
    ConsultState,
    ConsultTaken,
    Summary,
    SummaryError,
    parse_summary,
)
from video.portal.signalling import HUB_KEY, RELAYED_TYPES, SignallingHub

__all__ = [
    "AUTH_KEY",
    "Account",
    "AccountStore",
    "CSRF_FIELD",
    "CSRF_HEADER",
    "Consult",
    "ConsultError",
    "ConsultQueue",
    "ConsultState",
    "ConsultTaken",
    "HUB_KEY",
    "LOGIN_CSRF_COOKIE",
    "LoginLimiter",
    "MIN_PASSWORD_LENGTH",
    "PortalAuth",
    "RELAYED_TYPES",
    "Role",
    "SESSION_COOKIE",
    "SESSION_KEY",
    "Session",
    "SessionStore",
    "SignallingHub",
    "Summary",
    "SummaryError",
    "add_station",
    "create_account",
    "create_app",
    "parse_summary",
    "read_password",
    "require_role",
    "require_station",
    "setup_auth",
    "setup_console",
]
