"""The hybrid search SQL: three candidate lists (HNSW cosine, full text, trigram), every
candidate's three scores, and their fusion into the top k, in one round trip. Always
scoped to one organization."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal
from uuid import UUID

import psycopg

if TYPE_CHECKING:  # numpy comes with the first vector, not with the routes that need none
    import numpy as np

PRODUCT_COLUMNS = """p.id, p.external_id, p.name, p.description, p.price_minor, p.currency,
    p.compare_at_minor, p.category, p.brand, p.attributes, p.variants, p.image_url, p.url,
    p.active, p.in_stock, p.colors, p.sizes, p.created_at, p.updated_at"""


@dataclass
class Filters:
    """Structured filters from the shopper's entities; money in minor units.

    Price, currency, colours, sizes, category and stock are columns of both products and
    product_embeddings; the rest (product type, brand, gender, words and features that
    must or must not be there) are read from products only, after the candidate lists.
    """

    price_min: int | None = None
    price_max: int | None = None
    currency: str | None = None
    colors: list[str] = field(default_factory=list)
    sizes: list[str] = field(default_factory=list)
    category: str | None = None
    in_stock: bool | None = None
    product_types: list[str] = field(default_factory=list)
    brands: list[str] = field(default_factory=list)
    exclude_brands: list[str] = field(default_factory=list)
    exclude_colors: list[str] = field(default_factory=list)
    gender: str | None = None
    # a to_tsquery expression every product must match ("'sulfate' <-> 'free'") / not match
    require: str | None = None
    exclude: str | None = None
    # attribute keys that must be true, each also satisfied by its words in the text
    features: list[str] = field(default_factory=list)
    # the sizes as words of the text, for measures (a to_tsquery expression)
    size_text: str | None = None

    def sql(self, alias: str) -> tuple[str, dict[str, Any]]:
        """WHERE fragments; `alias` "p" (products) gets every filter, any other alias
        (product_embeddings) only the columns both tables carry."""
        clauses, params = [], {}
        if self.price_min is not None:
            clauses.append(f"{alias}.price_minor >= %(f_price_min)s")
            params["f_price_min"] = self.price_min
        if self.price_max is not None:
            clauses.append(f"{alias}.price_minor <= %(f_price_max)s")
            params["f_price_max"] = self.price_max
        if self.currency:
            clauses.append(f"{alias}.currency = %(f_currency)s")
            params["f_currency"] = self.currency.upper()
        if self.colors:
            clauses.append(f"{alias}.colors && %(f_colors)s")
            params["f_colors"] = [c.lower() for c in self.colors]
        if self.sizes and alias == "p" and self.size_text:
            # a measure is a size or a word of the product ("65W" in the name of a charger
            # sold as "One Size")
            clauses.append("(p.sizes && %(f_sizes)s OR p.search_vector @@ "
                           "to_tsquery('english', %(f_size_text)s))")
            params["f_sizes"] = [s.lower() for s in self.sizes]
            params["f_size_text"] = self.size_text
        elif self.sizes and not self.size_text:
            clauses.append(f"{alias}.sizes && %(f_sizes)s")
            params["f_sizes"] = [s.lower() for s in self.sizes]
        if self.category:
            clauses.append(f"lower({alias}.category) = lower(%(f_category)s)")
            params["f_category"] = self.category
        if self.in_stock is not None:
            clauses.append(f"{alias}.in_stock = %(f_in_stock)s")
            params["f_in_stock"] = self.in_stock
        if alias == "p":
            self._product_only(clauses, params)
        return "".join(f" AND {c}" for c in clauses), params

    def point_sql(self) -> str:
        """WHERE fragments on a graph point (store_vectors `v`): what its products span
        must allow a match, so the walk skips a point without probing its products. The
        parameters are those of `sql("e")`, which still checks each product."""
        clauses = []
        if self.price_min is not None:
            clauses.append("v.price_max >= %(f_price_min)s")
        if self.price_max is not None:
            clauses.append("v.price_min <= %(f_price_max)s")
        if self.colors:
            clauses.append("v.colors && %(f_colors)s")
        if self.sizes and not self.size_text:
            clauses.append("v.sizes && %(f_sizes)s")
        if self.in_stock:
            clauses.append("v.in_stock")
        return "".join(f" AND {c}" for c in clauses)

    def _product_only(self, clauses: list[str], params: dict[str, Any]) -> None:
        if self.product_types:
            clauses.append("lower(coalesce(p.attributes ->> 'product_type',"
                           " p.attributes ->> 'type')) = ANY(%(f_types)s)")
            params["f_types"] = [t.lower() for t in self.product_types]
        if self.brands:
            clauses.append("lower(p.brand) = ANY(%(f_brands)s)")
            params["f_brands"] = [b.lower() for b in self.brands]
        if self.exclude_brands:
            clauses.append("(p.brand IS NULL OR lower(p.brand) <> ALL(%(f_xbrands)s))")
            params["f_xbrands"] = [b.lower() for b in self.exclude_brands]
        if self.exclude_colors:
            # a product is out only when every colour it comes in is ruled out
            clauses.append("(cardinality(p.colors) = 0 OR NOT p.colors <@ %(f_xcolors)s)")
            params["f_xcolors"] = [c.lower() for c in self.exclude_colors]
        if self.gender:
            clauses.append("(p.attributes ->> 'gender' IS NULL OR lower(p.attributes ->> "
                           "'gender') IN (%(f_gender)s, 'unisex'))")
            params["f_gender"] = self.gender.lower()
        if self.require:
            clauses.append("p.search_vector @@ to_tsquery('english', %(f_require)s)")
            params["f_require"] = self.require
        if self.exclude:
            clauses.append("NOT p.search_vector @@ to_tsquery('english', %(f_exclude)s)")
            params["f_exclude"] = self.exclude
        for i, key in enumerate(self.features[:6]):
            clauses.append(f"(p.attributes -> %(f_feat{i})s = 'true'::jsonb OR p.search_vector"
                           f" @@ phraseto_tsquery('english', %(f_featw{i})s))")
            params[f"f_feat{i}"] = key
            params[f"f_featw{i}"] = key.replace("_", " ")


Fusion = Literal["weighted", "rrf"]
LexicalScore = Literal["bm25", "cover_density"]
RRF_K = 60
FUZZY_MATCH = 0.5  # trigram word similarity that counts as a match of its own
MIN_SEMANTIC = 0.3  # cosine a candidate found by the vector alone must reach


@dataclass(frozen=True)
class Weights:
    """Shares of the fused score. Chosen with BM25 on two sets (ADR 0011): the project's
    generated one and 300 real shoppers' queries over 6,122 Amazon titles (ESCI), where
    trigram similarity of the query to long titles rewards wordiness more than fit."""

    lexical: float = 0.5
    fuzzy: float = 0.1
    cosine: float = 0.4


@dataclass(frozen=True)
class Ranking:
    """How candidates become the top k. A candidate found only by the vector (no word or
    trigram match) must reach `min_semantic` cosine."""

    k: int = 10
    fusion: Fusion = "weighted"
    weights: Weights = Weights()
    min_semantic: float = MIN_SEMANTIC
    # The full-text score: BM25 with the store's term statistics (migration 0023, ADR
    # 0011), or ts_rank_cd's cover density (the default until this ADR's second part:
    # nDCG@10 0.614 against BM25's 0.678 on the ESCI set, 0.823 against 0.841 on the
    # generated one).
    lexical: LexicalScore = "bm25"
    # `weighted`: when no candidate has all of the query's words, the lexical weight not
    # earned (1 - the best coverage) goes to the cosine. Helps the generated set (0.840),
    # costs the real one (0.666): an option, not the default (ADR 0011).
    shift_to_vector: bool = False


# Fusion runs in the statement, so only the top k products travel, not every candidate
# (about 80 wide rows): `weighted` normalises the full-text rank by the best one among the
# kept candidates; `rrf` sums 1/(RRF_K + rank) over the three lists a candidate is in.
# Ties go to the external id in code point order (COLLATE "C"), as Python sorts strings.
_FUSED = {
    "weighted": """
    fused AS (
        SELECT s.*, s.lexical / coalesce(nullif(max(s.lexical) OVER (), 0), 1) AS lexical_part,
               CASE WHEN %(shift)s THEN max(s.coverage) OVER () ELSE 1 END AS coverage_best
          FROM kept s
    ),
    top AS (
        SELECT f.*, %(w_lexical)s * f.coverage_best * f.lexical_part + %(w_fuzzy)s * f.fuzzy
                    + (%(w_cosine)s + %(w_lexical)s * (1 - f.coverage_best))
                      * greatest(coalesce(f.cosine, 0), 0) AS score
          FROM fused f
         ORDER BY score DESC, f.external_id COLLATE "C" LIMIT %(k)s
    )""",
    "rrf": """
    fused AS (
        SELECT s.*, s.lexical AS lexical_part,
               CASE WHEN s.cosine IS NOT NULL THEN 1::float8 / (%(rrf_k)s + row_number() OVER (
                   ORDER BY s.cosine DESC NULLS LAST, s.external_id COLLATE "C")) ELSE 0 END
             + CASE WHEN s.text_match THEN 1::float8 / (%(rrf_k)s + row_number() OVER (
                   ORDER BY s.text_match DESC, s.lexical DESC, s.external_id COLLATE "C"))
                    ELSE 0 END
             + CASE WHEN s.fuzzy > 0 THEN 1::float8 / (%(rrf_k)s + row_number() OVER (
                   ORDER BY s.fuzzy DESC, s.external_id COLLATE "C")) ELSE 0 END AS score
          FROM kept s
    ),
    top AS (
        SELECT f.* FROM fused f ORDER BY f.score DESC, f.external_id COLLATE "C" LIMIT %(k)s
    )""",
}

LEXICAL_RANK_LIMIT = 150  # full-text matches ranked per tier (see hybrid_search)
EF_SEARCH = 300  # the graph walk's list (migration 0007 made 200 the database default)
FIXES_PER_WORD = 3  # closest vocabulary words tried for a word the store does not have
FIX_CREDIT = 0.5  # share of the full-text rank a fixed word earns (the `kept` step)
# Trigram similarity a vocabulary word needs to stand in for a query word: "runnning" →
# running 0.89, "headphnes" → headphones 0.62, "hoodei" → hooded 0.56 and hoodie 0.4,
# but not "couch" → court 0.33 nor "inch" → finch 0.38 (the 100k demo store's words).
FIX_SIMILARITY = "0.39"

# Seeing "LIMIT 300" over some 14,000 estimated matches, the planner reads the shared
# products table sequentially until 300 match, assuming matches are spread evenly. They
# are not (stores load by category, other stores' rows sit between): at 100,000 products
# the any-word tier of "sage green coffee mug" read 24,700 rows to find 300 (26 ms on a
# quiet moment, 660 ms on a busy one) where the GIN bitmap scan takes 2 ms. Every arm has
# an index, so the statement runs with sequential scans off. The other settings are
# database defaults (migrations 0002, 0005, 0007), set here too so that a connection
# opened before those migrations, or a caller that changed one, searches the same way.
_SETTINGS = (("enable_seqscan", "'off'"), ("hnsw.ef_search", "%(ef_search)s"),
             ("hnsw.iterative_scan", "'relaxed_order'"),
             ("pg_trgm.similarity_threshold", f"'{FIX_SIMILARITY}'"), ("jit", "'off'"))


def _saved(name: str) -> str:
    return "agentpay.saved_" + name.replace(".", "_")


# The statements before and after the search: each setting transaction-local, the
# caller's value saved to a custom setting and put back. All three go out as one
# pipeline: one round trip, and in autocommit one implicit transaction (until Sync).
_SETTINGS_ON = "SELECT " + ", ".join(
    f"set_config('{_saved(n)}', coalesce(current_setting('{n}', true), {v}), true),"
    f" set_config('{n}', {v}, true)" for n, v in _SETTINGS)
_SETTINGS_BACK = "SELECT " + ", ".join(
    f"set_config('{n}', current_setting('{_saved(n)}'), true)" for n, _ in _SETTINGS)


# The bench's vector-only sweep: the search's settings for the rest of its transaction,
# sequential scans left alone (an exact scan stays the planner's choice where cheaper).
_SCAN_SETTINGS = "SELECT " + ", ".join(
    f"set_config('{n}', {v}, true)" for n, v in _SETTINGS if n != "enable_seqscan")


def configure_scan(conn: psycopg.Connection, ef_search: int) -> None:
    """Transaction-local planner settings (SET LOCAL: safe behind RDS Proxy)."""
    conn.execute(_SCAN_SETTINGS, {"ef_search": str(ef_search)})


def _store_match(alias: str, tsquery: str) -> str:
    """`alias`'s product matches `tsquery` (SQL), read from the store-scoped full-text index
    (migration 0009): the words plus the store's own lexeme, so the index returns only this
    store's products. The expression is the index's, character for character. The caller
    checks that `tsquery` has a lexeme: an empty one ANDed with the store's would match
    every product of the store."""
    return (f"({alias}.search_vector || array_to_tsvector(ARRAY['o' || "
            f"replace({alias}.organization_id::text, '-', '')]))"
            f" @@ ({tsquery} && %(store_lexeme)s::tsquery)")


def store_lexeme(organization_id: UUID) -> str:
    return "o" + UUID(str(organization_id)).hex


# BM25 (Robertson/Sparck Jones, with Lucene's positive idf), over the fields the
# tsvector's weights tell apart (BM25F with one length): a query lexeme's frequency in a
# product is the sum of the weights of the fields that have it - name (A) 1, brand,
# category and attributes (B) 0.8, description (C) 0.2 (ADR 0011 says why) - and the
# product's length is length(search_vector), against the store's mean (migration 0023). A field counts once however often it repeats the word: product text rarely does
# on purpose, and so each check is one `@@` on the stored vector (reading every lexeme of
# a candidate with unnest cost about 27 us a row, a third of the arm at 100,000 products).
BM25_K1 = 1.2
BM25_B = 0.3
FIELD_WEIGHTS = {"A": 1.0, "B": 0.8, "C": 0.2}


def _bm25(vector: str, terms: str) -> str:
    """`vector`'s BM25 (SQL) against the lexemes of the CTE `terms` (idf and one tsquery
    per field: qa, qb, qc); 0 when it has none of them. The mean length is computed once
    per statement (an InitPlan). Every constant is float8: with numeric ones ("0.8") the
    field sum ran in numeric arithmetic, a third slower than ts_rank_cd (float8: as fast)."""
    tf = " + ".join(f"CASE WHEN {vector} @@ t.q{k.lower()} THEN {v}::float8 ELSE 0::float8 END"
                    for k, v in FIELD_WEIGHTS.items())
    return f"""(SELECT coalesce(sum(f.idf * f.tf * {BM25_K1 + 1}::float8 / (f.tf
                       + {BM25_K1}::float8 * ({1 - BM25_B}::float8 + {BM25_B}::float8
                       * length({vector}) / (SELECT avgdl FROM store_stats)))), 0)::float8
                  FROM (SELECT t.idf, {tf} AS tf FROM {terms} t) f
                 WHERE f.tf > 0)"""


# A lexeme as tsquery input quotes it: backslashes and quotes doubled, in quotes.
_QUOTED = r"""('''' || replace(replace(q.lexeme, '\', '\\'), '''', '''''') || '''"""


def _terms(lexemes: str) -> str:
    """The lexemes of the text `lexemes` (SQL) with their idf in the store (the +1 keeps
    it positive; a lexeme no product has gets the largest) and a tsquery per field."""
    return f"""SELECT q.lexeme,
               ln(1 + (greatest(st.n - coalesce(l.documents, 0), 0) + 0.5)
                    / (greatest(coalesce(l.documents, 0), 0) + 0.5)) AS idf,
               greatest(coalesce(l.documents, 0), 0) AS documents,
               {_QUOTED}:A')::tsquery AS qa, {_QUOTED}:B')::tsquery AS qb,
               {_QUOTED}:C')::tsquery AS qc, {_QUOTED}')::tsquery AS q
          FROM store_stats st
         CROSS JOIN (SELECT DISTINCT lexeme
                       FROM unnest(tsvector_to_array(to_tsvector('english', {lexemes})))
                            AS w(lexeme)) q
          LEFT JOIN catalog_lexemes l ON l.organization_id = %(org)s AND l.lexeme = q.lexeme"""


# The store's statistics, and the query's lexemes.
_BM25_CTES = f"""
    store_stats AS MATERIALIZED (
        SELECT greatest(coalesce(max(s.documents), 0), 1)::float8 AS n,
               greatest(coalesce(max(s.lexemes::float8 / nullif(s.documents, 0)), 1), 1)
               AS avgdl
          FROM catalog_statistics s WHERE s.organization_id = %(org)s
    ),
    terms AS MATERIALIZED (
        {_terms("%(words)s")}
    ),
    rare AS MATERIALIZED (
        -- the any-word tier's words: the query's rarest in the store, as many as together
        -- are in at most `rank_limit` products (the rarest always), so the tier ranks the
        -- products with the words that tell them apart, not the first matches of a common
        -- word ("mens" in "dove mens sculpting paste")
        SELECT coalesce(string_agg(r.q::text, ' | '), '')::tsquery AS tsq FROM (
            SELECT t.q, sum(t.documents) OVER w AS running, row_number() OVER w AS n
              FROM terms t WINDOW w AS (ORDER BY t.documents, t.lexeme)) r
         WHERE r.n = 1 OR r.running <= %(rank_limit)s
    ),"""


def _cover_density(vector: str, terms: str) -> str:
    """`vector`'s ts_rank_cd against the query (`terms` "terms") or the query with its
    spelling fixes ("fixed_terms"): the lexical score before BM25."""
    query = ("(SELECT tsq FROM fixes)" if terms == "fixed_terms"
             else "to_tsquery('english', %(tsq)s)")
    return f"ts_rank_cd({vector}, {query}, 32)::float8"


_LEXICAL = {"bm25": _bm25, "cover_density": _cover_density}


def _full_text_tier(words: str, conditions: str, terms: str = "terms") -> str:
    """One full-text tier: at most `rank_limit` products matching the tsquery `words` (SQL)
    plus `conditions`, the best `depth` by cover density against `terms` ("terms": the
    query; "fixed_terms": with its spelling fixes). Cover density only picks the tier's
    candidates: it costs one pass over a product's vector where BM25 checks each query
    word in each field (at 100,000 products the hybrid p50 was 1.14 times cover density's
    with BM25 here), and choosing the best 40 of 150 by either scored alike (ADR 0011).
    The fused score's lexical part is computed after, for the candidates only."""
    score = _cover_density("m.search_vector", terms)
    return f"""SELECT m.id, m.search_vector, {score} AS rank FROM (
            SELECT p.id, p.search_vector FROM products p
             WHERE p.organization_id = %(org)s AND p.deleted_at IS NULL AND p.active
               AND numnode({words}) > 0 AND {_store_match("p", words)}{conditions}
             LIMIT %(rank_limit)s) m
         ORDER BY rank DESC
         LIMIT %(depth)s"""


# The query's lexemes and those of its spelling fixes, for BM25 (cover density ranks by
# the fixes' tsquery instead).
_FIXED_TERMS = f"""
    fixed_terms AS MATERIALIZED (
        -- the query's lexemes and those of its fixes, which count as the store counts them
        SELECT * FROM terms
        UNION ALL
        SELECT * FROM ({_terms("coalesce((SELECT fixed FROM fixes), '')")}) f
         WHERE f.lexeme NOT IN (SELECT lexeme FROM terms)
    ),"""


# The query's words that no product of the store has: checked against the full-text
# candidates first (cheap), then against the store's index (one probe each); a word
# without a lexeme is a stop word.
_TYPOS = f"""
    typos AS MATERIALIZED (
        SELECT t.term FROM unnest(%(terms)s::text[]) AS t(term)
         WHERE numnode(to_tsquery('english', quote_literal(t.term))) > 0
           AND NOT EXISTS (
               SELECT 1 FROM lex
                WHERE lex.search_vector @@ to_tsquery('english', quote_literal(t.term)))
           AND NOT EXISTS (
               SELECT 1 FROM products x
                WHERE x.organization_id = %(org)s AND x.deleted_at IS NULL AND x.active
                  AND {_store_match("x", "to_tsquery('english', quote_literal(t.term))")})
    ),"""


def _spelling_fixes(p_filter: str, lexical: LexicalScore) -> str:
    """Spelling correction: the query's words that no product of the store has, each
    replaced by its closest words in the store's vocabulary (migration 0011), and the
    products that have those. `fixes.tsq` is the query with the fixes ORed in (NULL when
    there is none), which then ranks and matches every candidate."""
    words = "(SELECT words FROM fixes)"
    return f"""{_TYPOS}
    fixes AS MATERIALIZED (
        -- websearch_to_tsquery: any vocabulary word is safe in it ("a or b": 'a' | 'b')
        SELECT words, fixed, CASE WHEN numnode(words) > 0
                                  THEN to_tsquery('english', %(tsq)s) || words END AS tsq
          FROM (SELECT websearch_to_tsquery('english', string_agg(f.word, ' or ')) AS words,
                       string_agg(f.word, ' ') AS fixed
                  FROM typos t CROSS JOIN LATERAL (
                      (SELECT w.word FROM catalog_words w
                        WHERE w.organization_id = %(org)s AND w.word %% t.term
                        ORDER BY similarity(w.word, t.term) DESC, w.word
                        LIMIT %(fixes_per_word)s)
                      UNION ALL
                      -- and the store's words the term begins or ends with: a compound
                      -- written as one ("bookshelf": shelf; "waterbottle": water, bottle)
                      (SELECT w.word FROM catalog_words w
                        WHERE w.organization_id = %(org)s
                          AND w.word IN (SELECT part
                                           FROM generate_series(4, length(t.term) - 3) AS i,
                                                LATERAL (VALUES (left(t.term, i)),
                                                                (right(t.term, i))) AS s(part))
                        ORDER BY length(w.word) DESC, w.word
                        LIMIT 2)) f) found
    ),
{_FIXED_TERMS if lexical == "bm25" else ""}
    fixed_text AS MATERIALIZED (
        {_full_text_tier(words, p_filter, terms="fixed_terms")}
    ),"""


# How much of the query a product's words cover: the share of the query lexemes' idf it
# has (any field; none when the query has no lexeme, e.g. only stop words). The best
# coverage among the candidates says how far words carry this query (`shift_to_vector`).
_COVERAGE = """coalesce((SELECT coalesce(sum(t.idf), 0) FROM terms t WHERE p.search_vector @@ t.q)
                         / (SELECT nullif(sum(t.idf), 0) FROM terms t), 0)::float8"""


def _fixed_rank(fixes: bool, lexical: LexicalScore) -> str:
    """A candidate's full-text rank against the query with its spelling fixes (NULL when
    there are none)."""
    if not fixes:
        return "NULL::float8"
    return ("CASE WHEN (SELECT tsq FROM fixes) IS NOT NULL THEN "
            f"{_LEXICAL[lexical]('p.search_vector', 'fixed_terms')} END")


def _text_match(tsquery: bool, fixes: bool) -> str:
    if not tsquery:
        return "false"
    if fixes:
        return ("p.search_vector @@ coalesce((SELECT tsq FROM fixes),"
                " to_tsquery('english', %(tsq)s))")
    return "p.search_vector @@ to_tsquery('english', %(tsq)s)"


# The vector arm. The store's graph holds one point per distinct product text (migration
# 0022): the walk goes through the points nearest the query, skips those whose products'
# span cannot pass the filters, and joins the rest to their products that do, until
# `depth` products (an iterative scan: the walk goes on while the filters drop them). Nothing while the store loads in bulk
# and has no graph: the check is a one-time filter, so no vector is even read.
# The products come in through LATERAL, so the only plan is the walk with each point's
# products looked up as it goes: with a join the planner could, without statistics on
# a just-loaded store, hash the two tables and sort every point (33 ms instead of 8 at
# 10,000 products).
_VECTOR_ARM = """
        SELECT e.product_id AS id, 1 - (v.embedding <=> %(emb)s) AS cosine
          FROM store_vectors v
          CROSS JOIN LATERAL (
               SELECT e.product_id FROM product_embeddings e
                WHERE e.organization_id = %(org)s AND e.content_hash = v.text_hash{e_filter}
               ) e
         WHERE v.organization_id = %(org)s{v_filter}
           AND NOT EXISTS (SELECT 1 FROM vector_graph_builds b
                            WHERE b.organization_id = %(org)s)
         ORDER BY v.embedding <=> %(emb)s LIMIT %(vec_depth)s"""


# With filters on price, stock, colour or size the graph walk goes on past every product
# they drop, so the vector arm brings half as many candidates (the full-text arm, which
# reads the filters from an index, brings its usual number). At 100,000 products the
# filtered hybrid p50 went from 14.4 to 11.9 ms (interleaved, one store); nDCG@10 on the
# relevance set did not move (0.8268 at 2,000 products, 0.8512 at 20,000).
FILTERED_VECTOR_SHARE = 0.5


def vector_depth(depth: int, e_filter: str) -> int:
    """The vector arm's candidates: `depth`, or a share of it under those filters."""
    return max(10, int(depth * FILTERED_VECTOR_SHARE)) if e_filter else depth


def hybrid_search(conn: psycopg.Connection, organization_id: UUID, query: str,
                  tsquery: str | None, embedding: np.ndarray, filters: Filters,
                  depth: int, typo_terms: list[str] | None = None,
                  tsquery_all: str | None = None, ranking: Ranking = Ranking(),
                  ef_search: int = EF_SEARCH, words: str | None = None,
                  typo_check: list[str] | None = None) -> list[dict[str, Any]]:
    """The top `ranking.k` products, best first, each with its score and the three
    scores it was fused from (`lexical_part`: as fused). `typo_terms`: the query's words
    that may be misspelt; those no product of the store has are corrected from its
    vocabulary (none: no correction). `ef_search`: the HNSW search list for this
    statement. `words`: the query's words as the tsqueries have them, whose lexemes BM25
    scores (default: `query`). `typo_check`: instead of correcting, only say (each row's
    `typos`) which of these words no product of the store has, so the caller corrects
    only then: planning the correction costs 0.5-0.8 ms a search, and most queries are
    spelt as the store spells them."""
    e_filter, params = filters.sql("e")
    p_filter, p_params = filters.sql("p")
    params.update(p_params)
    lexical_cte = lexical = fixes_cte = fixed_arm = ""
    score = _LEXICAL[ranking.lexical]
    # The store's statistics and the query's lexemes are read by BM25 and by the shift's
    # coverage only: the default (cover density, no shift) reads neither.
    statistics = ranking.lexical == "bm25" or ranking.shift_to_vector
    coverage = _COVERAGE if ranking.shift_to_vector else "NULL::float8"
    if tsquery:
        # Full text ranks every match, so its cost grows with the catalog. Products that
        # have every word come first and are usually enough; products with any word are
        # ranked only when those are fewer than `depth` (a one-time filter). Each tier
        # ranks at most `rank_limit` matches: a common word ("home", "shoe") matches a
        # third of a large catalog, and ranking 36,000 rows took a second at 100,000
        # products. Beyond that many matches the vector and trigram scores order them;
        # nDCG@10 on the relevance set at 20,000 products: 0.825 uncapped, 0.826 at 300;
        # later (other ranking since) 0.8517 at 300, 0.8510 at 150, 0.8438 at 100, and at
        # 100,000 products 150 cut the hybrid p50 from 12.4 to 9.7 ms and the filtered one
        # from 17.0 to 13.2 ms (interleaved, one store).
        any_arm = ""
        if tsquery_all and tsquery_all != tsquery:
            gate = "\n               AND (SELECT count(*) FROM lex_all) < %(depth)s"
            any_words = ("(SELECT tsq FROM rare)" if statistics
                         else "to_tsquery('english', %(tsq)s)")
            any_arm = f"""
        UNION ALL
        ({_full_text_tier(any_words, p_filter + gate)})"""
        lexical_cte = f"""{_BM25_CTES if statistics else ""}
    lex_all AS MATERIALIZED (
        {_full_text_tier("to_tsquery('english', %(tsq_all)s)", p_filter)}
    ),
    lex AS MATERIALIZED (
        SELECT id, search_vector, rank FROM lex_all{any_arm}
    ),"""
        lexical = "UNION ALL SELECT id, NULL, rank FROM lex"
        if typo_terms:
            fixes_cte = _spelling_fixes(p_filter, ranking.lexical)
            fixed_arm = """
            UNION ALL
            SELECT id, NULL, NULL FROM fixed_text"""
        elif typo_check:
            fixes_cte = _TYPOS
    sql = f"""
    WITH vec AS MATERIALIZED ({_VECTOR_ARM.format(e_filter=e_filter,
                                                  v_filter=filters.point_sql())}
    ),{lexical_cte}{fixes_cte}
    cand AS (
        -- each candidate once, with the cosine or full-text rank its list already computed
        SELECT id, max(cosine) AS cosine, max(rank) AS rank FROM (
            SELECT id, cosine, NULL::real AS rank FROM vec
            {lexical}{fixed_arm}
        ) lists GROUP BY id
    ),
    scored AS MATERIALIZED (
        -- COALESCE evaluates its second argument only where the first is NULL
        SELECT p.id, p.external_id,
               coalesce(cand.cosine, (
                   SELECT 1 - (e.embedding <=> %(emb)s) FROM product_embeddings e
                    WHERE e.organization_id = %(org)s AND e.product_id = p.id)) AS cosine,
               {(f"CASE WHEN p.search_vector @@ to_tsquery('english', %(tsq)s) THEN "
                  f"{score('p.search_vector', 'terms')} ELSE 0 END::float8"
                  if ranking.lexical == "bm25"
                 else f"coalesce(cand.rank, {score('p.search_vector', 'terms')})::float8")
                if tsquery else "0::float8"} AS lexical,
               {_fixed_rank(bool(typo_terms and tsquery), ranking.lexical)} AS fixed_rank,
               {coverage if tsquery else "0::float8"} AS coverage,
               {_text_match(bool(tsquery), bool(typo_terms and tsquery))} AS text_match,
               word_similarity(%(q)s, p.name)::float8 AS fuzzy,
               cand.cosine IS NOT NULL AS in_vector
          FROM cand
          JOIN products p ON p.id = cand.id
         WHERE p.organization_id = %(org)s AND p.deleted_at IS NULL AND p.active{p_filter}
    ),
    kept AS (
        -- what spelling fixes add to the full-text rank counts `fix_credit` of itself: a
        -- product with the shopper's own words comes before one with a guess at them
        SELECT id, external_id, cosine, text_match, fuzzy, in_vector, coverage,
               lexical + %(fix_credit)s * greatest(fixed_rank - lexical, 0) AS lexical
          FROM scored
         WHERE text_match OR fuzzy >= %(fuzzy_match)s OR cosine >= %(min_semantic)s
    ),{_FUSED[ranking.fusion]}
    SELECT {PRODUCT_COLUMNS}, t.score, t.cosine, t.lexical_part, t.text_match, t.fuzzy,
           t.in_vector, t.lexical AS lexical_raw, t.coverage,
           {"(SELECT coalesce(array_agg(term), '{}') FROM typos)" if fixes_cte
            else "'{}'::text[]"} AS typos
      FROM top t
      JOIN products p ON p.id = t.id
     ORDER BY t.score DESC, t.external_id COLLATE "C"
    """
    w = ranking.weights
    params.update({"org": organization_id, "store_lexeme": store_lexeme(organization_id),
                   "q": query, "tsq": tsquery, "emb": embedding, "words": words or query,
                   "depth": depth, "vec_depth": vector_depth(depth, e_filter),
                   "terms": typo_terms or typo_check or [],
                   "tsq_all": tsquery_all or tsquery,
                   "rank_limit": LEXICAL_RANK_LIMIT, "k": ranking.k,
                   "fixes_per_word": FIXES_PER_WORD, "fix_credit": FIX_CREDIT,
                   "fuzzy_match": FUZZY_MATCH, "min_semantic": float(ranking.min_semantic),
                   "w_lexical": float(w.lexical), "w_fuzzy": float(w.fuzzy),
                   "w_cosine": float(w.cosine), "rrf_k": RRF_K,
                   "shift": ranking.shift_to_vector})
    with conn.pipeline():
        conn.execute(_SETTINGS_ON, {"ef_search": str(ef_search)})
        cursor = conn.execute(sql, params)
        conn.execute(_SETTINGS_BACK)
    return cursor.fetchall()


def browse(conn: psycopg.Connection, organization_id: UUID, filters: Filters, order: str,
           k: int) -> list[dict[str, Any]]:
    """The store's products that pass `filters`, in price order ("the cheapest one you
    have"): no query words, so every match is a candidate, not only the best-ranked ones.
    `order`: price_asc, price_desc or newest."""
    p_filter, params = filters.sql("p")
    order_by = {"price_asc": "p.price_minor ASC", "price_desc": "p.price_minor DESC",
                "newest": "p.created_at DESC"}[order]
    params.update({"org": organization_id, "k": k})
    return conn.execute(
        f"""SELECT {PRODUCT_COLUMNS}
              FROM products p
             WHERE p.organization_id = %(org)s AND p.deleted_at IS NULL AND p.active{p_filter}
             ORDER BY p.in_stock DESC, {order_by}, p.external_id COLLATE "C"
             LIMIT %(k)s""",
        params).fetchall()


def vector_only(conn: psycopg.Connection, organization_id: UUID, embedding: np.ndarray,
                filters: Filters, k: int, exact: bool = False) -> list[dict[str, Any]]:
    """The vector arm's top-k; `exact` scans without the graph (the ground truth for
    recall)."""
    e_filter, params = filters.sql("e")
    params.update({"org": organization_id, "emb": embedding, "vec_depth": k})
    arm = _VECTOR_ARM.format(e_filter=e_filter, v_filter=filters.point_sql())
    if exact:
        arm = arm.replace("ORDER BY v.embedding <=> %(emb)s", "ORDER BY (v.embedding <=> %(emb)s) + 0")
    return conn.execute(arm, params).fetchall()
