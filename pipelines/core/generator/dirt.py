"""Realistic dirt, injected into a share of a file's rows and recorded row by row in the ground truth.

Each dirt type takes its own disjoint set of rows, so a row has at most one kind of dirt and the truth is exact.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

# kind → dirt type → (column, rejectable)
DIRT_TYPES: dict[str, dict[str, tuple[str, bool]]] = {
    "customers": {
        "email_variant": ("email", False),
        "phone_variant": ("phone", False),
        "stray_spaces": ("full_name", False),
        "duplicate_person": ("customer_id", False),
        "bad_date": ("signup_date", True),
        "missing_key": ("customer_id", True),
        "duplicate_row": ("", False),
    },
    "sales": {
        "no_customer_id": ("customer_id", False),
        "email_variant": ("email", False),
        "unknown_category": ("category", False),
        "stray_spaces": ("product_name", False),
        "bad_date": ("ordered_at", True),
        "future_date": ("ordered_at", True),
        "missing_key": ("order_id", True),
        "duplicate_row": ("", False),
    },
    "interactions": {
        "no_customer_id": ("customer_id", False),
        "unknown_category": ("type", False),
        "stray_spaces": ("subject", False),
        "bad_date": ("created_at", True),
        "future_date": ("created_at", True),
        "out_of_range": ("rating", True),
        "missing_key": ("interaction_id", True),
        "duplicate_row": ("", False),
    },
    "surveys": {
        "no_customer_id": ("customer_id", False),
        "unknown_category": ("method", False),
        "stray_spaces": ("comment", False),
        "bad_date": ("submitted_at", True),
        "out_of_range": ("nps", True),
        "missing_key": ("response_id", True),
        "duplicate_row": ("", False),
    },
}
UNKNOWN_VALUES = {"category": "Misc.", "type": "feedback", "method": "kiosk"}
BAD_DATES = np.array(["31/02/2025", "not a date", "2025-13-45", "yesterday"])
OUT_OF_RANGE = {"rating": "9", "nps": "11"}


@dataclass
class DirtRecords:
    kind: list[str]
    file: list[str]
    row_number: list[int]
    dirt_type: list[str]
    rejectable: list[bool]
    column: list[str]

    @classmethod
    def empty(cls) -> DirtRecords:
        return cls([], [], [], [], [], [])

    def add(self, kind: str, file: str, rows: np.ndarray, dirt_type: str, rejectable: bool, column: str) -> None:
        count = len(rows)
        self.kind += [kind] * count
        self.file += [file] * count
        self.row_number += rows.tolist()
        self.dirt_type += [dirt_type] * count
        self.rejectable += [rejectable] * count
        self.column += [column] * count


def phone_variant(phone: str, style: int) -> str:
    """The same German number written another way: national trunk 0, brackets and dashes, or 0049."""
    parts = phone.split(" ")
    if len(parts) != 3 or parts[0] != "+49":
        return phone.replace(" ", "")
    _, area, subscriber = parts
    if style == 0:
        return f"0{area} {subscriber}"
    if style == 1:
        return f"(0{area}) {subscriber[:3]}-{subscriber[3:]}"
    return f"0049 {area} {subscriber}"


def inject(
    rng: np.random.Generator,
    kind: str,
    table: pa.Table,
    rate: float,
    file: str,
    first_row: int,
    records: DirtRecords,
    duplicate_people: list[tuple[str, str]],
) -> list[pa.Table]:
    """Dirty the rows one chunk gives a file; they will be written as data rows first_row, first_row + 1, …

    Only the chosen rows are touched in Python. Returns the chunk's rows, then the copies (duplicate rows, second
    CRM records of a person) that are written after them.
    """
    count = table.num_rows
    if rate <= 0 or count == 0:
        return [table]
    order = rng.permutation(count)
    # `rate` is the share of rows with dirt, spread evenly over the kinds of dirt this export can have.
    amounts = rng.binomial(count, rate / len(DIRT_TYPES[kind]), len(DIRT_TYPES[kind]))
    replacements: dict[str, dict[int, str | None]] = {}
    copies: list[pa.Table] = []
    appended = 0
    taken = 0
    for (dirt_type, (column, rejectable)), amount in zip(DIRT_TYPES[kind].items(), amounts, strict=True):
        rows = np.sort(order[taken : taken + amount])
        taken += amount
        rows = _eligible(dirt_type, column, table, rows)
        if dirt_type in ("duplicate_row", "duplicate_person"):
            copy = table.take(pa.array(rows, pa.int64()))
            if dirt_type == "duplicate_person":
                copy = _second_record(copy, duplicate_people)
            records.add(kind, file, first_row + count + appended + np.arange(len(rows)), dirt_type, rejectable, column)
            copies.append(copy)
            appended += len(rows)
            continue
        originals = table.column(column).take(pa.array(rows, pa.int64())).to_pylist()
        fallback = (
            table.column("_email").take(pa.array(rows, pa.int64())).to_pylist() if dirt_type == "no_customer_id" else []
        )
        for position, (row, value) in enumerate(zip(rows.tolist(), originals, strict=True)):
            replacements.setdefault(column, {})[row] = _dirty_value(rng, dirt_type, column, value)
            if dirt_type == "no_customer_id":
                replacements.setdefault("email", {})[row] = fallback[position]
        records.add(kind, file, first_row + rows, dirt_type, rejectable, column)
    for column, changes in replacements.items():
        index = table.column_names.index(column)
        table = table.set_column(index, column, _replaced(table.column(column).combine_chunks(), changes))
    return [table, *copies]


def _replaced(array: pa.Array, changes: dict[int, str | None]) -> pa.Array:
    rows = np.array(sorted(changes), dtype=np.int64)
    values = pa.array([changes[row] for row in rows.tolist()], pa.string())
    if not pa.types.is_dictionary(array.type):
        mask = np.zeros(len(array), dtype=bool)
        mask[rows] = True
        return pc.replace_with_mask(array, pa.array(mask), values)
    # Append the new spellings to the dictionary and point the changed rows at them: the column stays encoded.
    indices = pc.fill_null(array.indices, 0).to_numpy(zero_copy_only=False).copy()
    missing = array.is_null().to_numpy(zero_copy_only=False).copy()
    indices[rows] = len(array.dictionary) + np.arange(len(rows))
    missing[rows] = values.is_null().to_numpy(zero_copy_only=False)
    dictionary = pa.concat_arrays([array.dictionary, values.fill_null("")])
    return pa.DictionaryArray.from_arrays(pa.array(indices, mask=missing), dictionary)


def _eligible(dirt_type: str, column: str, table: pa.Table, rows: np.ndarray) -> np.ndarray:
    """Dirt needs something to act on: a value to vary, an e-mail to fall back on, a German phone number."""
    if len(rows) == 0 or dirt_type in (
        "duplicate_row",
        "bad_date",
        "future_date",
        "out_of_range",
        "missing_key",
        "unknown_category",
    ):
        return rows
    source = "_email" if dirt_type == "no_customer_id" else column
    values = table.column(source).take(pa.array(rows, pa.int64())).to_pylist()
    if dirt_type == "phone_variant":
        keep = [isinstance(value, str) and value.startswith("+49") for value in values]
    else:
        keep = [value is not None for value in values]
    return rows[np.array(keep, dtype=bool)]


def _second_record(copy: pa.Table, duplicate_people: list[tuple[str, str]]) -> pa.Table:
    """The same person entered again under another customer number, with the e-mail typed in capitals."""
    originals = copy.column("customer_id").to_pylist()
    second_ids = ["X" + str(value)[1:] for value in originals]
    duplicate_people.extend(zip(originals, second_ids, strict=True))
    copy = copy.set_column(copy.column_names.index("customer_id"), "customer_id", pa.array(second_ids, pa.string()))
    email = copy.column("email").cast(pa.string())
    return copy.set_column(copy.column_names.index("email"), "email", pc.utf8_upper(email))


def _dirty_value(rng: np.random.Generator, dirt_type: str, column: str, value: str | None) -> str | None:
    if dirt_type == "email_variant":
        return f" {str(value).upper()} " if rng.random() < 0.5 else str(value).upper()
    if dirt_type == "phone_variant":
        return phone_variant(str(value), int(rng.integers(0, 3)))
    if dirt_type == "stray_spaces":
        return f"  {value} "
    if dirt_type == "unknown_category":
        return UNKNOWN_VALUES[column]
    if dirt_type == "bad_date":
        return str(rng.choice(BAD_DATES))
    if dirt_type == "future_date":
        return "2099-" + str(value)[5:]
    if dirt_type == "out_of_range":
        return OUT_OF_RANGE[column]
    return None  # no_customer_id, missing_key
