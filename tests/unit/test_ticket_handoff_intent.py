"""Which customer messages ask for a human."""
from __future__ import annotations

import pytest

from supportdesk.tickets.handoff import wants_human


@pytest.mark.parametrize(
    "text",
    [
        "人工", "转人工", "人工服务", "人工客服", "人工！", "转人工谢谢", "请转接人工客服", "我要人工",
        "机器人听不懂，给我转人工", "找真人", "我想和真人聊聊", "真人客服在吗",
        "human", "Human please", "agent", "agent please", "a human", "Can I speak to a human?",
        "Let me talk to a real person", "I need a human", "connect me with an agent", "live agent",
        "I want to speak with someone", "customer service representative",
    ],
)
def test_requests_for_a_person_are_recognised(text):
    assert wants_human(text)


@pytest.mark.parametrize(
    "text",
    [
        "", "   ", None,
        "人工智能是什么？", "人工费怎么算", "这是人工合成的材料吗", "真人秀什么时候播",
        "不需要人工", "不用转人工了，已经解决", "no need for a human, thanks", "I don't need an agent",
        "my user agent is broken", "the agency sent me a letter", "humane packaging?", "humanity",
        "Where is my parcel?", "订单什么时候发货",
    ],
)
def test_words_that_merely_contain_the_keywords_or_negate_them_are_not_requests(text):
    assert not wants_human(text)
