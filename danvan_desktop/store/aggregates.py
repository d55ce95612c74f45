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


def sqlite_add_new_rows(t: Tally) -> str:
    """One statement adding the counts of the records inserted from rowid :first on (SQLite), grouped: what
    the AFTER INSERT trigger adds row by row, in one pass (store/sqlite.py bulk_insert_upkeep)."""
    dims = "".join(f", coalesce(r.{d}, '') AS {d}" for d in t.dims)
    sums = "".join(f", sum(coalesce(r.{c}, 0)) AS {c}" for c in t.sums)
    group = "".join(f", {d}" for d in t.dims)
    cols = [*_key_cols(t), "n", *t.sums]
    outer = ", ".join(["CAST(a.value AS INTEGER)", "leaf.month", *(f"leaf.{d}" for d in t.dims), "sum(leaf.n)",
                       *(f"sum(leaf.{c})" for c in t.sums)])
    sets = ", ".join(f"{c} = {c} + excluded.{c}" for c in ["n", *t.sums])
    # "WHERE true": an upsert's SELECT needs a WHERE for SQLite to parse its ON CONFLICT (SQLite docs, UPSERT).
    return (f"INSERT INTO {t.table} ({', '.join(cols)}) "
            f"WITH leaf AS (SELECT r.unit_id AS unit_id, substr(r.{t.date}, 1, 7) AS month{dims}, count(*) AS n{sums} "
            f"FROM {t.kind} r WHERE r.rowid >= :first AND {_live(t, 'r')} GROUP BY r.unit_id, month{group}) "
            f"SELECT {outer} FROM leaf JOIN unit u ON u.id = leaf.unit_id, "
            f"json_each('[' || replace(trim(u.path, '/'), '/', ',') || ']') a WHERE true "
            f"GROUP BY a.value, leaf.month{''.join(f', leaf.{d}' for d in t.dims)} "
            f"ON CONFLICT ({', '.join(_key_cols(t))}) DO UPDATE SET {sets}")


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


def _pg_grouped(t: Tally, source: str, sign: int, upsert: bool) -> str:
    """INSERT adding (sign 1) or taking away (sign -1) the counts of every live row of `source` (a table or a
    transition table) on every unit of its path: grouped per unit first, then along the paths, so each count
    row is touched once per statement."""
    dims = "".join(f", coalesce(r.{d}, '') AS {d}" for d in t.dims)
    sums = "".join(f", sum(coalesce(r.{c}, 0)) AS {c}" for c in t.sums)
    group = "".join(f", {d}" for d in t.dims)
    cols = [*_key_cols(t), "n", *t.sums]
    outer = ", ".join(["a::integer", "leaf.month", *(f"leaf.{d}" for d in t.dims), f"{sign} * sum(leaf.n)",
                       *(f"{sign} * sum(leaf.{c})" for c in t.sums)])
    sets = ", ".join(f"{c} = {t.table}.{c} + excluded.{c}" for c in ["n", *t.sums])
    conflict = f" ON CONFLICT ({', '.join(_key_cols(t))}) DO UPDATE SET {sets}" if upsert else ""
    return (f"INSERT INTO {t.table} ({', '.join(cols)}) "
            f"WITH leaf AS (SELECT r.unit_id AS unit_id, to_char(r.{t.date}, 'YYYY-MM') AS month{dims}, "
            f"count(*) AS n{sums} FROM {source} r WHERE {_pg_live(t, 'r')} GROUP BY r.unit_id, month{group}) "
            f"SELECT {outer} FROM leaf JOIN unit u ON u.id = leaf.unit_id AND u.path <> '', "
            f"unnest(string_to_array(trim(both '/' from u.path), '/')) a "
            f"GROUP BY a, leaf.month{''.join(f', leaf.{d}' for d in t.dims)}{conflict}")


def _pg_names(t: Tally) -> tuple[str, str]:
    return f"{t.table}_keep", f"{t.table}_keep_rows"


def postgresql_triggers(t: Tally) -> list[str]:
    """The same triggers in PL/pgSQL. Inserts and deletes fire once per statement over its transition table
    (a merge's COPY of 20,000 records updates each count row once); an update of a watched column fires per
    row (PostgreSQL allows no transition table on a trigger limited to some columns)."""
    row_fn, rows_fn = _pg_names(t)
    row_body = (f"CREATE OR REPLACE FUNCTION {row_fn}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"{_pg_add(t, 'OLD', -1)} {_pg_add(t, 'NEW', 1)} RETURN NULL; END $$")
    rows_body = (f"CREATE OR REPLACE FUNCTION {rows_fn}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                 f"IF TG_OP = 'INSERT' THEN {_pg_grouped(t, 'new_rows', 1, True)}; "
                 f"ELSE {_pg_grouped(t, 'old_rows', -1, True)}; END IF; RETURN NULL; END $$")
    return [row_body, rows_body,
            f"CREATE TRIGGER {row_fn} AFTER UPDATE OF {', '.join(_watched(t))} ON {t.kind} "
            f"FOR EACH ROW EXECUTE FUNCTION {row_fn}()",
            f"CREATE TRIGGER {rows_fn}_ins AFTER INSERT ON {t.kind} REFERENCING NEW TABLE AS new_rows "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {rows_fn}()",
            f"CREATE TRIGGER {rows_fn}_del AFTER DELETE ON {t.kind} REFERENCING OLD TABLE AS old_rows "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {rows_fn}()"]


def postgresql_drop_triggers(t: Tally) -> list[str]:
    """DROP statements for one count table's triggers and their functions (PostgreSQL)."""
    row_fn, rows_fn = _pg_names(t)
    return [f"DROP TRIGGER IF EXISTS {row_fn} ON {t.kind}", f"DROP TRIGGER IF EXISTS {rows_fn}_ins ON {t.kind}",
            f"DROP TRIGGER IF EXISTS {rows_fn}_del ON {t.kind}", f"DROP FUNCTION IF EXISTS {row_fn}()",
            f"DROP FUNCTION IF EXISTS {rows_fn}()"]


def postgresql_fill(t: Tally) -> list[str]:
    """Statements emptying one count table and filling it again from the live records (PostgreSQL): the same
    two-step grouping as sqlite_fill."""
    return [f"DELETE FROM {t.table}", _pg_grouped(t, t.kind, 1, False)]


def postgresql_install(fill: bool = True) -> list[str]:
    """Every statement creating the trigger functions and triggers of all count tables (and filling them)."""
    out: list[str] = []
    for t in TALLIES:
        out += postgresql_drop_triggers(t) + postgresql_triggers(t)
        if fill:
            out += postgresql_fill(t)
    return out
