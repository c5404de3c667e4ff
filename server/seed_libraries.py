"""The demo's demand and achievement libraries: a dozen of each, in Chinese and in English,
most demands with an achievement that fits it, so a newcomer can search and see matches
right after ``make run``; and three investors and enterprises in the investor directory.
Called by ``server.seed``.
"""

from datetime import datetime, timedelta

from server import libraries
from server.store import Store
from server.terms import load_dictionary

DEMANDS: tuple[dict[str, object], ...] = (
    {"title": "退役动力电池回收与梯次利用技术", "enterprise": "华东新能源汽车有限公司",
     "industry": "新能源汽车", "disciplines": ["0805", "0817"], "budget_min": 200,
     "budget_max": 500, "deadline": "2027-06-30", "public": True,
     "contact": "刘经理 liu@example.com", "contact_public": False,
     "description": "我公司每年退役动力电池约两千吨，需要低成本的锂电池拆解、正极材料回收技术，"
                    "以及电池健康度快速检测方法，用于储能梯次利用。"},
    {"title": "钢板表面缺陷的机器视觉检测", "enterprise": "北方特钢集团",
     "industry": "钢铁", "disciplines": ["0812", "0811"], "budget_min": 80, "budget_max": 150,
     "deadline": "2027-03-31", "public": True, "contact": "设备部 王工",
     "contact_public": True,
     "description": "热轧生产线需要在线检测钢板表面裂纹、划伤和氧化皮，要求深度学习模型"
                    "在每秒两米的速度下实时识别缺陷，误报率低于百分之一。"},
    {"title": "印染废水深度处理与回用", "enterprise": "江南印染股份公司", "industry": "纺织",
     "disciplines": ["0830"], "budget_min": 100, "budget_max": 300, "public": True,
     "contact": "环保科 周女士",
     "description": "印染废水色度高、难降解，希望引进高级氧化或膜分离工艺，使处理后的水"
                    "达到回用标准，降低新鲜水用量。"},
    {"title": "设施蔬菜病害早期识别", "enterprise": "绿源农业科技", "industry": "农业",
     "disciplines": ["0901", "0812"], "budget_max": 60, "public": True,
     "contact": "技术总监 陈先生 chen@lvyuan.example.com",
     "description": "温室番茄和黄瓜的病害发现太晚，需要基于图像的病害早期识别系统，"
                    "可在手机上使用，并给出防治建议。"},
    {"title": "风电叶片结构健康监测", "enterprise": "海上风电运维公司", "industry": "能源",
     "disciplines": ["0801", "0808"], "budget_min": 150, "public": True,
     "contact": "运维中心",
     "description": "海上风机叶片检修成本高，需要光纤或声发射传感的结构健康监测方案，"
                    "提前预警裂纹和分层损伤。"},
    {"title": "医用导管的抗菌涂层", "enterprise": "康达医疗器械", "industry": "医疗器械",
     "disciplines": ["0805", "0831"], "budget_min": 50, "budget_max": 120, "public": False,
     "contact": "研发部",
     "description": "需要一种长效抗菌、生物相容性好的导管表面涂层，降低导管相关感染，"
                    "并能通过医疗器械注册检验。"},
    {"title": "Cold-chain temperature tracking for vaccines", "enterprise": "Meridian Logistics",
     "industry": "Logistics", "disciplines": ["0810", "1201"], "budget_min": 30,
     "budget_max": 80, "deadline": "2027-01-31", "public": True,
     "contact": "ops@meridian.example.com", "contact_public": True,
     "description": "We ship vaccines across provinces and need low-power wireless sensors and "
                    "a tracking platform that records temperature every minute and raises an "
                    "alarm when the cold chain breaks."},
    {"title": "Predictive maintenance for CNC machine tools", "enterprise": "Precision Parts Co.",
     "industry": "Manufacturing", "disciplines": ["0802", "0811"], "budget_min": 60,
     "budget_max": 200, "public": True, "contact": "Plant manager Zhao",
     "description": "Unplanned spindle failures stop our lines. We want vibration sensing and "
                    "machine learning models that predict tool wear and bearing faults days "
                    "ahead."},
    {"title": "Green hydrogen production from offshore wind", "enterprise": "Blue Coast Energy",
     "industry": "Energy", "disciplines": ["0807", "0817"], "budget_min": 500, "public": True,
     "contact": "h2@bluecoast.example.com",
     "description": "Looking for efficient PEM electrolysis that follows the fluctuating output "
                    "of offshore wind farms, with durable catalysts and low platinum loading."},
    {"title": "Chip thermal management for edge AI boxes", "enterprise": "Nimbus Devices",
     "industry": "Electronics", "disciplines": ["1401", "0807"], "budget_max": 100,
     "public": True, "contact": "hw-team@nimbus.example.com",
     "description": "Our fanless edge AI boxes overheat. We need thermal interface materials or "
                    "vapour chamber designs that keep the chip under 85 °C at 30 W."},
    {"title": "Early detection of diabetic retinopathy", "enterprise": "ClearSight Clinics",
     "industry": "Healthcare", "disciplines": ["1002", "0812"], "budget_min": 40,
     "budget_max": 90, "public": True, "contact": "Dr. Lin",
     "description": "A screening tool that reads fundus images with deep learning and flags "
                    "diabetic retinopathy for rural clinics without ophthalmologists."},
    {"title": "Bridge cable corrosion inspection", "enterprise": "Metro Bridge Authority",
     "industry": "Infrastructure", "disciplines": ["0814", "0801"], "public": True,
     "contact": "inspection@metrobridge.example.org",
     "description": "Cable-stayed bridges need non-destructive inspection of cable corrosion; "
                    "climbing robots with magnetic flux sensors are welcome."},
)  # fmt: skip

ACHIEVEMENTS: tuple[dict[str, object], ...] = (
    {"title": "废旧锂电池正极材料直接再生技术", "holder": "示范大学材料学院", "trl": 6,
     "disciplines": ["0805", "0817"], "transfer_modes": ["license", "joint"],
     "patents": ["CN202210123456.7", "CN202310234567.8"], "public": True,
     "contact": "李老师 li@uni.example.edu",
     "description": "通过补锂修复直接再生退役锂电池的三元正极材料，回收率超过百分之九十五，"
                    "能耗比湿法冶金低百分之四十，已完成百吨级中试。"},
    {"title": "电池健康度快速检测与梯次利用分选", "holder": "新能源研究院", "trl": 5,
     "disciplines": ["0808", "0805"], "transfer_modes": ["license"], "public": True,
     "contact": "成果转化办公室", "contact_public": True,
     "description": "基于电化学阻抗谱和机器学习，十分钟内评估动力电池健康度，"
                    "用于退役电池的梯次利用分选和储能系统配组。"},
    {"title": "基于深度学习的工业表面缺陷检测系统", "holder": "智能感知实验室", "trl": 7,
     "disciplines": ["0812", "0811"], "transfer_modes": ["license", "transfer"],
     "patents": ["CN202110998877.1"], "public": True, "contact": "张博士",
     "description": "面向钢板、玻璃和锂电极片的在线视觉检测，小样本训练，"
                    "每秒处理两百帧，已在三条产线应用。"},
    {"title": "高级氧化耦合膜分离的印染废水回用工艺", "holder": "环境工程研究所", "trl": 6,
     "disciplines": ["0830", "0817"], "transfer_modes": ["joint", "transfer"], "public": True,
     "contact": "王研究员",
     "description": "臭氧催化氧化去除色度和难降解有机物，纳滤膜分离后废水回用率达到"
                    "百分之七十，运行成本低。"},
    {"title": "作物病害图像识别手机应用", "holder": "农业信息学团队", "trl": 7,
     "disciplines": ["0901", "0812"], "transfer_modes": ["license"], "public": True,
     "contact": "赵老师 zhao@agri.example.edu",
     "description": "拍照即可识别番茄、黄瓜等四十种蔬菜病害，早期识别准确率百分之九十，"
                    "并推送防治建议。"},
    {"title": "长效抗菌亲水涂层", "holder": "生物材料中心", "trl": 4,
     "disciplines": ["0805", "0831"], "transfer_modes": ["joint"], "public": False,
     "contact": "孙教授",
     "description": "季铵盐接枝的亲水涂层，可用于导管和植入器械表面，抗菌效果维持三十天，"
                    "细胞毒性合格。"},
    {"title": "Ultra-low-power wireless temperature loggers", "holder": "IoT Systems Lab",
     "trl": 7, "disciplines": ["0810"], "transfer_modes": ["license", "transfer"],
     "patents": ["CN202220345678.9"], "public": True, "contact": "iot-lab@uni.example.edu",
     "contact_public": True,
     "description": "Coin-cell sensors that log temperature every minute for two years and "
                    "upload through NB-IoT; a cloud platform raises cold chain alarms."},
    {"title": "Vibration-based tool wear prediction", "holder": "Smart Manufacturing Center",
     "trl": 6, "disciplines": ["0802", "0811"], "transfer_modes": ["joint", "license"],
     "public": True, "contact": "Prof. Chen",
     "description": "Accelerometers on the spindle and a machine learning model predict tool "
                    "wear and bearing faults in CNC machines, validated on 40 machines."},
    {"title": "Low-platinum catalysts for PEM electrolysis", "holder": "Clean Energy Institute",
     "trl": 4, "disciplines": ["0817", "0703"], "transfer_modes": ["joint"],
     "patents": ["CN202310456789.0"], "public": True, "contact": "Dr. Wu",
     "description": "Core-shell catalysts cut platinum loading by 80% in PEM water electrolysis "
                    "and stay stable under fluctuating power from wind and solar."},
    {"title": "Graphene thermal interface material", "holder": "Nano Materials Group",
     "trl": 5, "disciplines": ["0805", "1401"], "transfer_modes": ["license", "transfer"],
     "public": True, "contact": "nano@uni.example.edu",
     "description": "A graphene-filled thermal pad with 25 W/mK conductivity that cools chips "
                    "in fanless devices and edge AI hardware."},
    {"title": "Fundus image screening with deep learning", "holder": "Medical AI Lab",
     "trl": 6, "disciplines": ["1002", "0812"], "transfer_modes": ["license"], "public": True,
     "contact": "Dr. Xu",
     "description": "A deep learning model grades diabetic retinopathy from fundus images with "
                    "ophthalmologist-level accuracy; runs on a laptop in rural clinics."},
    {"title": "Cable-climbing inspection robot", "holder": "Robotics Institute", "trl": 5,
     "disciplines": ["0802", "0814"], "transfer_modes": ["joint", "license"], "public": True,
     "contact": "Prof. Ma",
     "description": "A climbing robot with magnetic flux leakage sensors finds corrosion and "
                    "broken wires in bridge cables without closing the bridge."},
)  # fmt: skip


INVESTORS: tuple[dict[str, object], ...] = (
    {"name": "赵敏 Zhao Min", "kind": "investor", "organization": "示范创投 Demo Ventures",
     "title": "合伙人 Partner", "email": "zhao.min@ventures.example.com",
     "disciplines": ["0805", "0808"], "industries": ["新能源", "储能"],
     "stages": ["angel", "series_a"]},
    {"name": "Grace Liu", "kind": "investor", "organization": "Harbor Health Capital",
     "title": "Principal", "email": "grace@harborhealth.example.com",
     "disciplines": ["1002", "0831"], "industries": ["Healthcare", "Medical devices"],
     "stages": ["series_a", "series_b"]},
    {"name": "钱工 Qian Lei", "kind": "enterprise", "organization": "北方特钢集团",
     "title": "技术副总 CTO", "email": "qian.lei@steel.example.com",
     "disciplines": ["0812", "0811"], "industries": ["钢铁", "智能制造"], "stages": ["growth"]},
)  # fmt: skip


async def seed_libraries(store: Store, *, org_id: str, now: datetime) -> None:
    """Add the demo entries (the first of each list the newest) and investors."""
    await load_dictionary()  # the seed runs at start-up, before make_app's own load
    for kind, entries in (("demand", DEMANDS), ("achievement", ACHIEVEMENTS)):
        for age, fields in enumerate(entries):
            when = now - timedelta(minutes=age)
            await libraries.create(store, kind, org_id=org_id, fields=fields, now=when)
    for fields in INVESTORS:
        await store.investors.create(org_id=org_id, fields=fields, now=now)
