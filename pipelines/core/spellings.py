"""How common exports spell the values of the contract's enumerations, and the contract value each means.

Keys are written as validation compares them: lower case, every run of characters that are not letters or digits
one underscore ("On-Hold" → on_hold, "Mr." → mr, "E-Mail" → e_mail). Sources: Shopify (financial and fulfillment
status), WooCommerce and Magento order states, Youzan and Taobao trade states, Salesforce (Case Origin, Priority,
Status; Contact salutation and gender identity), HubSpot and Zendesk ticket fields, Freshdesk sources, and the
Chinese, German, French and Spanish words CRM exports use. A spelling that means different things in different
systems is left out (e.g. order status "closed": Magento's refunded order, Taobao's cancelled trade), and numeric
codes (gender 1/2) are not guessed: a mapping's `values` says what they mean in one export.
"""

from __future__ import annotations


def _spellings(groups: dict[str, tuple[str, ...]]) -> dict[str, str]:
    spellings: dict[str, str] = {}
    for value, words in groups.items():
        for word in words:
            if spellings.get(word, value) != value:
                raise ValueError(f"{word!r} is given for both {spellings[word]!r} and {value!r}")
            spellings[word] = value
    return spellings


GENDER = _spellings(
    {
        "female": (
            "f", "w", "fem", "woman", "women", "girl", "mrs", "ms", "miss", "madam", "frau", "weiblich",
            "femme", "féminin", "feminin", "mujer", "femenino", "femmina", "donna", "feminino", "mulher", "vrouw",
            "女", "女性", "女士", "女生", "小姐",
        ),
        "male": (
            "m", "man", "men", "boy", "mr", "herr", "männlich", "maennlich", "mannlich", "homme", "masculin",
            "hombre", "masculino", "maschio", "uomo", "男", "男性", "男士", "男生", "先生",
        ),
        "diverse": (
            "d", "x", "divers", "non_binary", "nonbinary", "enby", "genderqueer", "gender_fluid", "not_listed",
            "other", "andere", "autre", "otro", "其他",
        ),
        "unknown": (
            "u", "unk", "n_a", "na", "none", "not_specified", "unspecified", "not_disclosed", "undisclosed",
            "prefer_not_to_say", "declined", "keine_angabe", "k_a", "inconnu", "desconocido", "未知", "保密",
            "不详", "不明",
        ),
    }
)  # fmt: skip

ORDER_STATUS = _spellings(
    {
        "completed": (
            "complete", "done", "paid", "fulfilled", "delivered", "shipped", "success", "successful",
            "finished", "processed", "processing", "invoiced", "settled", "trade_success", "trade_finished",
            "wait_buyer_confirm_goods", "abgeschlossen", "geliefert", "bezahlt", "versandt", "erledigt",
            "livré", "livre", "payé", "entregado", "pagado", "completado", "已完成", "完成", "交易成功",
            "已收货", "已签收", "已发货", "已付款", "已支付",
        ),
        "cancelled": (
            "canceled", "cancel", "voided", "void", "annulled", "trade_closed", "trade_closed_by_taobao",
            "storniert", "storno", "abgebrochen", "annulé", "annule", "cancelado", "anulado", "已取消", "取消",
            "交易关闭", "交易取消", "已作废", "作废",
        ),
        "returned": (
            "return", "refunded", "refund", "retour", "retoure", "zurückgesendet", "erstattet",
            "rückerstattet", "remboursé", "rembourse", "devuelto", "reembolsado", "已退款", "退款", "退货",
            "已退货", "退款成功",
        ),
    }
)  # fmt: skip

CHANNEL = _spellings(
    {
        "phone": (
            "telephone", "tel", "call", "calls", "voice", "phone_call", "inbound_call", "outbound_call",
            "hotline", "call_center", "callcenter", "call_centre", "ivr", "telefon", "anruf", "téléphone",
            "telefono", "teléfono", "电话", "热线", "来电",
        ),
        "email": (
            "e_mail", "mail", "emails", "inbound_email", "outbound_email", "邮件", "电子邮件",
        ),
        "chat": (
            "live_chat", "livechat", "messaging", "messenger", "whatsapp", "wechat", "sms", "text", "in_app",
            "in_app_chat", "mobile_chat", "在线客服", "在线咨询", "微信", "聊天",
        ),
        "social": (
            "social_media", "twitter", "x", "tweet", "facebook", "instagram", "linkedin", "tiktok", "weibo",
            "douyin", "微博", "抖音", "小红书",
        ),
        "web_form": (
            "web", "webform", "form", "contact_form", "website", "web_site", "portal", "help_center",
            "helpcenter", "feedback_widget", "web_widget", "kontaktformular", "formular", "网页", "表单",
        ),
        "in_person": (
            "in_store", "store", "shop", "walk_in", "visit", "face_to_face", "f2f", "onsite", "on_site",
            "branch", "counter", "filiale", "vor_ort", "persönlich", "门店", "到店", "现场",
        ),
    }
)  # fmt: skip

INTERACTION_TYPE = _spellings(
    {
        "inquiry": (
            "enquiry",
            "question",
            "query",
            "request",
            "service_request",
            "info",
            "information",
            "anfrage",
            "frage",
            "consulta",
            "demande",
            "咨询",
            "询问",
        ),
        "complaint": ("complaints", "beschwerde", "reklamation", "réclamation", "reclamacion", "queja", "投诉", "抱怨"),
        "suggestion": ("idea", "feature_request", "improvement", "vorschlag", "sugerencia", "建议"),
        "praise": ("compliment", "kudos", "thanks", "lob", "elogio", "表扬", "称赞"),
        "repair": ("warranty", "warranty_claim", "reparatur", "garantie", "reparación", "维修", "保修"),
        "return": ("returns", "rma", "refund_request", "retoure", "rücksendung", "devolución", "退货", "退换货"),
    }
)

STAGE = _spellings(
    {
        "pre_sale": ("presale", "pre_sales", "presales", "before_sale", "pre_purchase", "售前"),
        "in_sale": ("in_sales", "during_sale", "sale", "purchase", "售中"),
        "after_sale": ("aftersale", "after_sales", "aftersales", "post_sale", "post_sales", "post_purchase", "售后"),
    }
)

PRIORITY = _spellings(
    {
        "low": ("minor", "lowest", "p4", "p5", "niedrig", "baja", "低"),
        "normal": ("medium", "moderate", "standard", "p3", "mittel", "media", "中", "普通", "一般"),
        "high": ("major", "p2", "hoch", "alta", "高"),
        "urgent": ("critical", "highest", "emergency", "blocker", "p1", "p0", "dringend", "urgente", "紧急", "加急"),
    }
)

TICKET_STATUS = _spellings(
    {
        "open": (
            "new",
            "opened",
            "in_progress",
            "working",
            "assigned",
            "escalated",
            "reopened",
            "offen",
            "neu",
            "abierto",
            "新建",
            "待处理",
            "处理中",
        ),
        "pending": (
            "on_hold",
            "hold",
            "waiting",
            "waiting_on_customer",
            "awaiting_customer",
            "wartend",
            "pendiente",
            "挂起",
            "等待",
        ),
        "resolved": ("solved", "fixed", "gelöst", "geloest", "resuelto", "已解决", "已处理"),
        "closed": ("geschlossen", "cerrado", "已关闭", "关闭"),
    }
)

SURVEY_TYPE = _spellings(
    {
        "nps": ("net_promoter_score", "net_promoter"),
        "csat": ("customer_satisfaction", "satisfaction"),
        "ces": ("customer_effort", "customer_effort_score", "effort"),
        "relationship": ("relational",),
        "transactional": ("transaction", "post_transaction", "touchpoint"),
    }
)

SURVEY_METHOD = _spellings(
    {
        "questionnaire": ("paper", "postal", "written", "print", "问卷", "纸质"),
        "phone": ("telephone", "call", "cati", "ivr", "telefon", "电话"),
        "online": ("web", "email", "e_mail", "app", "in_app", "website", "link", "survey_link", "qr", "在线", "网络"),
        "sms": ("text", "text_message", "短信"),
    }
)
