"""Table rows as strategies: what each kind of table shows, writes and adds."""

from __future__ import annotations

import datetime as dt

from tfsim.scenario import schema as S
from tfsim.scenario.introspect import MISSING, field_map
from tfsim.ui.editors.rows import (
    KEY,
    VALUE,
    KeyedListRows,
    KeyedNumberRows,
    NumberRows,
    TableRows,
    rows_for,
)


def column(rows, key):
    return next(c for c in rows.columns if c.key == key)


def test_each_table_kind_gets_its_strategy():
    top = field_map(S.Scenario)
    assert isinstance(rows_for(top["staffing_plan"]), TableRows)
    assert isinstance(rows_for(top["allocation"]), KeyedListRows)
    assert isinstance(rows_for(field_map(S.Role)["in_post_fte"]), NumberRows)


def test_a_list_of_flat_tables():
    rows = rows_for(field_map(S.Referrals)["cohort"])
    data = rows.rows([{"date": dt.date(2014, 1, 1), "families": 10}])
    assert rows.cell(data[0], "families") == 10
    families = column(rows, "families")
    assert rows.edit(data, 0, families, families.parse("25"), "25") == ((0,), {"date": dt.date(2014, 1, 1),
                                                                               "families": 25})
    assert rows.edit(data, 0, families, families.parse(""), "") == ((0,), {"date": dt.date(2014, 1, 1)})
    data.append(rows.new_row(data))
    assert len(rows.store(data)) == 2
    assert rows.locate((0, "families"), data) == (0, "families") and rows.locate((), data) == (-1, None)


def test_a_list_of_numbers():
    rows = NumberRows(float, "FTE each")
    data = rows.rows([1.0, 0.5])
    assert [c.header for c in rows.columns] == ["FTE each"]
    assert rows.edit(data, 1, rows.columns[0], 0.8, "0.8") == ((1,), 0.8)
    assert rows.new_row(data) == 0.8 and rows.new_row([]) == 1.0
    assert rows.locate((1,), data) == (1, VALUE)


def test_tables_keyed_by_name():
    rows = KeyedNumberRows(float, "FTE")
    data = rows.rows({"fip": 2.0})
    assert rows.cell(data[0], KEY) == "fip" and rows.cell(data[0], VALUE) == 2.0
    assert rows.edit(data, 0, column(rows, KEY), "fsw", "fsw") == ((), {"fsw": 2.0})
    data.append(rows.new_row(data))
    data.append(rows.new_row(data))
    assert [name for name, _ in data] == ["fsw", "new", "new_2"] and data[1][1] == 0.0
    assert rows.locate(("new",), data) == (1, VALUE) and rows.locate(("nope",), data)[0] == -1
    lists = KeyedListRows()
    order = column(lists, VALUE)
    assert order.parse("fip, fip_light") == ["fip", "fip_light"]
    assert lists.new_row([]) == ("new", [])
    assert lists.cell(("high", MISSING), VALUE) is MISSING
