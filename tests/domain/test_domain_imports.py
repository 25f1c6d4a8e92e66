import subprocess
import sys

MODULES = ["identity", "legal_clocks", "masking", "sla", "text_safety", "timeutil"]
FORBIDDEN = ["textual", "sqlalchemy", "sqlmodel", "httpx", "fastapi", "lifer_desk.store", "lifer_desk.services"]


def test_domain_modules_stay_pure() -> None:
    code = (
        "import sys\n"
        + "".join(f"import lifer_desk.domain.{name}\n" for name in MODULES)
        + f"print(','.join(m for m in {FORBIDDEN!r} if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""
