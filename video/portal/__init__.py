"""The portal: the web app for doctors, operators and admins (``cabin portal``)."""

from __future__ import annotations

from video.portal.accounts import MIN_PASSWORD_LENGTH, Account, AccountStore, Role
from video.portal.admin import add_station, create_account, read_password
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

__all__ = [
    "AUTH_KEY",
    "Account",
    "AccountStore",
    "CSRF_FIELD",
    "CSRF_HEADER",
    "LOGIN_CSRF_COOKIE",
    "LoginLimiter",
    "MIN_PASSWORD_LENGTH",
    "PortalAuth",
    "Role",
    "SESSION_COOKIE",
    "SESSION_KEY",
    "Session",
    "SessionStore",
    "add_station",
    "create_account",
    "read_password",
    "require_role",
    "require_station",
    "setup_auth",
]
