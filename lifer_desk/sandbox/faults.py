"""Fault switches: latency, a random error rate, and a full outage, from the environment or at runtime."""

from __future__ import annotations

import os
from collections.abc import Mapping

from pydantic import BaseModel, Field, ValidationError

ENV_LATENCY_MS = "LIFER_SANDBOX_LATENCY_MS"
ENV_ERROR_RATE = "LIFER_SANDBOX_ERROR_RATE"
ENV_OUTAGE = "LIFER_SANDBOX_OUTAGE"
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


class FaultSwitchError(ValueError):
    """A malformed fault switch; `key` names the environment variable."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")
        self.key = key
        self.problem = problem


class Faults(BaseModel):
    latency_ms: float = Field(default=0.0, ge=0, le=60_000)
    error_rate: float = Field(default=0.0, ge=0, le=1, description="Share of calls answered 503.")
    outage: bool = Field(default=False, description="Every call but the control endpoint answers 503.")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Faults:
        """Read the switches; a malformed value raises FaultSwitchError naming the variable."""
        environ = os.environ if env is None else env
        outage_raw = environ.get(ENV_OUTAGE, "").strip().lower()
        if outage_raw not in _TRUE | _FALSE:
            raise FaultSwitchError(ENV_OUTAGE, f"expected 1/0 or true/false, got {outage_raw!r}")
        try:
            return cls(
                latency_ms=_number(environ, ENV_LATENCY_MS),
                error_rate=_number(environ, ENV_ERROR_RATE),
                outage=outage_raw in _TRUE,
            )
        except ValidationError as exc:
            first = exc.errors()[0]
            raise FaultSwitchError(f"LIFER_SANDBOX_{str(first['loc'][0]).upper()}", first["msg"]) from None


def _number(environ: Mapping[str, str], name: str) -> float:
    raw = environ.get(name) or "0"
    try:
        return float(raw)
    except ValueError:
        raise FaultSwitchError(name, f"expected a number, got {raw!r}") from None
