"""Kinds of customer a question names: 「连锁酒店用机器接订房电话的，咱们有案例吗？」 asks about hotels.

A library answers such a question only with a document about that kind of customer. The convenience
store's phone assistant is close in every other way (same technology, same words), which is why
retrieval evidence alone calls it relevant; the document never saying 酒店 is what makes it a near
miss. Each group holds the words that name one kind of customer, so a document saying 城商行 or 广电
still counts for a question saying 银行 or 电视台. Generic words name no kind: 公司, 企业, 机构, 客户,
连锁 fit every customer, and 建筑 or 种植 say what something is or does as often as whom it served.
"""

from __future__ import annotations

import re

CUSTOMER_KINDS: tuple[tuple[str, ...], ...] = (
    ("银行", "城商行", "农商行", "信用社", "支行", "bank", "banking"),
    ("券商", "证券", "brokerage", "securities"),
    ("保险", "险企", "寿险", "财险", "insurer", "insurance"),
    ("基金", "资管", "asset manager"),
    ("医院", "三甲", "卫生院", "诊所", "医联体", "门诊", "hospital", "clinic"),
    ("药厂", "药企", "制药", "药业", "pharma", "drugmaker"),
    ("药店", "药房", "drugstore", "pharmacy"),
    ("幼儿园", "托育", "kindergarten"),
    ("学校", "中学", "小学", "大学", "高校", "学院", "school", "university", "college"),
    ("法院", "检察院", "司法", "court"),
    ("政府", "机关", "政务", "街道", "委办局", "government"),
    ("酒店", "宾馆", "民宿", "hotel"),
    ("餐厅", "餐饮", "饭店", "酒楼", "外卖", "restaurant"),
    ("超市", "商超", "便利店", "卖场", "supermarket", "convenience store"),
    ("商场", "购物中心", "百货", "mall", "department store"),
    ("4s店", "经销商", "dealership"),
    ("车企", "整车", "主机厂", "汽车", "automaker", "carmaker"),
    ("房地产", "地产", "楼盘", "售楼", "开发商", "real estate", "property developer"),
    ("物业", "小区", "property management"),
    ("煤矿", "矿山", "矿井", "井下", "矿业", "coal mine", "coal mining"),
    ("油田", "石油", "炼化", "石化", "炼油", "oilfield", "refinery"),
    ("电网", "供电", "电力", "power grid"),
    ("电站", "电厂", "水电", "风电", "光伏", "power plant", "power station"),
    ("自来水", "水务", "供水", "水厂", "water utility", "waterworks"),
    ("燃气", "gas utility"),
    ("港口", "码头", "集装箱", "port"),
    ("机场", "航站楼", "airport"),
    ("航空公司", "航司", "机票", "airline"),
    ("铁路", "高铁", "动车", "列车", "railway", "high-speed train"),
    ("地铁", "轨道交通", "metro", "subway"),
    ("高速公路", "收费站", "expressway", "highway", "toll"),
    ("快递", "物流", "分拣", "仓储", "courier", "logistics", "parcel"),
    ("电视台", "广电", "融媒体", "电台", "报社", "broadcaster", "tv station"),
    ("运营商", "电信", "联通", "carrier", "telecom"),
    ("景区", "旅游", "景点", "乐园", "tourist", "theme park"),
    ("博物馆", "展馆", "museum"),
    ("图书馆",),
    ("农场", "农业", "大棚", "种植基地", "养殖场", "养殖户", "农户", "farm"),
    ("纺织", "织布", "面料", "布料", "textile", "fabric"),
    ("钢铁", "钢厂", "高炉", "steel"),
    ("化工", "化学品", "石化", "炼化", "chemical", "petrochemical"),
    ("工地", "施工方", "施工单位", "建筑企业", "建筑公司", "construction site"),
    ("游戏", "game studio"),
)


def kinds_named(question: str) -> list[tuple[str, ...]]:
    """The customer kinds the question names, each as its group of words."""
    text = question.lower()
    return [group for group in CUSTOMER_KINDS if any(_names(text, word) for word in group)]


def mentions_kind(text: str, kinds: list[tuple[str, ...]]) -> bool:
    """Whether the text names one of these kinds (any word of its group)."""
    lowered = text.lower()
    return any(_names(lowered, word) for group in kinds for word in group)


def _names(text: str, word: str) -> bool:
    if word.isascii():
        return re.search(rf"\b{re.escape(word)}s?\b", text) is not None
    return word in text
