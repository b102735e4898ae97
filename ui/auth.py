"""Who is using the dashboard: sign-in (identity provider, built-in accounts or the demo's
role picker), sign-out, and the audit entries the dashboard writes.

The mode is `[access] mode` in .streamlit/secrets.toml or $SUNSHINE_SIGN_IN (demo,
accounts or oidc). Unset, it is oidc when an `[auth]` provider is configured, demo while
the database holds only the built-in demo data and no account exists, else accounts.
Demo mode never opens real data, and `[access] demo = false` (or $SUNSHINE_DEMO=off)
switches it off altogether.
"""

from __future__ import annotations

import ipaddress
import json
import os

import streamlit as st

from datastore import accounts, status
from datastore.access import ROLES, User
from ui import sessions
from ui.database import db_path, unguarded
from ui.i18n import language, t


def _secrets() -> dict:
    try:
        return st.secrets.to_dict()
    except (FileNotFoundError, st.errors.StreamlitSecretNotFoundError):
        return {}


def access_store():
    """The access store beside the database, closed when the `with` block ends."""
    return accounts.opened(accounts.access_path(db_path()))


def _demo_allowed(access: dict) -> bool:
    switch = os.environ.get("SUNSHINE_DEMO", str(access.get("demo", True)))
    return switch.strip().lower() not in ("0", "false", "no", "off")


def sign_in_mode() -> str:
    """Demo mode only while it is allowed, no account exists, no real export was ever
    loaded beside this database and every load in it is the demo generator's: asking for
    demo mode on real data gets the sign-in instead."""
    secrets = _secrets()
    access = secrets.get("access", {})
    chosen = os.environ.get("SUNSHINE_SIGN_IN") or access.get("mode")
    if chosen in ("accounts", "oidc"):
        return chosen
    if chosen != "demo" and secrets.get("auth", {}).get("client_id"):
        return "oidc"
    if _demo_allowed(access):
        with access_store() as con:
            real_ever = accounts.has_accounts(con) or accounts.real_data_ever_loaded(con)
        if not real_ever and unguarded(status.demo_only):
            return "demo"
    return "accounts"


def trusted_proxies() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """The reverse proxies whose X-Forwarded-For is believed: `[access] trusted_proxies` (a
    list of addresses or networks) or $SUNSHINE_TRUSTED_PROXIES (comma-separated)."""
    configured = os.environ.get("SUNSHINE_TRUSTED_PROXIES")
    entries = (
        configured.split(",")
        if configured is not None
        else _secrets().get("access", {}).get("trusted_proxies", [])
    )
    return [ipaddress.ip_network(e.strip(), strict=False) for e in entries if e.strip()]


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def client_address(peer: str | None, forwarded_for: str, proxies: list) -> str:
    """Who is on the other end, for the audit trail. The peer is the address the connection
    came from (None: this machine). Only when the peer is a configured proxy is
    X-Forwarded-For read, from the right, past the configured proxies: what a client writes
    there itself is never taken for its address."""
    peer = peer or "127.0.0.1"
    address = _address(peer)
    if address is None or not any(address in network for network in proxies):
        return peer
    for hop in reversed([h for h in forwarded_for.split(",") if h.strip()]):
        client = _address(hop)
        if client is None:
            break
        if not any(client in network for network in proxies):
            return f"{client} via {peer}"
    return peer


def origin() -> str:
    """Where a request came from: the client's address and browser, as the server saw them."""

    def text(value) -> str:
        return value if isinstance(value, str) else ""  # absent outside a real server

    headers = st.context.headers or {}
    peer = text(st.context.ip_address) or None
    address = client_address(peer, text(headers.get("X-Forwarded-For")), trusted_proxies())
    agent = text(headers.get("User-Agent"))[:120]
    return " ".join(part for part in (address, agent) if part)


def audit(action: str, target: str = "", detail: str = "", user: User | None = None) -> None:
    user = user or st.session_state.get("user")
    with access_store() as con:
        accounts.audit(
            con,
            user.username if user else "anonymous",
            user.role if user else "",
            action,
            target,
            detail,
            origin(),
            user.region_code if user else None,
        )


def role_name(role: str) -> str:
    return ROLES[role].en if language() == "en" else ROLES[role].zh


def _demo_user() -> User:
    """The demo's role picker: each role in turn, over the demo district or one street."""
    streets, top_code = unguarded(status.demo_choices)
    # The choice is kept under keys of its own: a widget's state does not survive the
    # switch to another page that a change of role may need.
    chosen = st.session_state.setdefault("demo_role", "district_inspector")
    chosen_street = st.session_state.get("demo_street")
    codes = list(streets)
    with st.sidebar:
        st.markdown(f"**{t('demo_mode')}**")
        role = st.selectbox(
            t("demo_role"), list(ROLES), index=list(ROLES).index(chosen), format_func=role_name
        )
        region = top_code
        if ROLES[role].area == "street":
            region = st.selectbox(
                t("demo_street"),
                codes,
                index=codes.index(chosen_street) if chosen_street in codes else 0,
                format_func=streets.get,
            )
    st.session_state["demo_role"] = role
    st.session_state["demo_street"] = region if ROLES[role].area == "street" else chosen_street
    user = User(f"demo-{role}", t("demo_user"), role, region, "demo")
    if st.session_state.get("user") != user:
        if st.session_state.get("user"):
            audit("sign_out")
        st.session_state["user"] = user
        st.session_state["just_signed_in"] = True
        audit("sign_in", detail="demo", user=user)
    return user


# The page and query a browser first asked for, kept through the sign-in form (whose runs
# and reruns may change the address) in the tab's own storage.
_REMEMBER_PAGE = """<script>
if (!sessionStorage.getItem("sunshine_next"))
    sessionStorage.setItem("sunshine_next", location.pathname + location.search);
</script>"""


def _browser_to(route: str, ticket: str | None = None) -> None:
    """Send the browser through one of the session routes and back to the page it asked
    for (ui/sessions.py)."""
    query = f'"?ticket=" + {json.dumps(ticket)} + "&next="' if ticket else '"?next="'
    st.html(
        "<script>const next = sessionStorage.getItem('sunshine_next') || location.pathname"
        " + location.search; sessionStorage.removeItem('sunshine_next');"
        f" location.replace({json.dumps(route)} + {query} + encodeURIComponent(next));</script>",
        unsafe_allow_javascript=True,
    )


def _still_signed_in(user: User) -> bool:
    """A session is ended by signing out, disabling the account or a new password."""
    token = st.session_state.get("session_token")
    with access_store() as con:
        if token:
            return accounts.session_user(con, token) is not None
        return accounts.account_active(con, user.username)


def _password_user() -> User:
    user = st.session_state.get("user")
    if user is not None:
        if _still_signed_in(user):
            return user
        st.session_state.pop("user")
        st.session_state.pop("session_token", None)
        st.warning(t("session_expired"))
    else:
        found = sessions.cookie_user(st.context.cookies.get(sessions.COOKIE), db_path())
        if found:
            st.session_state["user"], st.session_state["session_token"] = found
            return found[0]
    if st.session_state.pop("clear_session_cookie", False):
        _browser_to(sessions.END)
    st.html(_REMEMBER_PAGE, unsafe_allow_javascript=True)
    st.title(t("app_title"))
    st.subheader(t("sign_in"))
    with st.form("sign_in"):
        username = st.text_input(t("username"))
        password = st.text_input(t("password"), type="password")
        submitted = st.form_submit_button(t("sign_in"), type="primary")
    if submitted:
        with access_store() as con:
            try:
                user = accounts.sign_in(con, username.strip(), password)
            except accounts.SignInRefused as refused:
                action = "locked" if refused.reason == "locked" else "sign_in_failed"
                named = username.strip()
                accounts.audit(con, named or "—", "", action, "", refused.reason, origin(),
                               accounts.account_region(con, named))  # fmt: skip
                st.error(t(f"sign_in_{refused.reason}", minutes=accounts.LOCK_MINUTES))
            else:
                st.session_state["user"] = user
                st.session_state["just_signed_in"] = True
                st.session_state["session_ticket"] = accounts.issue_ticket(con, user.username)
                audit("sign_in", detail="password", user=user)
                st.rerun()
    st.stop()


def _oidc_user() -> User:
    if not st.user.is_logged_in:
        st.title(t("app_title"))
        if st.button(t("sign_in_oidc"), type="primary"):
            st.login()
        st.stop()
    email = st.user.get("email")
    user = st.session_state.get("user")
    if user is None:
        with access_store() as con:
            user = accounts.oidc_user(con, email)
        if user is None:
            audit_once("refused", email or "", "no account for this identity")
            st.error(t("no_account_for_identity", email=email or "—"))
            if st.button(t("sign_out")):
                st.logout()
            st.stop()
        st.session_state["user"] = user
        st.session_state["just_signed_in"] = True
        audit("sign_in", detail="oidc", user=user)
    return user


def current_user() -> User:
    """The signed-in user; shows the sign-in and stops the page until there is one."""
    mode = sign_in_mode()
    if mode == "demo":
        user = _demo_user()
    elif mode == "oidc":
        user = _oidc_user()
    else:
        user = _password_user()
        ticket = st.session_state.pop("session_ticket", None)
        if ticket:  # just signed in: the browser fetches its session cookie once
            _browser_to(sessions.START, ticket)
    with st.sidebar:
        st.caption(
            t("signed_in_as", name=user.name, role=role_name(user.role))
            + (f" · {t('demo_data')}" if mode == "demo" else "")
        )
        if mode != "demo" and st.button(t("sign_out"), icon=":material/logout:"):
            audit("sign_out")
            del st.session_state["user"]
            token = st.session_state.pop("session_token", None)
            if token:
                with access_store() as con:
                    accounts.end_session(con, token)
            if mode == "oidc":
                st.logout()
            st.session_state["clear_session_cookie"] = True
            st.rerun()
    if mode == "demo":
        st.warning(t("demo_banner"), icon=":material/science:")
    return user


def refuse(asked: str) -> None:
    """Say no to a request outside the user's jurisdiction, and audit it."""
    audit("refused", target=asked, detail=st.context.url or "")
    st.error(t("outside_jurisdiction"))
    st.stop()


def unmask_toggle(target: str) -> bool:
    """For users with the right: a switch showing personal data in full. Each target shown
    unmasked is audited once per session."""
    user = st.session_state["user"]
    if not user.can("unmask"):
        return False
    with st.sidebar:
        unmask = st.toggle(t("unmask"), key="unmask", help=t("unmask_help"))
    audited = st.session_state.setdefault("unmasked_targets", set())
    if unmask and target not in audited:
        audit("unmask", target=target)
        audited.add(target)
    return unmask


def audit_once(action: str, target: str, detail: str = "") -> None:
    """Audit an action on a target once per session (pages rerun on every click)."""
    seen = st.session_state.setdefault("audited_once", set())
    if (action, target) not in seen:
        audit(action, target, detail)
        seen.add((action, target))
