"""Hybrid search skips work it does not need: spelling correction runs only for a query word
missing from the full-text candidates and from the store, the any-word full-text arm only
when too few products have every word. Typos and compounds still find products."""

from __future__ import annotations

import pytest

from catalog_helpers import SHOES, product


@pytest.fixture
def shoes(client, tenant, local_queue, drain):
    client.put("/v1/agent/products", headers=tenant.auth, json={"products": SHOES})
    drain()
    return tenant


class _Explaining:
    """A connection stand-in for hybrid_search: keeps the search statement's plan
    lines (EXPLAIN, with ANALYZE if asked), then runs every statement as given."""

    def __init__(self, conn, analyze: bool = False) -> None:
        self.conn = conn
        self.options = "ANALYZE, COSTS OFF" if analyze else "COSTS OFF"
        self.plans: list[str] = []

    def pipeline(self):
        return self.conn.pipeline()

    def execute(self, sql, params=None):
        if "WITH vec" in sql:  # the search statement, not its planner settings
            self.plans += [r["QUERY PLAN"] for r in self.conn.execute(
                f"EXPLAIN ({self.options}) " + sql, params).fetchall()]
        return self.conn.execute(sql, params)


def _explained(db, organization_id, query: str, depth: int = 40,
               typo_terms: list[str] | None = None) -> tuple[list[str], list[dict]]:
    """The search SQL's EXPLAIN ANALYZE lines and its rows, with the arguments search()
    passes."""
    from agentpay.catalog import search_repository as repo
    from agentpay.catalog.search import query_vectors, to_tsquery_all, to_tsquery_text
    from agentpay.catalog.search_repository import Filters
    from agentpay.embeddings import get_embedder

    with db.connection() as conn, conn.transaction():
        spy = _Explaining(conn, analyze=True)
        rows = repo.hybrid_search(
            spy, organization_id, query, to_tsquery_text(query),
            query_vectors.get(get_embedder(), query), Filters(), depth, typo_terms,
            to_tsquery_all(query))
    return spy.plans, rows


def _gated_part_ran(plans: list[str], gate: str) -> bool:
    """The one plan node under the one-time filter `gate` ran or was never executed."""
    gates = [i for i, line in enumerate(plans) if gate in line]
    assert len(gates) == 1, "\n".join(plans)
    below = next(line for line in plans[gates[0] + 1:] if "->" in line)
    return "never executed" not in below


def _typos(db, organization_id, query: str) -> tuple[int, list[dict]]:
    """How many of the query's words the statement took for misspellings, and its rows."""
    import re

    from agentpay.catalog.search import MIN_TYPO_TERM, query_terms

    terms = [t for t in query_terms(query) if len(t) >= MIN_TYPO_TERM]
    plans, rows = _explained(db, organization_id, query, typo_terms=terms)
    typos = next(plans[i + 1] for i, line in enumerate(plans) if "CTE typos" in line)
    return int(float(re.search(r"rows=([\d.]+)", typos).group(1))), rows


def test_words_all_found_by_full_text_are_not_taken_for_typos(shoes, db):
    assert _typos(db, shoes.organization_id, "trail running shoe")[0] == 0


def test_a_misspelt_word_is_corrected_from_the_stores_words(shoes, db, client):
    typos, rows = _typos(db, shoes.organization_id, "runnning shoe")
    assert typos == 1
    # "running" stands in for "runnning": both shoes match it as text
    assert {r["external_id"] for r in rows if r["text_match"]} >= {"shoe-1", "shoe-2"}
    assert _typos(db, shoes.organization_id, "backpaking")[0] == 1
    response = client.post("/v1/agent/products/search", headers=shoes.auth,
                           json={"query": "backpaking tnet"})
    assert [hit["external_id"] for hit in response.json()["data"]][:1] == ["tent-1"]


def test_a_word_far_from_every_store_word_is_not_corrected(shoes, db):
    typos, rows = _typos(db, shoes.organization_id, "zzyzx")
    assert typos == 1 and not any(r["text_match"] for r in rows)


def test_a_compound_written_as_one_word_finds_its_parts(shoes, db):
    # the store has "road" and "tent"
    _, rows = _typos(db, shoes.organization_id, "roadtent")
    assert {r["external_id"] for r in rows if r["text_match"]} == {"shoe-2", "tent-1"}


def test_a_guessed_word_earns_half_the_rank_of_the_shoppers_own(client, tenant, drain, db):
    client.put("/v1/agent/products", headers=tenant.auth, json={"products": [
        product("bench-1", "Oak Storage Bench"), product("dress-1", "Linen Wrap Dress")]})
    drain()
    # no product says "dresser": "dress" stands in for it, at half the credit
    _, rows = _typos(db, tenant.organization_id, "storage dresser")
    lexical = {r["external_id"]: r["lexical_part"] for r in rows}
    assert lexical["bench-1"] == pytest.approx(1.0)
    assert lexical["dress-1"] == pytest.approx(0.5)


def test_words_joined_by_a_slash_are_matched_one_by_one(client, tenant, drain, db):
    client.put("/v1/agent/products", headers=tenant.auth, json={"products": [
        product("drill-1", "Cordless Drill/Driver Kit"),
        product("rug-1", "Black/White Striped Rug"),
        product("socket-1", "1/2 in. Drive Socket")]})
    drain()
    for query, found in (("drill", {"drill-1"}), ("driver", {"drill-1"}),
                         ("white rug", {"rug-1"}), ("1/2 in socket", {"socket-1"})):
        _, rows = _explained(db, tenant.organization_id, query)
        assert {r["external_id"] for r in rows if r["text_match"]} == found, query
    with db.connection() as conn:
        words = {r["word"] for r in conn.execute(
            "SELECT word FROM catalog_words WHERE organization_id = %s",
            (tenant.organization_id,)).fetchall()}
    assert {"drill", "driver", "black", "white"} <= words
    assert not any("/" in w for w in words)


def test_stop_words_alone_are_not_taken_for_typos(shoes, db):
    # "for" and "the" have no lexeme: missing from the candidates is not a typo
    assert _typos(db, shoes.organization_id, "shoe for the trail")[0] == 0


def test_corrections_come_from_this_stores_words_only(shoes, make_tenant, client, drain, db):
    other = make_tenant()
    client.put("/v1/agent/products", headers=other.auth, json={"products": [
        product("phones-1", "Studio Headphones")]})
    drain()
    assert _typos(db, other.organization_id, "headphnes")[0] == 1
    assert [r["external_id"] for r in _typos(db, other.organization_id, "headphnes")[1]
            if r["text_match"]] == ["phones-1"]
    # the shoe store has no such word: nothing to correct to
    typos, rows = _typos(db, shoes.organization_id, "headphnes")
    assert typos == 1 and not any(r["text_match"] for r in rows)


# ------------------------------------------------------------------ every word first

WOOL = [product(f"wool-{i}", f"Blue Wool {kind}") for i, kind in
        enumerate(["Sock", "Scarf", "Hat"])] + [product("mitten", "Red Wool Mitten")]


def _any_word_arm_ran(db, organization_id, query: str, depth: int) -> tuple[bool, set]:
    """Whether the any-word full-text arm ran, and the full-text matches among the rows."""
    plans, rows = _explained(db, organization_id, query, depth)
    # the gate: fewer products with every word than `depth` ("(InitPlan n).col1 < '2'")
    return (_gated_part_ran(plans, f".col1 < '{depth}'::"),
            {r["external_id"] for r in rows if r["text_match"]})


@pytest.fixture
def wool(client, tenant, local_queue, drain):
    client.put("/v1/agent/products", headers=tenant.auth, json={"products": WOOL})
    drain()
    return tenant


def test_enough_products_with_every_word_skip_ranking_those_with_any(wool, db):
    ran, found = _any_word_arm_ran(db, wool.organization_id, "blue wool", depth=2)
    assert not ran and found <= {"wool-0", "wool-1", "wool-2"} and len(found) >= 2


def test_too_few_with_every_word_ranks_those_with_any(wool, db):
    ran, found = _any_word_arm_ran(db, wool.organization_id, "blue mitten", depth=2)
    assert ran and "mitten" in found


def _ranked_rows(plans: list[str]) -> list[float]:
    """Rows fed into each full-text tier's ranking (the `m` subqueries)."""
    import re

    return [float(re.search(r"rows=([\d.]+)", line).group(1))
            for line in plans if re.search(r"Subquery Scan on m(_\d+)? ", line)]


def test_each_full_text_tier_ranks_at_most_the_rank_limit(wool, db, monkeypatch):
    from agentpay.catalog import search_repository as repo

    every_word = _explained(db, wool.organization_id, "wool", depth=40)[0]
    assert _ranked_rows(every_word) == [4.0]
    monkeypatch.setattr(repo, "LEXICAL_RANK_LIMIT", 2)
    every_word = _explained(db, wool.organization_id, "wool", depth=40)[0]
    assert _ranked_rows(every_word) == [2.0]
    # no product has both words: the any-word tier runs, and is capped too
    any_word = _explained(db, wool.organization_id, "green mitten sock", depth=40)[0]
    assert _ranked_rows(any_word) == [0.0, 2.0]


def test_full_text_tiers_read_the_index_even_where_a_table_scan_looks_cheaper(wool, db):
    """With LIMIT over many estimated matches the planner may scan the shared products
    table until enough match; the statement runs with sequential scans off (and restores
    the caller's setting)."""
    from agentpay.catalog import search_repository as repo
    from agentpay.catalog.search import query_vectors, to_tsquery_all, to_tsquery_text
    from agentpay.catalog.search_repository import Filters
    from agentpay.embeddings import get_embedder

    query = "green mitten sock"  # no product has every word: both tiers run
    for caller_setting in ("on", "off"):
        with db.connection() as conn, conn.transaction():
            # make reading the whole table the cheapest plan, as it is for a large table
            # whose matches the planner over-estimates under a LIMIT
            conn.execute("SET LOCAL seq_page_cost = 0.001; SET LOCAL random_page_cost = 1000;"
                         f" SET LOCAL enable_seqscan = {caller_setting}")
            spy = _Explaining(conn)
            repo.hybrid_search(spy, wool.organization_id, query, to_tsquery_text(query),
                               query_vectors.get(get_embedder(), query), Filters(), 40,
                               None, to_tsquery_all(query))
            restored = conn.execute("SELECT current_setting('enable_seqscan') AS s").fetchone()
        assert spy.plans
        plan = "\n".join(spy.plans)
        assert "Seq Scan on products" not in plan, plan
        assert restored == {"s": caller_setting}


# ------------------------------------------------------------------ one store's words

def _index_rows(plans: list[str], index: str) -> list[float]:
    """Rows each bitmap scan of `index` returned (EXPLAIN ANALYZE)."""
    import re

    return [float(re.search(r"actual time=[\d.]+\.\.[\d.]+ rows=([\d.]+)", line).group(1))
            for line in plans if f"Bitmap Index Scan on {index}" in line]


def test_full_text_reads_only_this_stores_entries_from_the_index(wool, make_tenant, db):
    """Other stores' products with the same words never leave the index: a store's
    full-text cost does not grow with other stores' catalogs (migration 0009). The search
    reads a store this small through its organization index instead, so the condition is
    explained alone; it must be the index's expression, or the index would not serve it."""
    from agentpay.catalog.search_repository import _store_match, store_lexeme

    other = make_tenant("Wool Wholesale")  # a large catalog full of the same word
    with db.transaction() as conn:
        conn.execute("""INSERT INTO products (organization_id, external_id, name, price_minor,
                                              currency, content_hash)
                        SELECT %s, 'bulk-' || i, 'Merino Wool Blanket ' || i, 4900, 'USD', 'x'
                          FROM generate_series(1, 3000) AS i""", (other.organization_id,))
    sql = ("SELECT p.external_id FROM products p WHERE p.deleted_at IS NULL AND p.active AND "
           + _store_match("p", "to_tsquery('english', %(q)s)"))
    params = {"q": "wool", "store_lexeme": store_lexeme(wool.organization_id)}
    with db.connection() as conn:
        conn.execute("ANALYZE products")  # the planner's estimate of the index expression
    with db.connection() as conn, conn.transaction():
        # Steer the planner to the full-text index, as the statement's estimates do at
        # 100,000 products: no walk through every row, and each row's test made costly.
        conn.execute("SET LOCAL enable_seqscan = off; SET LOCAL enable_indexscan = off;"
                     " SET LOCAL cpu_operator_cost = 10")
        plans = [r["QUERY PLAN"] for r in conn.execute(
            "EXPLAIN (ANALYZE, COSTS OFF) " + sql, params).fetchall()]
        found = {r["external_id"] for r in conn.execute(sql, params).fetchall()}
    assert _index_rows(plans, "products_store_search_idx") == [4.0], "\n".join(plans)
    assert found == {"wool-0", "wool-1", "wool-2", "mitten"}


def test_the_full_text_index_takes_new_products_in_at_once(db):
    """No pending list (fastupdate off): searches right after a catalog load do not scan
    unmerged entries until a vacuum runs."""
    with db.connection() as conn:
        options = conn.execute("SELECT reloptions FROM pg_class"
                               " WHERE relname = 'products_store_search_idx'").fetchone()
    assert "fastupdate=off" in options["reloptions"]


def test_a_query_of_stop_words_ranks_no_product_by_its_text(wool, db):
    """"the" has no lexeme. ANDed with the store's lexeme alone it would match every
    product of the store, and the full-text tier would rank up to the rank limit of them
    for nothing."""
    plans, rows = _explained(db, wool.organization_id, "the of and", depth=40)
    assert _ranked_rows(plans) and not any(_ranked_rows(plans)), "\n".join(plans)
    assert not any(r["text_match"] for r in rows)


class _Settings:
    """A connection stand-in that runs every statement as given and, right after the
    search statement (in the same pipeline), reads the settings it ran with."""

    def __init__(self, conn) -> None:
        self.conn = conn
        self.during = None

    def pipeline(self):
        return self.conn.pipeline()

    def execute(self, sql, params=None):
        cursor = self.conn.execute(sql, params)
        if "WITH vec" in sql:
            self.during = self.conn.execute(_CURRENT)
        return cursor


_CURRENT = ("SELECT current_setting('hnsw.ef_search') AS ef,"
            " current_setting('enable_seqscan') AS seqscan,"
            " current_setting('hnsw.iterative_scan') AS iterative,"
            " current_setting('pg_trgm.similarity_threshold') AS trgm,"
            " current_setting('jit') AS jit")


@pytest.mark.parametrize("in_transaction", [False, True])
def test_the_search_statement_runs_with_its_own_settings_and_leaves_the_callers(
        shoes, db, in_transaction):
    """One pipeline sets the statement's planner settings and puts the caller's back,
    whether the caller is in a transaction or in autocommit (an implicit transaction)."""
    from contextlib import nullcontext

    from agentpay.catalog.search import DATABASE_EF_SEARCH, search

    cases = [({}, str(DATABASE_EF_SEARCH)), ({"ef_search": 400}, "400"), ({"k": 100}, "400")]
    for options, ef in cases:
        with db.connection() as conn, (conn.transaction() if in_transaction
                                       else nullcontext()):
            conn.execute("SET jit = on")  # a caller's own setting, which search leaves alone
            try:
                callers = conn.execute(_CURRENT).fetchone()
                spy = _Settings(conn)
                assert search(spy, shoes.organization_id, "trail running shoe", **options)
                assert spy.during.fetchone() == {"ef": ef, "seqscan": "off", "jit": "off",
                                                 "iterative": "relaxed_order", "trgm": "0.39"}
                assert conn.execute(_CURRENT).fetchone() == callers, options
                assert callers["jit"] == "on"
            finally:
                conn.execute("RESET jit")


def test_under_price_stock_colour_or_size_filters_the_vector_arm_brings_half_as_many():
    from agentpay.catalog.search_repository import Filters, vector_depth

    unfiltered, _ = Filters(brands=["acme"]).sql("e")  # read from products only
    filtered, _ = Filters(price_max=5000, in_stock=True).sql("e")
    assert vector_depth(40, unfiltered) == 40
    assert vector_depth(40, filtered) == 20
    assert vector_depth(12, filtered) == 10  # never fewer than a page


def test_the_any_word_tier_ranks_the_products_with_the_query_s_rarest_words(
        client, tenant, local_queue, drain, db, monkeypatch):
    from agentpay.catalog import search_repository as repo

    # GIVEN a store where "men" is in many listings and "pomade" in one, none with both
    # "dove" and "pomade" and "men"
    client.put("/v1/agent/products", headers=tenant.auth, json={"products": [
        product(f"tee-{i}", f"Men's Crew Tee No. {i}") for i in range(12)] + [
        product("pomade", "Dove Care Styling Pomade", 1200),
        product("soap", "Dove Beauty Bar", 500)]})
    drain()
    # WHEN the any-word tier may rank only 4 matches (and the vector arm brings nothing,
    # to see the full-text arm alone)
    monkeypatch.setattr(repo, "LEXICAL_RANK_LIMIT", 4)
    monkeypatch.setattr(repo, "_VECTOR_ARM",
                        "SELECT NULL::uuid AS id, NULL::float8 AS cosine WHERE false")
    _, rows = _explained(db, tenant.organization_id, "dove mens pomade", depth=10)
    matched = {r["external_id"] for r in rows if r["text_match"]}
    # THEN it reads the products with the rare words, not the first four tees
    assert {"pomade", "soap"} <= matched
    assert rows[0]["external_id"] == "pomade"


class _Counting:
    """A connection stand-in for search(): counts the search statements, and whether each
    planned the spelling correction."""

    def __init__(self, conn) -> None:
        self.conn, self.statements = conn, []

    def pipeline(self):
        return self.conn.pipeline()

    def execute(self, sql, params=None):
        if "WITH vec" in sql:
            self.statements.append("fixes AS" in sql)
        return self.conn.execute(sql, params)


@pytest.mark.parametrize("query, statements, hit", [
    ("trail running shoe", [False], {"shoe-1"}),  # spelt as the store spells it: one
    ("runnning shoe", [False, True], {"shoe-1", "shoe-2"}),  # a word nobody has: two
    ("backpaking tnet", [False, True], {"tent-1"}),
])
def test_a_search_plans_the_correction_only_for_a_word_no_product_has(
        shoes, db, query, statements, hit):
    from agentpay.catalog.search import search

    with db.connection() as conn:
        spy = _Counting(conn)
        hits = search(spy, shoes.organization_id, query, k=5)
    assert spy.statements == statements
    assert hits[0].product["external_id"] in hit
    assert "typos" not in hits[0].product
