"""The most frequent terms of open answers, after Arabic and English normalisation."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from domain.question_text import normalize

# Function words that say nothing about a topic (already in normalised spelling:
# alef forms folded, taa marbuta → haa, alef maqsura → yaa).
_STOP_WORDS = (
    "في من على الي عن مع هذا هذه ذلك تلك هو هي هم هن انا نحن انت انتم ان او ثم قد لقد كان "
    "كانت يكون تكون ما ماذا لماذا كيف متي اين هل لا لم لن ليس كل بعض غير بين عند حتي اذا "
    "الذي التي الذين اللذين ايضا فقط جدا منذ لدي لدينا لكن بل و ف ب ل ك يا اي كما مثل عبر "
    "خلال حول نحو به بها له لها لهم فيه فيها منه منها عليه عليها الى الا "
    "a an the and or but if of to in on at by for with from as is are was were be been "
    "being it its this that these those i we you he she they them our your my me us not "
    "no do does did have has had will would can could should may might must so than then "
    "there here what which who whom how why when where all any some more most very just "
    "also about into over under again please"
)
STOP_WORDS = frozenset(_STOP_WORDS.split())


def terms(text: str) -> list[str]:
    return [
        word
        for word in normalize(text).split()
        if len(word) > 1 and word not in STOP_WORDS and not word.isdigit()
    ]


def top_terms(texts: Iterable[str], limit: int = 10) -> list[tuple[str, int]]:
    """Each term counted once per answer, most frequent first, ties alphabetical."""
    counter: Counter[str] = Counter()
    for text in texts:
        counter.update(set(terms(text)))
    return sorted(counter.items(), key=lambda item: (-item[1], item[0]))[:limit]
