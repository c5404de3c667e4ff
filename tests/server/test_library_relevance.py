"""Search relevance on a small bilingual corpus: for a dozen Chinese and English queries,
the entries that must come first. Real jieba, real Redis, the service the pages use."""

from datetime import UTC, datetime

import pytest

from rooms.errors import DomainError
from server import libraries
from server.store import Store

NOW = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
ORG = "org-relevance"
# key: (title, description)
CORPUS = {
    "battery-regen": ("废旧锂电池正极材料直接再生",
                      "通过补锂修复退役锂电池三元正极材料，回收率高，能耗低。"),
    "battery-health": ("动力电池健康度快速检测",
                       "基于电化学阻抗谱评估电池健康状态，用于梯次利用分选。"),
    "steel-vision": ("钢板表面缺陷机器视觉检测", "深度学习模型在线识别热轧钢板的裂纹和划伤。"),
    "dye-water": ("印染废水深度处理与回用", "臭氧催化氧化与纳滤膜分离，去除色度，废水回用。"),
    "crop-app": ("蔬菜病害图像识别", "拍照识别番茄和黄瓜病害，给出防治建议。"),
    "coating": ("导管抗菌涂层", "长效抗菌的亲水涂层，用于医用导管，降低感染。"),
    "wind-blade": ("风电叶片结构健康监测", "光纤传感监测叶片裂纹和分层损伤。"),
    "soil": ("盐碱地土壤改良剂", "改良盐碱土壤结构，提高作物产量。"),
    "cold-chain": ("Ultra-low-power wireless temperature loggers",
                   "Coin-cell sensors log temperature for two years and raise cold chain alarms."),
    "tool-wear": ("Vibration-based tool wear prediction",
                  "Accelerometers and machine learning predict tool wear in CNC machines."),
    "pem": ("Low-platinum catalysts for PEM electrolysis",
            "Core-shell catalysts cut platinum loading in water electrolysis for green hydrogen."),
    "thermal": ("Graphene thermal interface material",
                "A graphene thermal pad cools chips in fanless edge AI devices."),
    "fundus": ("Fundus image screening with deep learning",
               "Deep learning grades diabetic retinopathy from retinal images."),
    "cable-robot": ("Cable-climbing inspection robot",
                    "A climbing robot with magnetic sensors finds corrosion in bridge cables."),
    "battery-en": ("Recycling lithium-ion batteries by hydrometallurgy",
                   "Leaching recovers lithium, cobalt and nickel from spent batteries."),
    "speech": ("低资源语言语音识别 Speech recognition for low-resource languages",
               "自监督预训练提升方言语音识别准确率。Self-supervised pretraining for dialects."),
}  # fmt: skip
QUERIES = [
    ("锂电池回收", ["battery-regen"]),
    ("电池健康", ["battery-health"]),
    ("缺陷检测", ["steel-vision"]),
    ("废水处理", ["dye-water"]),
    ("病害识别", ["crop-app"]),
    ("抗菌", ["coating"]),
    ("裂纹监测", ["wind-blade"]),
    ("语音识别", ["speech"]),
    ("battery recycling", ["battery-en"]),
    ("temperature sensor", ["cold-chain"]),
    ("hydrogen electrolysis catalyst", ["pem"]),
    ("deep learning images", ["fundus"]),
    ("cooling chips", ["thermal"]),
    ("bridge corrosion robots", ["cable-robot"]),
    ("machine learning", ["tool-wear", "fundus"]),
]


@pytest.fixture
async def corpus(store: Store) -> dict[str, str]:
    """entry id -> corpus key."""
    keys = {}
    for key, (title, description) in CORPUS.items():
        fields = {"title": title, "description": description, "trl": 5,
                  "transfer_modes": ["license"], "public": True}  # fmt: skip
        made = await libraries.create(store, "achievement", org_id=ORG, fields=fields, now=NOW)
        keys[made.achievement_id] = key  # type: ignore[union-attr]
    return keys


async def test_the_expected_entries_come_first(store: Store, corpus: dict[str, str]) -> None:
    tops = {}

    for query, expected in QUERIES:
        found = await libraries.search(store, "achievement", org_id=ORG, query=query)
        tops[query] = [corpus[f.listing.achievement_id] for f in found][: len(expected)]  # type: ignore[union-attr]

    assert tops == {query: expected for query, expected in QUERIES}


async def test_public_search_finds_the_same_entries(store: Store, corpus: dict[str, str]) -> None:
    found = await libraries.search(store, "achievement", org_id=None, query="锂电池 回收")

    assert corpus[found[0].listing.achievement_id] == "battery-regen"  # type: ignore[union-attr]
    assert {"锂电池", "回收"} <= set(found[0].terms)


@pytest.mark.parametrize("query", ["", "   ", "的", "the of", "，。"])
async def test_an_empty_search_is_refused(store: Store, corpus: dict[str, str], query: str) -> None:
    with pytest.raises(DomainError) as caught:
        await libraries.search(store, "achievement", org_id=ORG, query=query)

    assert caught.value.code == "empty_search"
