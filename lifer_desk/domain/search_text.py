"""Tokens for the full-text index, the same on SQLite and PostgreSQL (DESIGN section 7).

Unspaced Chinese has no word boundaries, so CJK runs are indexed as overlapping bigrams plus the
run's last character; a two-character query such as 退款 is then one exact token, and a single
character matches as a prefix. Other words are lower-cased and matched by prefix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af"
_RUN = re.compile(rf"[{_CJK}]+|[^\W_{_CJK}]+")
_CJK_RUN = re.compile(rf"[{_CJK}]")


@dataclass(frozen=True)
class Term:
    text: str
    prefix: bool


def _is_cjk(run: str) -> bool:
    return _CJK_RUN.match(run) is not None


def index_tokens(text: str) -> list[str]:
    tokens: list[str] = []
    for run in _RUN.findall(text):
        if _is_cjk(run):
            tokens.extend(run[i : i + 2] for i in range(len(run) - 1))
            tokens.append(run[-1])
        else:
            tokens.append(run.lower())
    return tokens


def index_document(*texts: str) -> str:
    """The space-separated, de-duplicated token list stored in the index."""
    seen: dict[str, None] = {}
    for text in texts:
        for token in index_tokens(text):
            seen.setdefault(token)
    return " ".join(seen)


def query_terms(query: str) -> list[Term]:
    terms: dict[Term, None] = {}
    for run in _RUN.findall(query):
        if _is_cjk(run):
            if len(run) == 1:
                terms.setdefault(Term(run, prefix=True))
            for i in range(len(run) - 1):
                terms.setdefault(Term(run[i : i + 2], prefix=False))
        else:
            terms.setdefault(Term(run.lower(), prefix=True))
    return list(terms)
