"""Fixed reference data the generator draws from: regions, products, agents, names, texts."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

REGIONS = {
    # region: (share of customers, country, cities, phone country code, area codes)
    "North": (0.22, "DE", ["Hamburg", "Bremen", "Kiel", "Hannover"], "49", ["40", "421", "431", "511"]),
    "South": (0.26, "DE", ["München", "Stuttgart", "Nürnberg", "Augsburg"], "49", ["89", "711", "911", "821"]),
    "East": (0.16, "DE", ["Berlin", "Leipzig", "Dresden", "Rostock"], "49", ["30", "341", "351", "381"]),
    "West": (0.24, "DE", ["Köln", "Düsseldorf", "Dortmund", "Essen"], "49", ["221", "211", "231", "201"]),
    "Asia-Pacific": (0.12, "CN", ["上海", "北京", "深圳", "广州"], "86", ["21", "10", "755", "20"]),
}
REGION_NAMES = list(REGIONS)
REGION_SHARES = np.array([REGIONS[name][0] for name in REGION_NAMES])

ACQUISITION_CHANNELS = ["organic", "paid_search", "social", "referral", "retail_store", "partner"]
ACQUISITION_SHARES = np.array([0.30, 0.22, 0.15, 0.13, 0.12, 0.08])
SALES_CHANNELS = ["online", "retail_store", "phone", "partner", "marketplace"]
SALES_CHANNEL_SHARES = np.array([0.45, 0.25, 0.10, 0.08, 0.12])
CONTACT_CHANNELS = ["phone", "email", "chat", "social", "web_form", "in_person"]
CONTACT_CHANNEL_SHARES = np.array([0.30, 0.28, 0.20, 0.07, 0.10, 0.05])
# Median minutes to first response and to resolution, per contact channel.
FIRST_RESPONSE_MINUTES = np.array([1.5, 240.0, 2.0, 90.0, 600.0, 0.5])
RESOLUTION_MINUTES = np.array([25.0, 1500.0, 40.0, 900.0, 2800.0, 30.0])
SURVEY_METHODS = ["questionnaire", "phone", "online", "sms"]

# category: (share of lines, base price, margin share of price, defect probability)
CATEGORIES = {
    "electronics": (0.16, 180.0, 0.18, 0.09),
    "home": (0.15, 60.0, 0.35, 0.05),
    "kitchen": (0.12, 45.0, 0.38, 0.05),
    "fashion": (0.18, 40.0, 0.50, 0.04),
    "sports": (0.11, 55.0, 0.40, 0.05),
    "beauty": (0.10, 22.0, 0.55, 0.02),
    "toys": (0.10, 30.0, 0.45, 0.06),
    "garden": (0.08, 70.0, 0.33, 0.07),
}
CATEGORY_NAMES = list(CATEGORIES)
PRODUCT_NOUNS = {
    "electronics": ["Headphones", "Speaker", "Smartwatch", "Tablet", "Charger", "Camera"],
    "home": ["Lamp", "Blanket", "Vase", "Shelf", "Cushion", "Rug"],
    "kitchen": ["Kettle", "Pan", "Knife Set", "Blender", "Toaster", "Mug Set"],
    "fashion": ["Jacket", "Sneakers", "Scarf", "Jeans", "Shirt", "Backpack"],
    "sports": ["Yoga Mat", "Dumbbells", "Bottle", "Running Belt", "Tent", "Racket"],
    "beauty": ["Face Cream", "Shampoo", "Perfume", "Lip Balm", "Serum", "Soap"],
    "toys": ["Puzzle", "Building Set", "Plush Bear", "Board Game", "Kite", "Robot"],
    "garden": ["Hose", "Planter", "Shears", "Lounger", "Grill", "Lantern"],
}
PRODUCT_ADJECTIVES = ["Classic", "Pro", "Eco", "Mini", "Deluxe"]

FIRST_NAMES = [
    "Anna",
    "Lukas",
    "Sophie",
    "Jonas",
    "Marie",
    "Felix",
    "Laura",
    "Paul",
    "Lea",
    "Max",
    "Emma",
    "Leon",
    "Mia",
    "Elias",
    "Hannah",
    "Noah",
    "Lena",
    "Ben",
    "Clara",
    "Tim",
    "Julia",
    "David",
    "Sarah",
    "Jan",
    "Nina",
    "Tom",
    "Lisa",
    "Finn",
    "Eva",
    "Moritz",
]
LAST_NAMES = [
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Koch",
    "Richter",
    "Klein",
    "Wolf",
    "Schröder",
    "Neumann",
    "Schwarz",
    "Zimmermann",
    "Braun",
    "Krüger",
    "Hartmann",
    "Lange",
    "Werner",
    "Krause",
    "Lehmann",
]
CHINESE_SURNAMES = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙"]
CHINESE_GIVEN_NAMES = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛"]
EMAIL_DOMAINS = ["gmail.com", "web.de", "gmx.de", "outlook.com", "t-online.de", "yahoo.com"]
SUBJECTS = {
    "inquiry": ["Question about delivery time", "Is this product in stock?", "Size advice", "Payment options"],
    "complaint": ["Item arrived damaged", "Product stopped working", "Wrong item delivered", "Late delivery"],
    "suggestion": ["Please offer gift wrapping", "Idea for the app", "More colours please"],
    "praise": ["Great service, thank you", "Fast delivery", "Very helpful agent"],
    "repair": ["Repair request", "Warranty repair"],
    "return": ["Return request", "Refund for returned item"],
    "other": ["Change of address", "Newsletter question"],
}
COMMENTS_GOOD = ["Very satisfied", "Great quality", "Fast and friendly", "Will buy again"]
COMMENTS_BAD = ["Product broke quickly", "Nobody answered my complaint", "Took far too long", "Disappointed"]


@dataclass(frozen=True)
class Products:
    ids: np.ndarray
    names: np.ndarray
    categories: np.ndarray  # index into CATEGORY_NAMES
    prices: np.ndarray
    costs: np.ndarray
    weights: np.ndarray  # popularity, sums to 1

    def draw(self, rng: np.random.Generator, count: int) -> np.ndarray:
        """Products by popularity through a 2^16-bucket lookup table: a gather instead of a binary search."""
        buckets = 1 << 16
        table = np.searchsorted(np.cumsum(self.weights), (np.arange(buckets) + 0.5) / buckets * self.weights.sum())
        return np.minimum(table[rng.integers(0, buckets, count)], len(self.ids) - 1)


def build_products(rng: np.random.Generator, per_category: int = 25) -> Products:
    ids, names, categories, prices, costs, weights = [], [], [], [], [], []
    for index, category in enumerate(CATEGORY_NAMES):
        share, base_price, margin, _ = CATEGORIES[category]
        popularity = rng.dirichlet(np.full(per_category, 0.8)) * share
        for number in range(per_category):
            noun = PRODUCT_NOUNS[category][number % len(PRODUCT_NOUNS[category])]
            adjective = PRODUCT_ADJECTIVES[number % len(PRODUCT_ADJECTIVES)]
            price = float(np.floor(base_price * rng.lognormal(0, 0.5))) + 0.99
            ids.append(f"P{index + 1:02d}{number + 1:03d}")
            names.append(f"{adjective} {noun}")
            categories.append(index)
            prices.append(max(price, 2.99))
            costs.append(round(max(price, 2.99) * (1 - margin) * rng.uniform(0.9, 1.1), 2))
            weights.append(popularity[number])
    return Products(
        np.array(ids),
        np.array(names),
        np.array(categories),
        np.array(prices),
        np.array(costs),
        np.array(weights) / np.sum(weights),
    )


@dataclass(frozen=True)
class Agents:
    names: np.ndarray
    speed: np.ndarray  # multiplies response and resolution times
    quality: np.ndarray  # 0..1, chance of resolving a complaint well


def build_agents(rng: np.random.Generator, count: int = 40) -> Agents:
    first = rng.choice(FIRST_NAMES, count)
    last = rng.choice(LAST_NAMES, count)
    names = np.array([f"{a} {b[0]}." for a, b in zip(first, last, strict=True)])
    speed = rng.lognormal(0, 0.45, count)
    quality = np.clip(rng.beta(6, 1.6, count), 0.3, 0.99)
    return Agents(names, speed, quality)
