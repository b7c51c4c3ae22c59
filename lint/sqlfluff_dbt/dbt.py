"""Stand-ins for dbt's cross-database macros (`dbt.datediff`, ...) when sqlfluff renders the models.

sqlfluff's jinja templater does not run dbt; it only needs SQL of the right shape to lint. Each function returns
what dbt-duckdb renders, closely enough for the linter.
"""


def datediff(first_date: str, second_date: str, datepart: str) -> str:
    return f"date_diff('{datepart}', {first_date}, {second_date})"


def dateadd(datepart: str, interval: object, from_date_or_timestamp: str) -> str:
    return f"date_add({from_date_or_timestamp}, interval ({interval}) {datepart})"


def date_trunc(datepart: str, date: str) -> str:
    return f"date_trunc('{datepart}', {date})"


def concat(fields: list[str]) -> str:
    return " || ".join(fields)


def hash(field: str) -> str:
    return f"md5(cast({field} as varchar))"


def bool_or(expression: str) -> str:
    return f"bool_or({expression})"


def listagg(measure: str, delimiter_text: str = "','", order_by_clause: str | None = None, limit_num=None) -> str:
    return f"string_agg({measure}, {delimiter_text})"


def type_string() -> str:
    return "varchar"


def type_float() -> str:
    return "double"


def escape_single_quotes(expression: str) -> str:
    return expression.replace("'", "''")
