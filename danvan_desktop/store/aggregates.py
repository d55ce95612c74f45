"""Kept figures: the SQL triggers that keep the count tables (store/schema.py TALLIES) in step with the records.

The triggers sit on the record tables, so every write, merge, undo, restore and migration updates the counts
in its own transaction without the services knowing. Trigger language is dialect-specific: migration 0007
creates the SQLite form or, on a server, the PostgreSQL form (one PL/pgSQL function per count table).
A record counts for every unit on its unit's materialised path ("/1/5/23/" → units 1, 5 and 23).
"""

from __future__ import annotations

from danvan_desktop.store.schema import TALLIES, Tally


def _watched(t: Tally) -> list[str]:
    """The record columns whose change can move a record between rows (an UPDATE OF any of them fires)."""
    cols = ["deleted", "unit_id", t.date, *t.dims, *t.sums, *t.watch]
    return list(dict.fromkeys(cols))


def _live(t: Tally, r: str) -> str:
    cond = f"{r}.deleted = 0 AND {r}.{t.date} IS NOT NULL"
    return cond + (f" AND ({t.only.format(r=r)})" if t.only else "")


def _key_cols(t: Tally) -> list[str]:
    return ["unit_id", "month", *t.dims]


def _sqlite_add(t: Tally, r: str, sign: int) -> str:
    """Add (sign 1) or take away (sign -1) one record's counts on every unit of its path."""
    cols = [*_key_cols(t), "n", *t.sums]
    values = ["CAST(a.value AS INTEGER)", f"substr({r}.{t.date}, 1, 7)", *(f"coalesce({r}.{d}, '')" for d in t.dims),
              str(sign), *(f"{sign} * coalesce({r}.{c}, 0)" for c in t.sums)]
    sets = ", ".join(f"{c} = {c} + excluded.{c}" for c in ["n", *t.sums])
    return (f"INSERT INTO {t.table} ({', '.join(cols)}) SELECT {', '.join(values)} "
            f"FROM unit u, json_each('[' || replace(trim(u.path, '/'), '/', ',') || ']') a "
            f"WHERE u.id = {r}.unit_id AND {_live(t, r)} "
            f"ON CONFLICT ({', '.join(_key_cols(t))}) DO UPDATE SET {sets};")


def sqlite_triggers(t: Tally) -> list[str]:
    """CREATE TRIGGER statements keeping one count table (SQLite)."""
    k = t.kind
    return [
        f"CREATE TRIGGER {t.table}_ai AFTER INSERT ON {k} BEGIN {_sqlite_add(t, 'NEW', 1)} END",
        f"CREATE TRIGGER {t.table}_ad AFTER DELETE ON {k} BEGIN {_sqlite_add(t, 'OLD', -1)} END",
        f"CREATE TRIGGER {t.table}_au AFTER UPDATE OF {', '.join(_watched(t))} ON {k} "
        f"BEGIN {_sqlite_add(t, 'OLD', -1)} {_sqlite_add(t, 'NEW', 1)} END",
    ]


def sqlite_drop_triggers(t: Tally) -> list[str]:
    """DROP TRIGGER statements for one count table (SQLite)."""
    return [f"DROP TRIGGER IF EXISTS {t.table}_{s}" for s in ("ai", "ad", "au")]


def sqlite_fill(t: Tally) -> list[str]:
    """Statements emptying one count table and filling it again from the live records (SQLite).

    Records are grouped per unit first, then added up along the unit paths: one pass over the records.
    """
    dims = "".join(f", coalesce(r.{d}, '') AS {d}" for d in t.dims)
    sums = "".join(f", sum(coalesce(r.{c}, 0)) AS {c}" for c in t.sums)
    group = "".join(f", {d}" for d in t.dims)
    cols = [*_key_cols(t), "n", *t.sums]
    outer = ", ".join(["CAST(a.value AS INTEGER)", "leaf.month", *(f"leaf.{d}" for d in t.dims), "sum(leaf.n)",
                       *(f"sum(leaf.{c})" for c in t.sums)])
    return [
        f"DELETE FROM {t.table}",
        f"INSERT INTO {t.table} ({', '.join(cols)}) "
        f"WITH leaf AS (SELECT r.unit_id AS unit_id, substr(r.{t.date}, 1, 7) AS month{dims}, count(*) AS n{sums} "
        f"FROM {t.kind} r WHERE {_live(t, 'r')} GROUP BY r.unit_id, month{group}) "
        f"SELECT {outer} FROM leaf JOIN unit u ON u.id = leaf.unit_id, "
        f"json_each('[' || replace(trim(u.path, '/'), '/', ',') || ']') a "
        f"GROUP BY a.value, leaf.month{''.join(f', leaf.{d}' for d in t.dims)}",
    ]


def sqlite_install(fill: bool = True) -> list[str]:
    """Every statement creating the triggers of all count tables (and filling them from the records)."""
    out: list[str] = []
    for t in TALLIES:
        out += sqlite_drop_triggers(t) + sqlite_triggers(t)
        if fill:
            out += sqlite_fill(t)
    return out


# ---- PostgreSQL ----------------------------------------------------------------------------------------------


def _pg_live(t: Tally, r: str) -> str:
    return _live(t, r).replace(f"{r}.deleted = 0", f"NOT {r}.deleted")


def _pg_add(t: Tally, r: str, sign: int) -> str:
    cols = [*_key_cols(t), "n", *t.sums]
    values = ["a::integer", f"to_char({r}.{t.date}, 'YYYY-MM')", *(f"coalesce({r}.{d}, '')" for d in t.dims),
              str(sign), *(f"{sign} * coalesce({r}.{c}, 0)" for c in t.sums)]
    sets = ", ".join(f"{c} = {t.table}.{c} + excluded.{c}" for c in ["n", *t.sums])
    live = _pg_live(t, r)
    return (f"IF {live} THEN INSERT INTO {t.table} ({', '.join(cols)}) SELECT {', '.join(values)} "
            f"FROM unit u, unnest(string_to_array(trim(both '/' from u.path), '/')) a "
            f"WHERE u.id = {r}.unit_id AND u.path <> '' "
            f"ON CONFLICT ({', '.join(_key_cols(t))}) DO UPDATE SET {sets}; END IF;")


def postgresql_triggers(t: Tally) -> list[str]:
    """The same triggers in PL/pgSQL: one function per count table, fired after each row change."""
    fn = f"{t.table}_keep"
    body = (f"CREATE OR REPLACE FUNCTION {fn}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF TG_OP IN ('UPDATE', 'DELETE') THEN {_pg_add(t, 'OLD', -1)} END IF; "
            f"IF TG_OP IN ('INSERT', 'UPDATE') THEN {_pg_add(t, 'NEW', 1)} END IF; "
            f"RETURN NULL; END $$")
    return [body, f"DROP TRIGGER IF EXISTS {fn} ON {t.kind}",
            f"CREATE TRIGGER {fn} AFTER INSERT OR DELETE OR UPDATE OF {', '.join(_watched(t))} ON {t.kind} "
            f"FOR EACH ROW EXECUTE FUNCTION {fn}()"]


def postgresql_drop_triggers(t: Tally) -> list[str]:
    """DROP statements for one count table's trigger and its function (PostgreSQL)."""
    fn = f"{t.table}_keep"
    return [f"DROP TRIGGER IF EXISTS {fn} ON {t.kind}", f"DROP FUNCTION IF EXISTS {fn}()"]


def postgresql_fill(t: Tally) -> list[str]:
    """Statements emptying one count table and filling it again from the live records (PostgreSQL): the same
    two-step grouping as sqlite_fill."""
    dims = "".join(f", coalesce(r.{d}, '') AS {d}" for d in t.dims)
    sums = "".join(f", sum(coalesce(r.{c}, 0)) AS {c}" for c in t.sums)
    group = "".join(f", {d}" for d in t.dims)
    cols = [*_key_cols(t), "n", *t.sums]
    outer = ", ".join(["a::integer", "leaf.month", *(f"leaf.{d}" for d in t.dims), "sum(leaf.n)",
                       *(f"sum(leaf.{c})" for c in t.sums)])
    return [
        f"DELETE FROM {t.table}",
        f"INSERT INTO {t.table} ({', '.join(cols)}) "
        f"WITH leaf AS (SELECT r.unit_id AS unit_id, to_char(r.{t.date}, 'YYYY-MM') AS month{dims}, "
        f"count(*) AS n{sums} FROM {t.kind} r WHERE {_pg_live(t, 'r')} GROUP BY r.unit_id, month{group}) "
        f"SELECT {outer} FROM leaf JOIN unit u ON u.id = leaf.unit_id AND u.path <> '', "
        f"unnest(string_to_array(trim(both '/' from u.path), '/')) a "
        f"GROUP BY a, leaf.month{''.join(f', leaf.{d}' for d in t.dims)}",
    ]


def postgresql_install(fill: bool = True) -> list[str]:
    """Every statement creating the trigger functions and triggers of all count tables (and filling them)."""
    out: list[str] = []
    for t in TALLIES:
        out += postgresql_drop_triggers(t) + postgresql_triggers(t)
        if fill:
            out += postgresql_fill(t)
    return out
