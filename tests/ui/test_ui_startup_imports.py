"""What the desk loads before its first queue page: no HTTP stack until the admin API is first used, no mail
outbox or background services; and the `lifer-desk` program imports with the collector paused."""

from __future__ import annotations

import subprocess
import sys


def probe(code: str) -> list[str]:
    """The lines `code` prints, run in a fresh interpreter (nothing imported by the test run)."""
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.splitlines()


HTTP_PROBE = (
    "import sys, lifer_desk.ui\n"
    "print(','.join(sorted(m for m in sys.modules if m.partition('.')[0] in ('httpx', 'fastapi', 'uvicorn'))))\n"
    "from lifer_desk.admin_api import AdminClient\n"
    "print(AdminClient.__name__, 'httpx' in sys.modules)\n"
)
FIRST_PAGE_PROBE = (
    "import sys, lifer_desk.cli.desk, lifer_desk.ui\n"
    "later = ('smtplib', 'lifer_desk.services.mail_outbox', 'lifer_desk.services.outbox_deliverer',"
    " 'lifer_desk.services.feedback_sync', 'lifer_desk.services.audit_review', 'lifer_desk.services.requests')\n"
    "print(','.join(m for m in later if m in sys.modules))\n"
)


def test_the_desk_loads_httpx_only_when_the_admin_client_is_asked_for() -> None:
    assert probe(HTTP_PROBE) == ["", "AdminClient True"]


def test_the_first_page_loads_no_mail_outbox_or_background_services() -> None:
    # They load after the first page is drawn (issue 16: start-up), when first used or in the background.
    assert probe(FIRST_PAGE_PROBE) == [""]


def collector_after_import(program: str) -> list[str]:
    return probe(f"import sys; sys.argv[0] = {program!r}; import gc, lifer_desk; print(gc.isenabled())")


def test_only_the_lifer_desk_program_imports_with_the_collector_paused() -> None:
    assert collector_after_import("/usr/local/bin/lifer-desk") == ["False"]
    assert collector_after_import("/usr/bin/pytest") == ["True"]
