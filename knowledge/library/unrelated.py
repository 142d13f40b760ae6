"""Questions no company library answers: the low end of a library's profile.

How similar does a question the library cannot answer still look? Libraries differ (a library of
look-alike PR cases is close to everything; English questions on Chinese text sit lower), so each
library measures it: the median top similarity of these questions, asked once per library change.
The mix covers the shapes users ask in: everyday questions, encyclopaedic ones, and PR-style asks for
cases in trades and topics a technology company's library does not hold. A few may happen to match
a given library; the median is unmoved by them.
"""

from __future__ import annotations

UNRELATED_ZH = (
    "台风一般在哪个季节登陆？",
    "红烧肉怎么做才好吃？",
    "世界杯历史上进球最多的球员是谁？",
    "唐朝的开国皇帝是谁？",
    "长颈鹿一天要睡多久？",
    "怎么给猫剪指甲？",
    "珠穆朗玛峰有多高？",
    "周末去哪里露营比较好？",
    "有没有适合初学者的吉他教程？",
    "火星上有水吗？",
    "感冒了应该吃什么药？",
    "明朝一共有多少位皇帝？",
    "钢琴考级一共有几级？",
    "有没有帮花店做情人节促销的案例？",
    "有没有帮驾校做学员约车的案例？",
    "我们给马拉松赛事做过计时系统吗？",
    "有没有殡葬行业的客户案例？",
    "给我一个奶茶店排队叫号的落地案例",
    "会议室的投影仪怎么连笔记本电脑？",
    "下周的团建去哪里？",
    "打印机卡纸了怎么处理？",
    "莎士比亚写过哪些悲剧？",
    "光合作用的产物是什么？",
    "高铁上可以带多少毫升的酒？",
    "有没有帮婚庆公司做请柬设计的项目？",
    "考古队在三星堆发现了什么？",
    "冰箱冷藏室一般设置几度？",
    "蜜蜂是怎么酿蜜的？",
    "围棋的棋盘有多少个交叉点？",
    "有没有游艇俱乐部的会员管理案例？",
    "小区物业费一般怎么收？",
)

UNRELATED_EN = (
    "How tall is the Eiffel Tower?",
    "What is the best way to learn to swim?",
    "Do we have a case study about a ski resort ticketing app?",
    "Who won the Nobel Prize in Literature in 1990?",
    "Any examples of wedding planners using our product?",
    "How long should I boil an egg?",
    "Which planet has the most moons?",
    "Have we worked with a chain of dog grooming salons?",
    "What time does the office canteen close on Fridays?",
    "Who painted the ceiling of the Sistine Chapel?",
)
