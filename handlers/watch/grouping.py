"""Near-duplicates: a repost of the same text (with 「转发」, a short comment, ``//@someone:``, a link)
gets the same story. Texts are reduced to what was said, then fingerprinted with SimHash over
character trigrams; two fingerprints within ``MAX_DISTANCE`` bits are the same story.
"""

from __future__ import annotations

import hashlib
import re

import numpy as np

from storage.watch import BANDS

BITS = 63  # stored in a signed 64-bit column
MAX_DISTANCE = 3  # with four bands, two fingerprints this close always share a band
_BAND_BITS = (16, 16, 16, 15)
_SHIFTS = np.arange(BITS, dtype=np.uint64)
_REPOST = re.compile(r"//\s*@[^:：\s]{1,30}\s*[:：]")
_NOISE = re.compile(r"https?://\S+|@[^\s:：@]{1,30}|#|【|】|转发微博|转发|repost|RT\b", re.IGNORECASE)
_KEEP = re.compile(r"[\w\u4e00-\u9fff]+")


def normalise(text: str) -> str:
    """What a repost chain says at its root: the text after the last ``//@name:``, without links,
    handles, hashtag marks, punctuation and spacing."""
    parts = _REPOST.split(text)
    root = parts[-1] if len(parts) > 1 and parts[-1].strip() else text
    root = _NOISE.sub(" ", root)
    return "".join(_KEEP.findall(root)).lower()


def _shingles(text: str) -> list[str]:
    if len(text) < 3:
        return [text] if text else []
    return [text[i : i + 3] for i in range(len(text) - 2)]


def fingerprint(text: str) -> int:
    """63-bit SimHash of the normalised text's character trigrams."""
    shingles = _shingles(normalise(text))
    if not shingles:
        return 0
    hashes = np.array(
        [int.from_bytes(hashlib.blake2b(sh.encode("utf-8"), digest_size=8).digest(), "big") >> 1 for sh in shingles],
        dtype=np.uint64,
    )
    bits = (hashes[:, None] >> _SHIFTS) & np.uint64(1)  # one row per shingle, one column per bit
    votes = bits.sum(axis=0).astype(np.int64) * 2 - len(shingles)
    return int(sum(1 << int(bit) for bit in np.flatnonzero(votes > 0)))


def bands(value: int) -> list[int]:
    out, shift = [], 0
    for width in _BAND_BITS[:BANDS]:
        out.append(value >> shift & ((1 << width) - 1))
        shift += width
    return out


def distance(a: int, b: int) -> int:
    return (a ^ b).bit_count()


def same_story(a: int, b: int) -> bool:
    return distance(a, b) <= MAX_DISTANCE
