"""jieba reading its dictionary from the SQLite copy segments exactly as with the dictionary in memory."""

from __future__ import annotations

from pathlib import Path

import jieba
import pytest

from knowledge import jieba_dict

SENTENCES = [
    "华南某汽车零部件制造商上线视觉质检以后，缺陷检出率提升到了多少？",
    "用大白话讲讲零信任网络访问是什么",
    "有没有宠物医院用智能客服的例子？",
    "2023年制造业有哪些案例，节省了1,150万元吗",
]


def _cuts(tokenizer: jieba.Tokenizer) -> list[list[str]]:
    return [tokenizer.lcut_for_search(s) for s in SENTENCES] + [tokenizer.lcut(s, HMM=False) for s in SENTENCES]


def test_the_disk_dictionary_segments_like_the_one_in_memory(tmp_path: Path) -> None:
    in_memory = jieba.Tokenizer()
    in_memory.initialize()
    first = jieba.Tokenizer()
    jieba_dict.install(first, tmp_path)  # writes the copy (and keeps this one in memory)
    assert jieba_dict.dictionary_file(tmp_path).exists()
    assert not list(tmp_path.glob("*.partial"))
    from_disk = jieba.Tokenizer()
    jieba_dict.install(from_disk, tmp_path)
    assert isinstance(from_disk.FREQ, jieba_dict.DiskFrequencies)
    assert from_disk.total == in_memory.total
    assert _cuts(from_disk) == _cuts(in_memory) == _cuts(first)
    # Words taught at run time sit on top of the file.
    for tokenizer in (in_memory, from_disk):
        tokenizer.add_word("视觉质检平台", freq=20000)
    assert _cuts(from_disk) == _cuts(in_memory)
    assert "视觉质检平台" in from_disk.lcut("视觉质检平台上线")


def test_an_unwritable_folder_leaves_jieba_loading_its_own(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder"
    tokenizer = jieba.Tokenizer()
    jieba_dict.install(tokenizer, missing)
    assert tokenizer.initialized and isinstance(tokenizer.FREQ, dict)
    assert tokenizer.lcut("缺陷检出率提升") == jieba.Tokenizer().lcut("缺陷检出率提升")


@pytest.mark.full  # a fresh interpreter
def test_jieba_reads_its_bundled_files_without_pkg_resources() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from knowledge.text import tokenize; "
        "print(tokenize('缺陷检出率提升到了多少'), 'pkg_resources' in sys.modules)"
    )
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "缺陷" in shown and shown.strip().endswith("False")
