"""English → Chinese search terms, so English questions also reach Chinese documents through BM25.

Dense retrieval is multilingual already; this only adds lexical evidence for common PR-domain words.
"""

from __future__ import annotations

import re

GLOSSARY: dict[str, str] = {
    "hospital": "医院 医疗",
    "medical": "医疗",
    "patient": "患者",
    "doctor": "医生",
    "bank": "银行 金融",
    "banking": "银行 金融",
    "finance": "金融",
    "financial": "金融",
    "insurance": "保险",
    "customer service": "客服",
    "chatbot": "智能客服",
    "call center": "客服 呼叫中心",
    "contact center": "客服",
    "cost": "成本 降本",
    "costs": "成本 降本",
    "saving": "降本",
    "savings": "降本",
    "efficiency": "效率 增效",
    "manufacturing": "制造",
    "factory": "工厂 制造",
    "quality inspection": "质检",
    "defect": "缺陷 质检",
    "retail": "零售",
    "store": "门店",
    "membership": "会员",
    "member": "会员",
    "school": "学校 教育",
    "education": "教育",
    "online learning": "在线教育",
    "student": "学生",
    "government": "政务 政府",
    "logistics": "物流",
    "warehouse": "仓储",
    "energy": "能源",
    "power": "电力",
    "solar": "光伏",
    "wind": "风电",
    "maintenance": "运维",
    "privacy": "隐私",
    "privacy computing": "隐私计算",
    "federated learning": "联邦学习",
    "security": "安全",
    "data security": "数据安全",
    "digital human": "数字人",
    "avatar": "数字人",
    "elderly": "适老化 老年",
    "senior": "适老化 老年",
    "tablet": "平板",
    "knowledge base": "知识库",
    "knowledge graph": "知识图谱",
    "edge computing": "边缘计算",
    "digital twin": "数字孪生",
    "speech recognition": "语音识别",
    "zero trust": "零信任",
    "low-code": "低代码",
    "low code": "低代码",
    "large language model": "大模型",
    "llm": "大模型",
    "vector database": "向量数据库",
    "microservices": "微服务",
    "container": "容器",
    "park": "园区",
    "campus": "园区",
    "public opinion": "舆情",
    "media monitoring": "舆情监测",
    "case": "案例",
    "cases": "案例",
    "bid": "招投标",
    "tender": "招投标",
    "growth": "增长",
}
_PHRASES = sorted(GLOSSARY, key=len, reverse=True)


def expand_query(question: str) -> str:
    """Append the Chinese terms for English words the question contains."""
    lowered = question.lower()
    extra = [GLOSSARY[p] for p in _PHRASES if re.search(rf"\b{re.escape(p)}\b", lowered)]
    return f"{question} {' '.join(extra)}" if extra else question
