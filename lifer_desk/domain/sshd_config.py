"""The sshd settings that matter to the service-account deployment, judged from `sshd_config` text (issue 16).

sshd takes the first value it reads for a keyword (outside `Match` blocks), so only the first counts here too.
"""

from __future__ import annotations

from collections.abc import Mapping
from fnmatch import fnmatchcase

# A dead connection is noticed after ClientAliveInterval x ClientAliveCountMax seconds (15 x 4 = 1 minute);
# sshd then closes the session, the desk gets SIGHUP and gives its claims back.
ALIVE_INTERVAL = 15
ALIVE_COUNT_MAX = 4
# Longest acceptable wait before a dead connection lets go of its claims.
MAX_DEAD_SECONDS = 120


def settings(text: str) -> Mapping[str, str]:
    """Keyword (lower case) -> the first value given, outside Match blocks."""
    found: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        keyword, _sep, value = line.replace("=", " ", 1).partition(" ")
        keyword = keyword.lower()
        if keyword == "match":
            break
        found.setdefault(keyword, value.strip())
    return found


def problems(text: str) -> list[str]:
    """What is wrong for the desk, one sentence each; empty if nothing."""
    found = settings(text)
    out = []
    interval = found.get("clientaliveinterval", "0")
    count = found.get("clientalivecountmax", "3")
    if not interval.isdigit() or int(interval) == 0:
        out.append(
            f"ClientAliveInterval is not set: a dropped connection keeps its claims; set ClientAliveInterval "
            f"{ALIVE_INTERVAL} and ClientAliveCountMax {ALIVE_COUNT_MAX}"
        )
    elif count.isdigit() and int(interval) * max(int(count), 1) > MAX_DEAD_SECONDS:
        out.append(
            f"ClientAliveInterval {interval} x ClientAliveCountMax {count} lets a dead connection hold claims for "
            f"more than {MAX_DEAD_SECONDS} s; set {ALIVE_INTERVAL} and {ALIVE_COUNT_MAX}"
        )
    if found.get("permittty", "yes").lower() == "no":
        out.append("PermitTTY no: the desk needs a terminal")
    accepted = found.get("acceptenv", "").split()
    # A client-chosen LIFER_* (LIFER_ENV_FILE, LIFER_DATABASE_URL) would choose the desk's settings.
    risky = [pattern for pattern in accepted if fnmatchcase("LIFER_ENV_FILE", pattern)]
    if risky:
        out.append(f"AcceptEnv {' '.join(risky)} lets a client set the desk's LIFER_* settings; accept none of them")
    return out
