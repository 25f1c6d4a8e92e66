"""Tokens for the full-text index, the same on SQLite and PostgreSQL (DESIGN section 7).

Unspaced Chinese has no word boundaries, so CJK runs are indexed as overlapping bigrams plus the
run's last character; a two-character query such as 退款 is then one exact token, and a single
character matches as a prefix. Other words are lower-cased.

A query is read the way search-as-you-type is typed: every word is whole except the last one, which is
matched as a prefix while the agent is still typing it (no trailing space). Whole words are what keep
a million-ticket index fast: a prefix term merges the lists of every token it starts. For the same
reason a one-letter prefix is taken as a whole word, and common English words are left out of a query
that has other words to go on.

A search is also read as a lookup (`lookup_of`): "#3913" is that ticket, a bare number that ticket or those
words, and one token such as an email, username or account id that requester's tickets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af"
_RUN = re.compile(rf"[{_CJK}]+|[^\W_{_CJK}]+")
_CJK_RUN = re.compile(rf"[{_CJK}]")
# The same runs, told apart by the group that matched: indexing a large feedback backlog tokenises every item,
# and testing each run again would cost as much as finding it.
_RUN_KINDS = re.compile(rf"([{_CJK}]+)|([^\W_{_CJK}]+)")


@dataclass(frozen=True)
class Term:
    text: str
    prefix: bool


def _is_cjk(run: str) -> bool:
    return _CJK_RUN.match(run) is not None


def index_tokens(text: str) -> list[str]:
    tokens: list[str] = []
    add, extend = tokens.append, tokens.extend
    for cjk, word in _RUN_KINDS.findall(text):
        if cjk:
            extend([cjk[i : i + 2] for i in range(len(cjk) - 1)])
            add(cjk[-1])
        else:
            add(word.lower())
    return tokens


def index_document(*texts: str) -> str:
    """The space-separated, de-duplicated token list stored in the index."""
    # One text (a feedback item) without a generator over the tokens: a large feedback backlog indexes a million.
    tokens = index_tokens(texts[0]) if len(texts) == 1 else [token for text in texts for token in index_tokens(text)]
    return " ".join(dict.fromkeys(tokens))


STOPWORDS = frozenset(
    {
        *("a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "from", "i", "in", "is", "it"),
        *("me", "my", "of", "on", "or", "our", "please", "so", "that", "the", "this", "to", "was", "we"),
        *("with", "you"),
    }
)


def query_terms(query: str) -> list[Term]:
    runs = _RUN.findall(query)
    still_typing = bool(runs) and not query[-1:].isspace()
    terms: dict[Term, None] = {}
    for n, run in enumerate(runs):
        if _is_cjk(run):
            if len(run) == 1:
                terms.setdefault(Term(run, prefix=True))
            for i in range(len(run) - 1):
                terms.setdefault(Term(run[i : i + 2], prefix=False))
        else:
            word = run.lower()
            # A lone letter is still a prefix when it is the whole search: something sensible beats nothing.
            typing = still_typing and n == len(runs) - 1 and (len(word) > 1 or len(runs) == 1)
            terms.setdefault(Term(word, prefix=typing))
    kept = [t for t in terms if t.prefix or t.text not in STOPWORDS]
    return kept or list(terms)


_TICKET_NUMBER = re.compile(r"(#)?(\d{1,18})")
# An email, a username or an admin-API account id: one token of the characters they are made of.
_CONTACT = re.compile(r"[\w.+@-]{2,320}")


@dataclass(frozen=True)
class Lookup:
    """What a search asks for besides words: a ticket by number, or a requester by contact or account id."""

    ticket_id: int | None = None
    contact: str | None = None
    # Whether the words of the search are looked for too: not for "#3913" nor for an email.
    words: bool = True


def lookup_of(query: str) -> Lookup:
    query = query.strip()
    if number := _TICKET_NUMBER.fullmatch(query):
        return Lookup(ticket_id=int(number.group(2)), words=number.group(1) is None)
    if _CONTACT.fullmatch(query) and not _is_cjk(query):
        return Lookup(contact=query, words="@" not in query)
    return Lookup()
