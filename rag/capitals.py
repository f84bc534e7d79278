"""A capital stands for its country in the news ("Moskow makin mengandalkan Beijing" for "Rusia
semakin bergantung pada China"), so a question naming a capital is searched with its country's
names beside it: "Mengapa Moskow kini makin mengandalkan Beijing?" shares no word but "Beijing"
with the paragraph that answers it, and found ¶16 and ¶18 first ("Dia mengunjungi Xi di
Beijing ...") in six seed sets, each answered from ¶18.

Capitals and English country names come from countryinfo, Indonesian names from pycountry's
iso-codes translations (`places`), and the spellings Indonesian news gives some capitals from
`_INDONESIAN`. Capitals of countries under a million people are left out (their capitals are more
often people's names, "Douglas", "Victoria"), as are capitals spelled like an Indonesian root
word ("Lima", "Kabul").
"""
from __future__ import annotations

import re
from functools import lru_cache

from .language import indonesian_roots
from .places import CAPITALISED, asks_country, in_indonesian, is_country, short_forms

# Indonesian spellings of capitals that differ from the English ones
_INDONESIAN = {"moskow": "moscow", "teheran": "tehran", "warsawa": "warsaw", "athena": "athens", "kairo": "cairo",
               "roma": "rome", "wina": "vienna", "praha": "prague", "kopenhagen": "copenhagen", "lisabon": "lisbon",
               "brussel": "brussels", "bukares": "bucharest", "beograd": "belgrade", "kiev": "kyiv"}
MIN_POPULATION = 1_000_000
_SUFFIX = re.compile(r"\s+(?:d\.c\.|city)$")


def _indonesian_name(alpha2: str) -> str:
    """The country's short Indonesian name ("Federasi Rusia" -> "Rusia"), or ''."""
    try:
        import pycountry
        country = pycountry.countries.get(alpha_2=alpha2)
        if country is None:
            return ""
        name = getattr(country, "common_name", None) or country.name
        translated = in_indonesian()(name)
    except ImportError:
        return ""
    short = min(short_forms(translated), key=len)  # without its form of state ("Federasi")
    return short.title() if translated != name else ""


@lru_cache(maxsize=1)
def capital_countries() -> dict[str, tuple[str, ...]]:
    """Lower-cased capital -> its country's names (English, then Indonesian when it differs);
    empty without countryinfo."""
    try:
        from countryinfo import CountryInfo
    except ImportError:
        return {}
    out: dict[str, tuple[str, ...]] = {}
    for info in CountryInfo.all().values():
        capitals = info.get("capital")
        if (info.get("population") or 0) < MIN_POPULATION or not capitals:
            continue
        english = info.get("name", "")
        names = tuple(dict.fromkeys(n for n in (english, _indonesian_name((info.get("ISO") or {}).get("alpha2", "")))
                                    if n))
        for capital in [capitals] if isinstance(capitals, str) else capitals:
            key = _SUFFIX.sub("", capital.lower().strip())
            if key and key not in indonesian_roots() and names:
                out[key] = names
    for spelled, capital in _INDONESIAN.items():
        if capital in out:
            out[spelled] = out[capital]
    return out


_WORD = re.compile(r"(?<![\w'’-])[A-Z][\w'’-]*")
# "di Berlin", "in Beijing", "kota Pyongyang", "DKI Jakarta": the city itself, not its government
_LOCATIVE = re.compile(r"\b(?:di|ke|dari|in|at|to|near|kota|city|capital|DKI)\s+$", re.I)


def _capital_at(query: str, words: list[re.Match], i: int, table: dict) -> tuple[str, int]:
    """(the capital starting at word i, as the table knows it, or ''; how many words it takes)."""
    for n in (2, 1):  # "Kuala Lumpur" before "Kuala"
        if i + n <= len(words) and (n == 1 or query[words[i].end():words[i + 1].start()] == " "):
            key = re.sub(r"['’]s$", "", query[words[i].start():words[i + n - 1].end()]).lower()
            if key in table:
                return key, n
    return "", 1


def _other_spellings(key: str, query: str) -> list[str]:
    """The capital's other spellings (`_INDONESIAN`: "Tehran" / "Teheran") that `query` does not write."""
    forms = {key} | {form for pair in _INDONESIAN.items() if key in pair for form in pair}
    return [f.title() for f in sorted(forms) if not re.search(rf"\b{re.escape(f)}\b", query, re.I)]


def with_countries(query: str, lang: str = "id") -> str:
    """`query` with its country's names after each capital it writes as an actor ("Mengapa Moskow
    Russia Rusia kini makin mengandalkan Beijing China Cina?"; in English the English name alone),
    not after a preposition that makes it the place ("di Berlin"); else unchanged. In English a
    capital spelled two ways gets the other spelling too, as actor or place: the seed article's
    English copy kept "Teheran", and "... trilateral summit with in Tehran?" found ¶17 third.
    (Not in Indonesian: "Moskow Moscow" moved the dense ranking of five questions the wrong way.)"""
    table = capital_countries()
    words = list(_WORD.finditer(query))
    out, at, i = [], 0, 0
    while i < len(words):
        key, n = _capital_at(query, words, i, table)
        start, end = words[i].start(), words[i + n - 1].end()
        if key:
            named = _LOCATIVE.search(query[:start]) or any(
                re.search(rf"\b{re.escape(name)}\b", query, re.I) for name in table[key])
            spellings = _other_spellings(key, query) if lang == "en" else []
            extra = " ".join(spellings + ([] if named else list(table[key][:1] if lang == "en" else table[key])))
            if extra:
                out += [query[at:end], " ", extra]
                at = end
        i += n
    return "".join(out) + query[at:]


def names_only_capitals(answer: str, question: str) -> bool:
    """A country question ("Dengan negara mana ...?", "In which country ...?") answered with a
    capital and no country: "Pertemuan itu diadakan di Teheran [17]" (seed_extra62 bi22), "Qin Gang
    was posted as envoy to Beijing" (seed_extra13 t16). A city-state's capital ("Singapore") names
    its country. No gold answer of FacQA's 99 country questions (train, valid, test) is one."""
    if not asks_country(question):
        return False
    table, asked = capital_countries(), question.lower()
    names = [n for n in CAPITALISED.findall(answer) if n.lower() not in asked]
    capitals = [n for n in names if n.lower() in table and n.lower() not in {c.lower() for c in table[n.lower()]}]
    return bool(capitals) and not any(is_country(w) for n in names for w in [n, *n.split()])
