"""`pulse mapping check` previews a file through its mapping without loading it; `pulse mapping list` shows the
mappings and refuses broken ones; `pulse refresh --full` forgets every load."""

from __future__ import annotations

import duckdb
import pytest

from pipelines import cli, mapping_cli
from pipelines.core.ingest import ingest_kind
from tests.helpers import SALES_HEADER, write_csv

GOOD = ["O1", 1, "C1", "", "2025-03-01 10:00:00", 2, "9.99", "completed"]
ERP_MAPPING = """
name: erp_orders
kind: sales
match: ["erp/*.csv"]
date_formats: ["%d.%m.%Y %H:%M"]
decimal_comma: true
columns:
  order_id: Beleg
  ordered_at: Datum
  quantity: Menge
  unit_price: Preis
  customer_id: Kunde
"""


@pytest.fixture
def wide_console(monkeypatch):
    monkeypatch.setattr(mapping_cli.output, "width", 200)


def test_check_shows_the_mapping_the_rows_and_the_reasons_without_loading(data_dir, wide_console, capsys) -> None:
    (data_dir.mappings).mkdir(parents=True)
    (data_dir.mappings / "erp.yaml").write_text(ERP_MAPPING)
    erp_file = write_csv(
        data_dir.landing_for("sales") / "erp" / "export.csv",
        ["Beleg", "Datum", "Menge", "Preis", "Kunde"],
        [["B1", "01.07.2025 14:30", "2", "1.234,50", "K1"], ["B2", "gestern", "1", "5,00", "K2"]],
        delimiter=";",
    )
    assert cli.main(["mapping", "check", str(erp_file)]) == 0
    shown = capsys.readouterr().out
    assert "erp_orders" in shown and "your mapping" in shown
    assert "would load 1" in shown and "reject 1" in shown
    assert "1234.5000" in shown and "2025-07-01 14:30:00" in shown
    assert "'gestern' is not a date/time in the format(s) %d.%m.%Y %H:%M" in shown
    assert not data_dir.warehouse.exists()


def test_check_of_a_file_that_cannot_load_says_why_and_fails(data_dir, wide_console, capsys) -> None:
    broken = write_csv(data_dir.landing_for("sales") / "orders.csv", ["order_id", "quantity"], [["O1", "1"]])
    assert cli.main(["mapping", "check", str(broken)]) == 1
    assert "missing required column(s): ordered_at, unit_price" in capsys.readouterr().out


def test_check_outside_the_landing_folder_needs_the_kind(data_dir, tmp_path, capsys) -> None:
    outside = write_csv(tmp_path / "orders.csv", SALES_HEADER, [GOOD])
    assert cli.main(["mapping", "check", str(outside)]) == 1
    assert "--kind" in capsys.readouterr().out
    assert cli.main(["mapping", "check", str(outside), "--kind", "sales", "--mapping", "canonical"]) == 0


def test_list_shows_presets_and_canonical_mappings_and_names_a_broken_file(data_dir, wide_console, capsys) -> None:
    assert cli.main(["mapping", "list"]) == 0
    assert "every other file" in capsys.readouterr().out
    data_dir.mappings.mkdir(parents=True)
    (data_dir.mappings / "broken.yaml").write_text("kind: sales\ncolumns:\n  order_number: Beleg\n")
    assert cli.main(["mapping", "list"]) == 1
    assert "broken.yaml: columns.order_number: sales has no column 'order_number'" in capsys.readouterr().out


def test_full_refresh_forgets_every_load_so_files_are_read_again(data_dir) -> None:
    write_csv(data_dir.landing_for("sales") / "orders.csv", SALES_HEADER, [GOOD])
    with duckdb.connect(str(data_dir.warehouse)) as connection:
        ingest_kind(connection, "sales", data_dir.landing)
    cli.forget_every_load()
    with duckdb.connect(str(data_dir.warehouse)) as connection:
        assert connection.execute("select count(*) from raw.sales").fetchone()[0] == 0
        (again,) = ingest_kind(connection, "sales", data_dir.landing).files
        assert (again.status, again.rows_loaded) == ("loaded", 1)
        assert connection.execute("select count(*) from ops.load_log").fetchone()[0] == 2


def test_check_shows_values_from_the_file_as_written(data_dir, wide_console, capsys) -> None:
    export = write_csv(
        data_dir.landing_for("sales") / "orders.csv",
        [*SALES_HEADER, "product_name"],
        [[*GOOD, "[/x] [bold]Lamp :x:"]],
    )
    assert cli.main(["mapping", "check", str(export), "--rows", "1"]) == 0
    assert "[/x] [bold]Lamp :x:" in capsys.readouterr().out


def test_a_misspelt_column_names_the_closest_and_fails_only_with_strict(data_dir, wide_console, capsys) -> None:
    data_dir.mappings.mkdir(parents=True)
    (data_dir.mappings / "erp.yaml").write_text(ERP_MAPPING + "  email: E-Mial\n")
    export = write_csv(
        data_dir.landing_for("sales") / "erp" / "export.csv",
        ["Beleg", "Datum", "Menge", "Preis", "Kunde", "E-Mail", "Kanal"],
        [["B1", "01.07.2025 14:30", "2", "1,50", "K1", "a@example.com", "web"]],
        delimiter=";",
    )
    assert cli.main(["mapping", "check", str(export)]) == 0
    shown = capsys.readouterr().out
    assert "takes email from column 'E-Mial', which the file does not have (closest: 'E-Mail')" in shown
    assert cli.main(["mapping", "check", str(export), "--strict"]) == 1
    capsys.readouterr()


def test_an_unused_file_column_that_looks_like_an_empty_contract_column_is_pointed_out(
    data_dir, wide_console, capsys
) -> None:
    header = [name if name != "email" else "emial" for name in SALES_HEADER]
    export = write_csv(data_dir.landing_for("sales") / "orders.csv", header, [[*GOOD[:3], "a@b.de", *GOOD[4:]]])
    assert cli.main(["mapping", "check", str(export)]) == 0
    shown = " ".join(capsys.readouterr().out.split())
    assert "file column 'emial' is not used and looks like the contract column email" in shown
    assert 'email: "emial"' in shown
    assert cli.main(["mapping", "check", str(export), "--strict"]) == 1


def test_an_invalid_mapping_file_does_not_stop_checking_the_files_it_cannot_read(
    data_dir, wide_console, capsys
) -> None:
    data_dir.mappings.mkdir(parents=True)
    (data_dir.mappings / "survey_tool.yaml").write_text("kind: surveys\nmatch: [tool/*]\ncolumns:\n  score: NPS\n")
    orders = write_csv(data_dir.landing_for("sales") / "orders.csv", SALES_HEADER, [GOOD])
    assert cli.main(["mapping", "check", str(orders)]) == 0
    shown = capsys.readouterr().out
    assert "would load 1" in shown
    assert "invalid mapping file:" in shown and "survey_tool.yaml: columns.score: surveys has no column" in shown
    assert cli.main(["mapping", "check", str(orders), "--strict"]) == 1


def test_a_file_an_invalid_mapping_may_read_is_previewed_and_said_to_wait(data_dir, wide_console, capsys) -> None:
    data_dir.mappings.mkdir(parents=True)
    (data_dir.mappings / "erp.yaml").write_text(ERP_MAPPING.replace("quantity: Menge", "quantity: {from: Menge"))
    orders = write_csv(data_dir.landing_for("sales") / "erp" / "orders.csv", SALES_HEADER, [GOOD])
    assert cli.main(["mapping", "check", str(orders)]) == 1
    shown = capsys.readouterr().out
    assert "would load 1" in shown  # previewed with the canonical mapping
    assert "in a refresh this file waits" in shown and "erp.yaml: not a readable YAML file" in shown


def test_mapping_option_on_an_invalid_file_says_what_is_invalid(data_dir, tmp_path, wide_console, capsys) -> None:
    data_dir.mappings.mkdir(parents=True)
    broken = data_dir.mappings / "broken.yaml"
    broken.write_text("kind: sales\ncolumns:\n  order_number: Beleg\n")
    orders = write_csv(data_dir.landing_for("sales") / "orders.csv", SALES_HEADER, [GOOD])
    for named in ("broken", str(broken)):
        assert cli.main(["mapping", "check", str(orders), "--mapping", named]) == 1
        shown = capsys.readouterr().out
        assert "columns.order_number: sales has no column 'order_number'" in shown, named
    elsewhere = tmp_path / "mine.yaml"
    elsewhere.write_text("kind: sales\ncolumns:\n  order_id: order_id\n")
    assert cli.main(["mapping", "check", str(orders), "--mapping", str(elsewhere)]) == 0
    assert "mapping: mine" in capsys.readouterr().out


def test_several_files_are_each_checked_even_when_one_cannot_be(data_dir, wide_console, capsys) -> None:
    orders = write_csv(data_dir.landing_for("sales") / "orders.csv", SALES_HEADER, [GOOD])
    missing = data_dir.landing_for("sales") / "gone.csv"
    assert cli.main(["mapping", "check", str(missing), str(orders)]) == 1
    shown = " ".join(capsys.readouterr().out.split())
    assert "gone.csv does not exist" in shown and "would load 1" in shown
