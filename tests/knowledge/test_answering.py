"""Answering rules on real components: lists from metadata, near misses, sections, chunks, snippets."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.app import Services, build_services
from bot.core import ThreadContext
from handlers.ask.service import AskService
from knowledge.library.chunk import chunk_document
from knowledge.library.facts import asked_facts, facts_line
from knowledge.library.offline_writer import results_quote, select_quotes
from knowledge.library.retrieve import ChunkHit, DocumentHit
from knowledge.text import clip
from tests.conftest import FIXTURE_LIBRARY, make_settings

INDUSTRY_YEARS = [("金融", 2020), ("金融", 2024), ("金融", 2022), ("金融", 2021), ("金融", 2023), ("金融", 2025)]
INDUSTRY_YEARS += [("金融", 2019), ("教育", 2022), ("教育", 2023)]
BANKS = ["城商行", "农商行", "股份制银行", "证券公司", "保险公司", "信托公司", "消费金融公司"]


def write_case(folder: Path, n: int, industry: str, year: int, product: str, body: str) -> None:
    (folder / f"c{n}.md").write_text(
        f"---\nid: lc-{n}\ntype: case\ntitle: 第{n}号客户数字化升级\nindustry: {industry}\n"
        f"customer: 某地客户{n}\nproducts: [{product}]\nyear: {year}\n---\n{body}",
        encoding="utf-8",
    )


@pytest.fixture
def list_services(services: Services, tmp_path: Path) -> Services:
    folder = tmp_path / "lib"
    folder.mkdir()
    for n, (industry, year) in enumerate(INDUSTRY_YEARS):
        who = BANKS[n] if industry == "金融" else "中学"
        product = "数字人" if industry == "教育" else "智能客服"
        body = (
            f"## 背景\n这家{who}的服务渠道分散，客户等待时间长，人工成本逐年上升，管理层希望统一服务入口。\n\n"
            f"## 方案\n部署{product}与知识库，打通业务系统，按业务场景配置流程。\n\n"
            f"## 成效\n- 人工成本下降 {20 + n}%，平均等待时间缩短到 {n + 1} 分钟。\n"
        )
        write_case(folder, n, industry, year, product, body)
    report = services.ingestor.ingest([folder])
    assert report.ok, report.failed
    return services


def ask(svc: Services, question: str, **kwargs: object):  # type: ignore[no-untyped-def]
    return AskService(svc.answerer, svc.settings.retrieval).ask(question, **kwargs)  # type: ignore[arg-type]


def test_list_question_names_every_match_newest_first(list_services: Services) -> None:
    reply = ask(list_services, "有哪些金融行业的案例？")
    answer = reply.data["answer"]
    assert answer["confident"] is True and answer["total"] == 7
    ids = [c["id"] for c in answer["citations"]]
    assert ids == ["lc-5", "lc-1", "lc-4", "lc-2", "lc-3", "lc-0", "lc-6"]  # 2025 … 2019
    assert "共 7 个" in reply.text
    # Each entry quotes the case's results, with its figure whole.
    assert "人工成本下降 25%" in reply.text and "[7]" in reply.text


def test_chat_shows_a_first_page_and_keeps_the_whole_list(list_services: Services) -> None:
    reply = ask(list_services, "有哪些金融行业的案例？", page_size=5)
    assert len(reply.citations) == 5
    assert '还有 2 个，回复"更多"' in reply.text
    assert "[6]" not in reply.text
    listing = reply.data["list"]
    assert listing["total"] == 7 and len(listing["ids"]) == 7 and listing["shown"] == listing["ids"][:5]
    # Each shown entry quotes its results; the page holds every entry's quote.
    assert all("人工成本下降" in c.snippet for c in reply.citations)


def test_a_list_quotes_only_as_many_entries_as_asked(list_services: Services) -> None:
    listing = list_services.answerer.answer("有哪些金融行业的案例？", quoted=slice(0, 2)).listing
    assert listing is not None and listing.total == 7
    assert [bool(e.quote) for e in listing.entries] == [True, True, False, False, False, False, False]
    later = list_services.answerer.answer("有哪些金融行业的案例？", quoted=slice(5, 10)).listing
    assert later is not None and [bool(e.quote) for e in later.entries] == [False] * 5 + [True, True]


def test_the_next_page_of_a_list_is_quoted_and_cited_like_the_first(list_services: Services) -> None:
    reply = ask(list_services, "有哪些金融行业的案例？", page_size=5, thread=ThreadContext(offset=5))
    assert reply.text.startswith("接上文（第 6–7 项，共 7 项）："), reply.text
    # Numbered as in the whole list, cited as on this page (the sources under it are [1] and [2]).
    assert "6. 《" in reply.text and "7. 《" in reply.text and "[2]" in reply.text and "[6]" not in reply.text
    assert len(reply.citations) == 2 and all("人工成本下降" in c.snippet for c in reply.citations)
    assert reply.data["list"]["shown"] == reply.data["list"]["ids"][5:] and reply.data["list"]["offset"] == 5
    assert "还有" not in reply.text


def test_notes_without_years_are_listed_in_library_order(services: Services, tmp_path: Path) -> None:
    folder = tmp_path / "notes"
    folder.mkdir()
    for n, topic in enumerate(["联邦学习", "差分隐私", "边缘计算"], start=1):
        (folder / f"n{n}.md").write_text(
            f"---\nid: tn-{n}\ntype: note\ntitle: {topic}\ntechnology: {topic}\n---\n"
            f"## 技术原理解读\n{topic}是一种把计算放在合适位置的方法，细节见正文。\n\n"
            f"## 用户价值说明\n{topic}让客户少花钱、少等待，数据也更安全。\n",
            encoding="utf-8",
        )
    assert services.ingestor.ingest([folder]).ok
    first = ask(services, "有哪些技术笔记？", page_size=5)
    # No note has a year: there is no order by year to claim, and no question words to rank by.
    assert first.text.startswith("共 3 个技术翻译笔记："), first.text
    assert [c.id for c in first.citations] == ["tn-1", "tn-2", "tn-3"]
    assert [c.id for c in ask(services, "列出所有笔记", page_size=5).citations] == ["tn-1", "tn-2", "tn-3"]
    assert ask(services, "What notes do we have?").text.startswith("3 notes in all:")


def test_what_the_metadata_says_is_answered_from_it(list_services: Services) -> None:
    year = ask(list_services, "第4号客户数字化升级是哪一年做的？")
    assert year.text.startswith("《第4号客户数字化升级》：年份 2023。[1]"), year.text
    who = ask(list_services, "第4号客户数字化升级的客户是谁？用了什么产品？")
    assert "客户 某地客户4，产品 智能客服" in who.text
    facts = asked_facts("Who was the customer, and what year?", {"year": 2023, "customer": "某地客户4"})
    assert facts_line("T", facts, english=True) == "《T》: year 2023; customer 某地客户4."
    # A question that asks for no field of the metadata gets the sentences alone.
    assert "年份" not in ask(list_services, "第4号客户数字化升级的人工成本下降了多少？").text


def test_asking_for_every_case_lists_them_all(list_services: Services) -> None:
    reply = ask(list_services, "有哪些案例？", page_size=5)
    assert reply.text.startswith("共 9 个案例（按年份从新到旧）："), reply.text
    assert reply.data["list"]["total"] == 9 and len(reply.citations) == 5
    assert ask(list_services, "What cases do we have?").text.startswith("9 cases in all (newest first):")
    # The newest ones are the same list, newest first; a 项目 is a case.
    for question in ("最近有什么新案例", "最新的项目有哪些"):
        newest = ask(list_services, question, page_size=5)
        assert newest.text.startswith("共 9 个案例（按年份从新到旧）："), (question, newest.text)
        assert newest.citations[0].id == "lc-5"  # 2025


def test_oldest_first_when_asked(list_services: Services) -> None:
    answer = ask(list_services, "金融行业的案例都有哪些？按时间顺序").data["answer"]
    assert [c["id"] for c in answer["citations"]][:2] == ["lc-6", "lc-0"]


def test_explicit_filter_lists_everything_it_matches(list_services: Services) -> None:
    answer = ask(list_services, "有哪些案例", filter_pairs=["industry=教育"]).data["answer"]
    assert answer["confident"] is True
    assert [c["id"] for c in answer["citations"]] == ["lc-8", "lc-7"]


def test_year_list_comes_from_the_metadata(list_services: Services) -> None:
    answer = ask(list_services, "2022年有哪些案例？").data["answer"]
    assert sorted(c["id"] for c in answer["citations"]) == ["lc-2", "lc-7"]


def test_near_miss_is_not_answered_confidently(list_services: Services) -> None:
    # 金融 exists, 数字人 exists, never together.
    reply = ask(list_services, "有没有金融行业用数字人的案例？")
    answer = reply.data["answer"]
    assert answer["confident"] is False
    assert answer["outcome"] == "closest"
    assert "没有同时满足" in reply.text and "最接近的是" in reply.text


def test_asking_whether_a_case_exists_is_a_near_miss_when_its_parts_never_meet(list_services: Services) -> None:
    # 2019 exists (金融), 教育 exists (2022, 2023), never together; not phrased as a list.
    reply = ask(list_services, "2019年教育行业有新案例吗？")
    assert reply.data["answer"]["confident"] is False
    assert reply.data["answer"]["outcome"] == "closest"


def test_english_near_miss_reply_is_framed_in_english(list_services: Services) -> None:
    reply = ask(list_services, "Do we have any bank case with a digital human?")
    assert reply.data["answer"]["confident"] is False
    assert "closest" in reply.text.lower() and "没有" not in reply.text.split("\n")[0]


def test_plain_words_question_quotes_the_user_value_section(library_services: Services) -> None:
    answer = ask(library_services, "用大白话讲讲检索增强生成是什么").data["answer"]
    assert answer["citations"][0]["id"] == "fx-note-rag"
    assert "开卷考试" in answer["answer"]
    assert "向量" not in answer["answer"]  # the note has the plain half: the expert half stays out


def test_principle_question_quotes_the_expert_section(library_services: Services) -> None:
    answer = ask(library_services, "检索增强生成的技术原理是什么").data["answer"]
    assert answer["citations"][0]["id"] == "fx-note-rag"
    assert "向量" in answer["answer"]
    assert "开卷考试" not in answer["answer"]


def test_english_answer_says_its_quotes_are_chinese(library_services: Services) -> None:
    reply = ask(library_services, "Do we have a hospital case?")
    assert reply.data["answer"]["confident"] is True
    assert "(Quoted from the Chinese sources.)" in reply.text


def test_focused_question_cites_only_what_answers(library_services: Services) -> None:
    answer = ask(library_services, "城商行上线智能客服后人工坐席成本下降了多少？").data["answer"]
    assert [c["id"] for c in answer["citations"]] == ["fx-bank"]


def test_no_chunk_is_a_crumb() -> None:
    body = (
        "## 背景\n"
        + "该企业的产线每天生产上万件产品，质检全靠人工目检。" * 4
        + "\n\n[需要引证]\n## 成效\n良品率提升。\n"
    )
    chunks = chunk_document(body, target_chars=60, max_chars=80, min_chars=40)
    assert all(len(c.text) >= 40 for c in chunks)
    assert any("[需要引证]" in c.text for c in chunks) and any("良品率提升" in c.text for c in chunks)
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))


def test_list_items_keep_their_lines_and_are_quoted_one_at_a_time() -> None:
    items = ["- 讲解服务观众超过80万人次", "- 讲解服务覆盖率从15%提升到70%", "- 短视频播放量超过3000万次"]
    (chunk,) = chunk_document("## 成效\n" + "\n".join(items) + "\n")
    assert chunk.text.splitlines() == items
    hit = DocumentHit("m", "博物馆数字人讲解员", "case", "m.md", {}, 0.9, 0.9, 0.5)
    hit.chunks = [ChunkHit("m#0", chunk.section, chunk.text, 0.9, 0.9, 0.5)]
    quotes = select_quotes("讲解服务覆盖率提升到多少？", [hit])
    assert quotes[0].sentence == "讲解服务覆盖率从15%提升到70%"


def test_clip_never_cuts_inside_a_number() -> None:
    text = "项目总投入约 1,150 万元，节省运维成本约 1,150 万元，客户满意度从 82% 提升到 96.5%，并且上线很快"
    for limit in range(8, len(text)):
        clipped = clip(text, limit)
        assert len(clipped) <= limit
        kept = clipped.rstrip("…").rstrip()
        for figure in ("1,150 万元", "82%", "96.5%"):
            assert not any(kept.endswith(figure[:i].rstrip()) for i in range(1, len(figure))), (limit, clipped)


def test_replica_without_bm25_files_rebuilds_them_from_the_database(library_services: Services, tmp_path: Path) -> None:
    """A second replica shares the database and the vectors, not the data dir."""
    replica_dir = tmp_path / "replica"
    replica_dir.mkdir()
    shutil.copytree(library_services.settings.chroma_path, replica_dir / "chroma")
    settings = make_settings(replica_dir, database_url=library_services.settings.resolved_database_url)
    replica = build_services(settings, embedder=library_services.embedder, use_configured_chat_model=False)
    try:
        before = library_services.retriever.document_count
        assert not (replica_dir / "lexical").exists()
        assert replica.retriever.lexical_ready() is True
        hits = replica.retriever.search("挂错科室", k=3).hits
        assert hits[0].id == "fx-hospital" and hits[0].lexical_rank == 1
        # The library changes (another replica ingests): this one rebuilds for the new generation.
        library_services.ingestor.ingest([FIXTURE_LIBRARY, _extra_case(tmp_path)])
        # (lexical_ready compares the BM25 index with the database's chunk count.)
        assert replica.retriever.lexical_ready() is True
        assert replica.retriever.document_count == before + 1
    finally:
        replica.engine.dispose()


def _extra_case(tmp_path: Path) -> Path:
    path = tmp_path / "extra.md"
    path.write_text(
        "---\nid: fx-extra\ntype: case\ntitle: 某物流公司冷链仓储温控\nindustry: 交通物流\nyear: 2024\n---\n"
        "## 成效\n冷链仓储温控告警从每周 40 次降到 3 次，货损率下降 60%。\n",
        encoding="utf-8",
    )
    return path


def test_a_list_entry_quotes_the_results_of_a_body_without_headings() -> None:
    # A spreadsheet row: background, plan and results as plain lines, no headings or labels.
    body = [
        ChunkHit(
            "r#0",
            "",
            "该公司辖区有配电房 3,600 座，依靠人工每月巡检一次。\n部署传感器和边缘网关，统一接入监测平台。",
            0,
            0,
            0,
        ),
        ChunkHit("r#1", "", "设备故障发现时间由 3 天缩短到 15 分钟，巡检人力减少 40%。", 0, 0, 0),
    ]
    assert results_quote("2021年有哪些案例？", body).startswith("设备故障发现时间由 3 天缩短到 15 分钟")


def test_a_question_naming_only_metadata_is_answered_from_the_document_it_picks(list_services: Services) -> None:
    # Only one case is 教育 in 2023; the rest of the question says nothing the case's text could match.
    reply = ask(list_services, "教育行业2023年做的那个项目是干什么的？")
    answer = reply.data["answer"]
    assert answer["confident"] is True
    assert [c["id"] for c in answer["citations"]] == ["lc-8"]


def test_a_question_asking_how_much_quotes_the_results_first() -> None:
    background = ChunkHit(
        "c-1#0",
        "背景",
        "该行有 180 余个网点、约 260 万个人客户，电话银行坐席 140 人，日均来电 1.2 万通。",
        0.9,
        0.9,
        1.0,
    )
    results = ChunkHit(
        "c-1#1", "成效", "上线一年后，坐席团队由 140 人优化为 95 人，年节约人力及外包成本约 1,150 万元。", 0.8, 0.8, 0.5
    )
    hit = DocumentHit("c-1", "某城商行智能客服升级", "case", "c.md", {}, 0.9, 0.9, 0.5, chunks=[background, results])
    for question in (
        "How much did the city bank save with the smart customer service?",
        "城商行智能客服一年省了多少钱？",
    ):
        quotes = select_quotes(question, [hit])
        assert "1,150 万元" in quotes[0].sentence, question


def test_a_question_asking_for_the_results_quotes_the_results_section() -> None:
    plan = ChunkHit(
        "c-2#1", "方案", "店员在门店终端上向门店知识库助手提问，助手依据知识库作答并标注出处。", 0.9, 0.9, 1.0
    )
    results = ChunkHit("c-2#2", "成效", "上线 5 个月，督导日均接听电话由 60 个降到 18 个。", 0.7, 0.7, 0.2)
    hit = DocumentHit("c-2", "某便利店门店知识库助手", "case", "c.md", {}, 0.9, 0.9, 0.5, chunks=[plan, results])
    for question in (
        "某便利店门店知识库助手：成效呢",
        "某便利店门店知识库助手效果怎么样",
        "What were the results?",
        "What did the convenience store's knowledge assistant achieve?",
    ):
        assert "60 个降到 18 个" in select_quotes(question, [hit])[0].sentence, question


def test_a_question_asking_how_long_quotes_the_project_span_not_a_result() -> None:
    plan = ChunkHit(
        "b#1",
        "方案",
        "同步建设知识库，由业务部门每周维护。项目经公开招标落地，分两期上线，历时 5 个月。",
        0.9,
        0.9,
        1.0,
    )
    results = ChunkHit("b#2", "成效", "上线一年后，智能客服独立解决率达到 78%，人工坐席话务量下降 46%。", 0.8, 0.8, 0.5)
    hit = DocumentHit("b", "某城商行智能客服升级", "case", "b.md", {}, 0.9, 0.9, 0.5, chunks=[plan, results])
    for question in ("某城商行智能客服升级 上线用了多久？", "某城商行智能客服升级花了几个月上线"):
        assert select_quotes(question, [hit])[0].sentence == "项目经公开招标落地，分两期上线，历时 5 个月。", question
    # A figure of the results is still what 「下降了多少」 asks for.
    assert "46%" in select_quotes("某城商行智能客服升级 话务量下降了多少？", [hit])[0].sentence


def test_who_we_worked_with_in_an_industry_is_its_list(list_services: Services) -> None:
    # 「合作」「咱们」 are how the question is put, not what the cases are about.
    for question in ("我们跟哪些金融客户合作过？", "咱们给哪些银行做过项目？"):
        reply = ask(list_services, question)
        assert reply.text.startswith("共 7 个金融行业的资料"), (question, reply.text)


def test_words_the_library_has_but_not_within_the_filters_make_a_near_miss(
    list_services: Services, tmp_path: Path
) -> None:
    more = tmp_path / "more"
    more.mkdir()
    claims = (
        "## 背景\n这家保险公司的车险理赔要客户到网点递交纸质材料，小额案件平均结案需要 9 天。\n\n"
        "## 方案\n用低代码平台搭建线上理赔流程，客户在小程序上传照片即可报案。\n\n"
        "## 成效\n- 小额案件平均结案时间缩短到 1.5 天，客户满意度提升到 95%。\n"
    )
    calls = (
        "## 背景\n快递员派件前要逐个打电话确认客户是否在家，每天占用大量时间。\n\n"
        "## 方案\n由智能外呼机器打电话提醒客户收件并确认时间，客户用语音回答。\n\n"
        "## 成效\n- 派件前确认电话全部由机器完成，二次派送减少 35%。\n"
    )
    (more / "claims.md").write_text(
        "---\nid: lc-claims\ntype: case\ntitle: 某财产保险公司车险小额理赔线上化\nindustry: 金融\n"
        f"customer: 某财产保险公司\nproducts: [低代码平台]\nyear: 2024\n---\n{claims}",
        encoding="utf-8",
    )
    (more / "calls.md").write_text(
        "---\nid: lc-calls\ntype: case\ntitle: 某快递企业派件前智能外呼确认\nindustry: 交通物流\n"
        f"customer: 某快递企业\nproducts: [智能外呼]\nyear: 2024\n---\n{calls}",
        encoding="utf-8",
    )
    assert list_services.ingestor.ingest([more]).ok
    # Each word is in the library, none in the insurer's case: the closest, not a confident answer.
    near = ask(list_services, "有没有保险公司用机器打电话提醒客户续保的案例？")
    assert near.data["answer"]["outcome"] == "closest", near.text
    # Words the 金融 cases do use are answered within the filter.
    assert ask(list_services, "有没有金融行业用智能客服降低人工成本的案例？").data["answer"]["confident"] is True


def test_a_case_for_another_kind_of_customer_is_only_the_closest(services: Services, tmp_path: Path) -> None:
    folder = tmp_path / "kinds"
    folder.mkdir()
    store = (
        "## 背景\n这家便利店品牌的门店每天接到大量顾客电话，询问营业时间、商品库存和预订，店员常常顾不上。\n\n"
        "## 方案\n部署智能语音助手，由机器接听门店电话，回答常见问题并登记预订，复杂问题转给店员。\n\n"
        "## 成效\n- 门店电话接通率提升到 98%，店员每天节省约 1.5 小时。\n"
    )
    bank = (
        "## 背景\n这家城商行的客服热线高峰期排队严重，客户平均等待 6 分钟。\n\n"
        "## 方案\n上线智能客服，机器接听热线电话，自动办理挂失、查询等常见业务。\n\n"
        "## 成效\n- 热线平均等待时间缩短到 40 秒，人工坐席压力下降 45%。\n"
    )
    for name, title, industry, customer, body in (
        ("store", "某便利店品牌门店电话智能接听", "零售", "华南某连锁便利店品牌", store),
        ("bank", "某城商行客服热线智能化", "金融", "华东某城市商业银行", bank),
    ):
        (folder / f"{name}.md").write_text(
            f"---\nid: kc-{name}\ntype: case\ntitle: {title}\nindustry: {industry}\ncustomer: {customer}\n"
            f"year: 2024\n---\n{body}",
            encoding="utf-8",
        )
    assert services.ingestor.ingest([folder]).ok
    # Same technology, same words, another kind of customer: shown as the closest, not as the answer.
    hotel = ask(services, "连锁酒店用机器接订房电话的，咱们有案例吗？")
    assert hotel.data["answer"]["outcome"] == "closest", hotel.text
    assert "kc-store" in [c["id"] for c in hotel.data["answer"]["citations"]]
    # The kind the case is about, in other words than the case's (银行 for 城商行), is answered.
    banks = ask(services, "有没有银行用机器接热线电话、帮客户办挂失的案例？")
    assert banks.data["answer"]["confident"] is True, banks.text
    assert banks.data["answer"]["citations"][0]["id"] == "kc-bank"
    stores = ask(services, "便利店用机器接门店电话的案例有吗？")
    assert stores.data["answer"]["confident"] is True, stores.text


def test_asking_whether_a_year_had_something_only_another_year_had_is_a_near_miss(
    list_services: Services, tmp_path: Path
) -> None:
    folder = tmp_path / "anchor"
    folder.mkdir()
    anchor = (
        "## 背景\n这家电视购物频道想在夜间时段开直播带货，但主持人排班不够。\n\n"
        "## 方案\n用虚拟主播承担夜间直播，脚本由运营团队审核后播出。\n\n"
        "## 成效\n- 夜间直播带货销售额增长 60%，主持人加班减少一半。\n"
    )
    guide = (
        "## 背景\n这家博物馆的讲解员不够，观众常常只能自己看展板。\n\n"
        "## 方案\n在展厅部署数字人讲解员，用普通话和英语为观众讲解展品故事。\n\n"
        "## 成效\n- 讲解覆盖率从 30% 提升到 90%，观众停留时间增加 40%。\n"
    )
    write_case(folder, 90, "零售", 2022, "数字人", anchor)
    write_case(folder, 91, "文旅", 2024, "数字人", guide)
    assert list_services.ingestor.ingest([folder]).ok
    # The library says 虚拟主播 and 直播, but no 2024 document does: the closest, not an answer.
    other_year = ask(list_services, "2024年咱们做过虚拟主播做直播的项目吗？")
    assert other_year.data["answer"]["outcome"] == "closest", other_year.text
    same_year = ask(list_services, "2022年咱们做过虚拟主播做直播的项目吗？")
    assert same_year.data["answer"]["confident"] is True, same_year.text
    assert same_year.data["answer"]["citations"][0]["id"] == "lc-90"


def test_asking_whether_we_have_cases_of_a_kind_lists_them(list_services: Services) -> None:
    reply = ask(list_services, "咱们有银行的案例吗？")
    assert reply.data["answer"]["total"] == 7, reply.text
    assert ask(list_services, "有2022年的项目吗？").data["answer"]["total"] == 2
    # 「这种」 points at something said before: not a list of every case.
    assert ask(list_services, "有这种项目么").data["answer"].get("total") is None
