"""Fluency guard for suggested rewrites: does the sentence still read as Chinese around the change?

A rewrite replaces a phrase inside a sentence; what can go wrong is at its seams. The guard segments the
text around the change with jieba and refuses a rewrite that leaves a classifier without its numeral
(「国内主流家」「放在主流位」), creates a word the dictionary does not know, glues two loose characters into an
unknown two-character fragment, or matches one of the team's refuse patterns (「更领先的…之一」, 「我们是行业。」).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import jieba
import jieba.posseg

_HAN = re.compile(r"[\u4e00-\u9fff]")
_WINDOW = 8  # characters on each side of a change that the guard segments
# Single characters that stand on their own next to anything: particles, prepositions, adverbs, copulas.
_FREE_CHARS = set(
    "的地得了着过是在和与及或也都就还更很较已将会能可把被对为从向于以而并上中下内外让使给有无不没这那其此各每某该又再才只仅均皆所"
)
_CLAUSE_END = set("，。；！？、,.;!?：:")
# A classifier needs a numeral or a demonstrative before it (一家, 这位, 每台, 几款).
_NUMERAL_FLAGS = ("m", "mq", "r")


@dataclass
class FluencyGuard:
    refuse: re.Pattern[str] | None = None

    def reads_well(self, sentence: str, start: int, end: int, replacement: str) -> bool:
        """Whether replacing ``sentence[start:end]`` by ``replacement`` keeps the sentence fluent."""
        new = sentence[:start] + replacement + sentence[end:]
        seam_a, seam_b = start, start + len(replacement)
        if not new.strip("。！？!?，, "):
            return False
        after = new[seam_b : seam_b + 1]
        if not replacement and (not after or after in _CLAUSE_END):
            return False  # deleting a predicate or object leaves 「音质。」「产品获得，」
        if not replacement:
            # 「是业界高的」「这款是快的」: one bare adjective left where a superlative was.
            first = jieba.posseg.lcut(new[seam_b : seam_b + 4], HMM=False)[:1]
            if first and len(first[0].word) == 1 and first[0].flag == "a":
                following = new[seam_b + 1 : seam_b + 2]
                if not following or following == "的" or following in _CLAUSE_END:
                    return False
        if self.refuse is not None:
            for m in self.refuse.finditer(new, max(0, seam_a - _WINDOW), min(len(new), seam_b + _WINDOW)):
                if m.start() <= seam_b and m.end() >= seam_a:
                    return False
        low, high = max(0, seam_a - _WINDOW), min(len(new), seam_b + _WINDOW)
        window = new[low:high]
        a, b = seam_a - low, seam_b - low
        return self._segments_cleanly(window, a, b, sentence)

    def _segments_cleanly(self, window: str, a: int, b: int, original: str) -> bool:
        tagged = [(p.word, p.flag) for p in jieba.posseg.lcut(window, HMM=False)]
        position = 0
        spans = []
        for word, flag in tagged:
            spans.append((position, position + len(word), word, flag))
            position += len(word)
        for index, (s, e, word, flag) in enumerate(spans):
            touches = s <= b and e >= a
            if not touches:
                continue
            previous = spans[index - 1] if index else None
            # A classifier right after the change (or inside it) without a numeral before it.
            orphan = previous is None or previous[3] not in _NUMERAL_FLAGS
            if flag == "q" and len(word) == 1 and a <= s <= b and orphan:
                return False
            # Two loose characters meeting at a seam form a fragment no dictionary knows.
            if (
                previous is not None
                and len(word) == 1
                and len(previous[2]) == 1
                and s in (a, b)
                and _HAN.match(word)
                and _HAN.match(previous[2])
                and word not in _FREE_CHARS
                and previous[2] not in _FREE_CHARS
                and (previous[2] + word) not in jieba.dt.FREQ
            ):
                return False
        # Words the statistical (HMM) pass invents across a seam are not Chinese words (a word inside the
        # replacement is the rule file's own wording).
        position = 0
        for word in jieba.lcut(window, HMM=True):
            s, e = position, position + len(word)
            position = e
            unknown = len(word) >= 2 and bool(_HAN.search(word)) and not jieba.dt.FREQ.get(word)
            if (s < a < e or s < b < e) and unknown and word not in original:
                return False
        return True
