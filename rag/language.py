"""Language detection (Indonesian / English / other) and the lexical tokenizer."""
from __future__ import annotations

import difflib
import re
import unicodedata
from functools import lru_cache
from typing import Callable, Iterable

ID, EN, OTHER = "id", "en", "other"

_ID_WORDS = frozenset("""
yang dan di ke dari untuk dengan pada ini itu apa siapa berapa bagaimana mengapa kenapa kapan
dimana mana adalah ialah tidak akan oleh dalam sebagai juga telah karena atau menurut tersebut
para saat bisa ada sudah belum sedang harus dapat lebih kata bahwa namun tetapi serta hingga
sejak agar supaya jika kalau maka lalu kemudian selama antara terhadap tentang seperti yaitu
dia ia mereka kami kita saya anda nya siapakah apakah berapakah manakah bilamana pun lagi
sebelum sesudah setelah masih hanya sangat
""".split())
# frequent content words: evidence of the language, but kept for BM25
_ID_MARKERS = _ID_WORDS | frozenset("banyak semua setiap tahun bulan hari orang jadi".split())
_EN_WORDS = frozenset("""
the of and to in is are was were what who whom whose when where why how which did does do
that this these those for with on by from according as at be been has have had it its
he she they them his her their there an a not no but or if then than about into after before
said say says will would should could can may might also only over under between during
""".split())
STOPWORDS = _ID_WORDS | _EN_WORDS | frozenset("yg utk dgn tsb".split())
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_LATIN = re.compile(r"[a-zA-Z]")
_ID_AFFIX = re.compile(r"^(me[mnr]?|ber|ter|di|pe[mnr]?)\w{3,}|\w{3,}(nya|kan|lah|kah)$")


def words(text: str) -> list[str]:
    """Lower-cased word tokens, NFKC-normalized, punctuation dropped."""
    return _WORD.findall(unicodedata.normalize("NFKC", text).lower())


def _evidence(tokens: list[str]) -> tuple[float, int]:
    """(Indonesian, English) evidence: function words, and half a point per Indonesian affix."""
    id_score = sum(t in _ID_MARKERS for t in tokens) + 0.5 * sum(bool(_ID_AFFIX.match(t)) for t in tokens)
    return id_score, sum(t in _EN_WORDS for t in tokens)


def detect_language(text: str) -> str:
    """'id', 'en' or 'other', from function words (good enough for questions and corpora)."""
    tokens = words(text)
    if not tokens:
        return OTHER
    latin = sum(1 for t in tokens if _LATIN.search(t))
    if latin < len(tokens) / 2:
        return OTHER
    id_score, en_score = _evidence(tokens)
    if id_score == en_score == 0:
        return OTHER
    return ID if id_score >= en_score else EN


def document_languages(paragraphs: Iterable[tuple[str, str]], fallback: str) -> dict[str, str]:
    """Each document's language ('id' or 'en') from (document, paragraph text) pairs, by a sample
    of its text; `fallback` (the corpus's) when it reads as neither."""
    texts: dict[str, list[str]] = {}
    for doc, text in paragraphs:
        sample = texts.setdefault(doc, [])
        if sum(map(len, sample)) < 20000:
            sample.append(text)
    langs = {doc: detect_language(" ".join(sample)[:20000]) for doc, sample in texts.items()}
    return {doc: lang if lang in (ID, EN) else fallback for doc, lang in langs.items()}


def written_in_other_language(text: str, lang: str) -> bool:
    """True when `text` is clearly not in `lang` ('id' or 'en'): at least three function words of
    the other language and more than twice the evidence for `lang`, or, in a sentence of five
    words or more, two of them and nothing of `lang` ("China pays full price for imported crude
    oil from Russia [5]" to an Indonesian question). Names and quoted words of the other
    language in a short answer stay below that."""
    tokens = words(text)
    id_score, en_score = _evidence(tokens)
    own, other = {ID: (id_score, en_score), EN: (en_score, id_score)}.get(lang, (0, 0))
    return (other >= 3 and other > 2 * own) or (other >= 2 and own == 0 and len(tokens) >= 5)


@lru_cache(maxsize=4)
def _stemmer(lang: str) -> Callable[[str], str]:
    if lang == ID:
        # Sastrawi (Nazief-Adriani with a root-word dictionary) undoes Indonesian affixes
        # correctly where Snowball's Indonesian stemmer breaks words ("mengirim" -> "irim").
        from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

        sastrawi = StemmerFactory().create_stemmer()
        return lru_cache(maxsize=200_000)(lambda w: sastrawi.stem(w) or w)
    import Stemmer  # PyStemmer: Snowball

    snowball = Stemmer.Stemmer("english")
    return lru_cache(maxsize=200_000)(snowball.stemWord)


@lru_cache(maxsize=1)
def indonesian_roots() -> frozenset[str]:
    from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

    return frozenset(StemmerFactory().get_words_from_file())


def indonesian_word(word: str) -> bool:
    """`word` (any case) is an Indonesian word: its root is in Sastrawi's dictionary of ~30,000
    roots ("Upaya", "Tuduhan"), where "Putin", "Kyiv" and "Beijing" are not."""
    low = word.lower()
    roots = indonesian_roots()
    return low in roots or _stemmer(ID)(low) in roots


def tokenize(text: str, lang: str = ID) -> list[str]:
    """BM25 tokens: words minus stop words, stemmed for the corpus language.

    Single letters are dropped; numbers are kept as they are ("2012", "49")."""
    stem = _stemmer(lang if lang in (ID, EN) else EN)
    return [t if not t.isalpha() else stem(t) for t in words(text)
            if t not in STOPWORDS and (len(t) > 1 or t.isdigit())]


PREFIX_CHARS = 5  # match keys: stems cut to this many characters


# English letters as Indonesian spells them in the words it took from English ("constructive" /
# "konstruktif", "crisis" / "krisis", "technology" / "teknologi", "complex" / "kompleks")
_LOAN_SPELLING = (("ch", "k"), ("ph", "f"), ("q", "k"), ("x", "ks"), ("c", "k"))


def _loan_spelled(token: str) -> str:
    for english, indonesian in _LOAN_SPELLING:
        token = token.replace(english, indonesian)
    return token


def match_keys(text: str, lang: str = ID) -> set[str]:
    """Language-neutral match keys: stemmed content words, spelled as Indonesian loanwords are,
    cut to a short prefix, so that an English text still meets an Indonesian one on names,
    numbers and shared roots ("February"/"Februari", "describes"/"describe", "crisis"/"krisis").
    `lang` picks the stemmer: EN undoes English inflections that the Indonesian one keeps
    ("used"/"use")."""
    return {(_loan_spelled(t) if t.isalpha() else t)[:PREFIX_CHARS] for t in tokenize(text, lang)}


def near_spelling(word: str, vocabulary: set[str]) -> bool:
    """A spelling of the same name in the other language ("Russia"/"Rusia", "Turkey"/"Turki")."""
    same_start = [w for w in vocabulary if w[:1] == word[:1] and abs(len(w) - len(word)) <= 3]
    return bool(difflib.get_close_matches(word, same_start, n=1, cutoff=0.7))


_DEMONYM_ENDINGS = ("ese", "ians", "ian", "ans", "an", "ish", "is", "i")
_CAPITALISED = re.compile(r"(?<![\w'’-])[A-Z][^\W\d_]+")


def demonym_named(word: str, text: str) -> bool:
    """`word` is an English adjective of a place whose name `text` writes ("Chinese" where it
    says "China", "American" for "Amerika", "Russian" for "Rusia")."""
    low = word.lower()
    stems = {low[:-len(e)] for e in _DEMONYM_ENDINGS if low.endswith(e) and len(low) - len(e) >= 4}
    stems |= {_loan_spelled(s) for s in stems} | {re.sub(r"(\w)\1", r"\1", s) for s in stems}
    names = {n.lower() for n in _CAPITALISED.findall(text)}
    return any(f.startswith(s) for n in names for f in (n, _loan_spelled(n)) for s in stems)
