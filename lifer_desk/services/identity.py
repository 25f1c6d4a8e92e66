"""Who is at the desk: the one place that decides it (DESIGN 4).

Normally the SSH login is the authentication, so the agent is the OS user running the process: the
real uid, looked up in the password database. `LOGNAME` and `USER` are never consulted outside demo
mode, since anyone can set them (`LOGNAME=sv1 lifer-desk` must not open the desk as sv1). Demo mode
lets the desk switch between seeded agents. The hardened deployment (one service account reached
through forced SSH commands carrying `--agent NAME`) slots in here and nowhere else: `current_agent`
is where `as_agent` would be honoured for the service account.
"""

from __future__ import annotations

import os
import pwd
from collections.abc import Mapping

from lifer_desk.config import Settings
from lifer_desk.i18n import _, install_language
from lifer_desk.services.agents import ADD_HINT, Actor, AgentInfo, find_agent
from lifer_desk.services.errors import PermissionDenied, UnknownAgent
from lifer_desk.store.db import Database


def os_user() -> str:
    """The name of the real uid running this process (not the effective uid: a setuid wrapper changes nothing)."""
    uid = os.getuid()
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        # A uid with no passwd entry, as in some containers: nobody to look up, and the environment is no witness.
        raise UnknownAgent(
            _("uid {uid} has no entry in the password database; lifer-desk cannot tell who you are").format(uid=uid)
        ) from None


def host_actor(settings: Settings) -> Actor:
    """The OS user as the actor of host-side commands (`agents ...`): an operator if root or the service account."""
    name = os_user()
    operator = os.getuid() == 0 or (settings.service_account is not None and name == settings.service_account)
    return Actor(name, operator=operator)


def under_service_account_sshd(settings: Settings, environ: Mapping[str, str] | None = None) -> bool:
    """Whether this process is the service account's, started by sshd: the only place `--agent NAME` counts.

    sshd sets `SSH_CONNECTION` for the forced command; the account's own files decide which key names which
    agent, and nobody but the account can write them.
    """
    env = os.environ if environ is None else environ
    return settings.service_account is not None and os_user() == settings.service_account and "SSH_CONNECTION" in env


def current_agent(
    db: Database,
    settings: Settings,
    *,
    demo: bool = False,
    as_agent: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> AgentInfo:
    """The active agent this session acts as; refused with the command that adds agents otherwise."""
    if demo:
        name = as_agent or settings.agent
        if not name:
            raise UnknownAgent(_("demo mode needs an agent: set LIFER_AGENT=NAME or pick one of the seeded agents"))
    else:
        name = os_user()
        if as_agent is not None and under_service_account_sshd(settings, environ):
            name = as_agent
        elif as_agent is not None and as_agent != name:
            raise PermissionDenied(
                _(
                    "only demo mode, or the service account {account} under sshd, may act as another agent "
                    "({agent!r}); you are {name!r}"
                ).format(account=settings.service_account or "(LIFER_SERVICE_ACCOUNT)", agent=as_agent, name=name)
            )
    agent = find_agent(db, name)
    if agent is None or not agent.active:
        hint = ADD_HINT.replace("NAME", name)
        if agent is None:
            message = _("{name!r} is not a lifer-desk agent; an administrator can add it with `{hint}`")
        else:
            message = _("{name!r} is a deactivated lifer-desk agent; an administrator can add it with `{hint}`")
        raise UnknownAgent(message.format(name=name, hint=hint))
    # From here on, this process speaks the agent's language (the CLI's messages, then the desk's screens).
    install_language(agent.lang or settings.lang)
    return agent
