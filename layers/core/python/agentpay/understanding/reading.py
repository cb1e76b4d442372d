"""What one shopper message says about what they want, read against the store's vocabulary.

The intent classifier says what kind of message it is; this says what it is about:
product types, brands, colours, sizes, gender, price, features and the words that
qualify the product ("sulfate free"), plus how it relates to what came before: a sort
wish ("the cheapest"), a negation ("not black"), a relaxation ("any colour"), a change of
subject ("what about a headlamp?"), a quantity change ("make it 3") and a question about a
product ("is it waterproof?"). The conversation's shopping state is updated from this
(`agentpay.orchestrator.shopping`), never from the message's words alone.

Every pattern here is linear: bounded repetitions, no nested quantifiers over the same
characters (tests/test_hostile_input.py runs them on hostile input).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

from agentpay.catalog.vocabulary import TypeMatch, Vocabulary, brand_tokens, edit_distance
from agentpay.understanding import measures
from agentpay.understanding.entities import is_product_word
from agentpay.understanding.lexicon import (
    DATA,
    NUMBER_WORDS,
    colour_family,
    colour_key,
    equivalent_sizes,
    singular,
    size_key,
    size_units,
    size_words,
    spell_numbers,
    with_synonyms,
    words,
)
from agentpay.understanding.questions import (
    QUESTION_WORDS,
    Question,
    question_of,
    questions_of,
)
from agentpay.understanding.topics import asked_topic


@cache
def chat_words() -> frozenset[str]:
    lines = (DATA / "chat_words.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(w.strip() for w in lines if w.strip() and not w.startswith("#"))


@dataclass
class Reading:
    types: TypeMatch | None = None
    category: str | None = None
    brands: list[str] = field(default_factory=list)
    exclude_brands: list[str] = field(default_factory=list)
    colors: list[str] = field(default_factory=list)
    exclude_colors: list[str] = field(default_factory=list)
    sizes: list[str] = field(default_factory=list)          # size keys the store has
    gender: str | None = None
    features: list[str] = field(default_factory=list)       # yes/no attribute keys
    materials: list[str] = field(default_factory=list)
    exclude_words: list[str] = field(default_factory=list)
    modifiers: list[str] = field(default_factory=list)      # words qualifying the product
    words: list[str] = field(default_factory=list)          # the product phrase, as said
    price_min: int | None = None
    price_max: int | None = None
    currency: str | None = None
    sort: str | None = None
    size_wish: str | None = None
    measure_min: str | None = None        # "minimum 60 inch": a size key, this or more
    figures: list[str] = field(default_factory=list)  # "rated to 0 F": "0 f" (measures)
    relax: set[str] = field(default_factory=set)
    replace: bool = False
    superlative: str | None = None        # cheapest | most_expensive, as a selection
    superlative_phrase: str = ""          # the words that said it ("the lower priced")
    select_count: int = 1
    scope_catalog: bool = False
    qty_op: str | None = None             # set | more | less
    qty_value: int | None = None
    question: Question | None = None
    questions: list[Question] = field(default_factory=list)  # "how tall is it and what's
    # it made of?": every question of the message, the first being `question`
    any_color: bool = False
    own_size: bool = False                # "in her size", "my size": the size said before
    add_words: bool = False               # "add", "put it in my cart", "I'll take"
    # a product noun a search leads with ("show me headlamps", "do you have mugs"): with no
    # product type known, what tells a new search from a refinement
    new_noun: str | None = None
    details: bool = False                 # "tell me about ...", "more info on ..."
    quantity: int | None = None           # "2 bags of", "3 of the"
    count: int | None = None              # how many, from any way of saying it
    cart_total: bool = False              # "what's my total", "total?", "how much is my basket"
    # how sure the classifier was (set by the engine): a context-free guess yields to what
    # the message names ("noise cancelling headphnoes under 150" is no order question)
    intent_source: str = "rules"
    intent_confidence: float = 1.0
    text: str = ""                        # the message as read (abbreviations expanded)
    polite: bool = False                  # a bare pick with "please": "the cheapest one pls"
    remove_words: bool = False            # "take the mug out", "remove", "I don't want the"
    exclude_types: list[str] = field(default_factory=list)   # "not a sectional"
    topic: str | None = None              # a store-policy topic asked about (topics.py)
    same_line: bool = False               # "from the same line": the brand being looked at
    more: bool = False                    # "any others?", "show me more": the next ones
    uses: list[str] = field(default_factory=list)  # what it is for ("for smoothies"): ranks
    guessed_type: bool = False            # the type rests on a spelling fix ("blendr")

    def constraints(self) -> bool:
        """Whether the message says anything a search could use."""
        return bool(self.types or self.category or self.brands or self.colors
                    or self.sizes or self.gender or self.features or self.materials
                    or self.price_min is not None or self.price_max is not None
                    or self.exclude_colors or self.exclude_brands or self.exclude_words
                    or self.relax or self.sort or self.size_wish or self.measure_min
                    or self.figures)

    def product_words(self) -> bool:
        return bool(self.types or self.category or self.words)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.types:
            out["product_types"] = list(self.types.labels)
        for key in ("category", "gender", "sort", "size_wish", "measure_min", "superlative",
                    "qty_op",
                    "qty_value", "price_min", "price_max"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        if len(self.questions) > 1:
            out["questions"] = [{"kind": q.kind, "phrase": q.phrase} for q in self.questions]
        for key in ("brands", "exclude_brands", "colors", "exclude_colors", "sizes",
                    "figures", "features", "materials", "exclude_words", "modifiers", "uses", "words"):
            if getattr(self, key):
                out[key] = list(getattr(self, key))
        if self.relax:
            out["relax"] = sorted(self.relax)
        if self.replace:
            out["replace"] = True
        if self.question:
            out["question"] = {"kind": self.question.kind, "phrase": self.question.phrase}
        return out


# --------------------------------------------------------------------------------------
# Cues (lower-case text; bounded, linear patterns)
# --------------------------------------------------------------------------------------

_WOMEN = re.compile(
    r"\b(?:wom[ae]n'?s?|ladies|lady'?s|female|girls?'?|for her|my (?:wife|girlfriend|gf|mom|"
    r"mum|mother|sister|daughter|fianc[ée]e|grandma|aunt)|she wears|she'?s a)\b")
_MEN = re.compile(
    r"\b(?:m[ae]n'?s?|gents?|guys?'?|blokes?|lads?|male|boys?'?|for him|my (?:husband|boyfriend|bf|dad|"
    r"father|brother|son|fianc[ée]|grandpa|uncle)|he wears|he'?s a)\b")
_SORT = (
    ("cheapest", re.compile(r"\b(?:cheapest|least expensive|lowest[- ]priced?|lowest price|"
                            r"most affordable|cheaper|less expensive|inexpensive|cheap|"
                            r"cheap[- ]?ish|low[- ]cost|bargain|(?:not|nothing)\s{1,3}too\s{1,3}(?:expensive|"
                            r"pricey|dear)|budget[- ]friendly)\b")),
    ("most_expensive", re.compile(r"\b(?:most expensive|priciest|pricier|more expensive|"
                                  r"highest[- ]priced?|top of the line|high[- ]end|"
                                  r"fanciest|premium)\b")),
    ("newest", re.compile(r"\b(?:newest|latest|new arrivals?|most recent)\b")),
    ("on_sale", re.compile(r"\b(?:on sale|discounted|reduced|clearance|marked down)\b")),
)
_PRICED = r"(?:[- ]?priced?|[- ]cost)"
_SUPERLATIVE_WORDS = (
    r"cheapest|cheaper|least\s{1,3}expensive|less\s{1,3}expensive|lowest" + _PRICED + "|lower"
    + _PRICED + r"|most\s{1,3}affordable|more\s{1,3}affordable|least\s{1,3}(?:money|pricey)|"
    r"less\s{1,3}(?:money|pricey)|priciest|pricier|most\s{1,3}expensive|more\s{1,3}expensive|"
    r"highest" + _PRICED + "|higher" + _PRICED)
_SUPERLATIVE = re.compile(
    r"\b(?:the\s{1,3}|your\s{1,3}|ur\s{1,3}|whichever(?:\s{1,3}(?:one|pair))?\s{1,3}"
    r"(?:is|'s)?\s{0,3}|which(?:\s{1,3}(?:one|pair))?(?:\s{1,3}of\s{1,3}(?:them|those|these|the"
    r"\s{1,3}[a-z]{2,20}))?(?:\s{1,3}(?:is|are|costs?)|'s)?\s{0,3}(?:the\s{1,3})?)"
    r"(?:(?P<n>two|three|four|2|3|4)\s{1,3})?"
    r"(?P<s>" + _SUPERLATIVE_WORDS + r")"
    r"(?P<tail>(?:\s{1,3}[a-z']{1,20}){0,3})")
_BARE_SUPERLATIVE = re.compile(r"\b(?:" + _SUPERLATIVE_WORDS + r")\b")
# "cheapest of the bunch?", "least expensive one?": a pick among what is shown
_AMONG_SHOWN = re.compile(r"^\s{0,3}(?:[a-z]{1,10}[,!.]\s{1,3})?(?:ok\s{1,3}|so\s{1,3})?(?:"
                          + _SUPERLATIVE_WORDS +
                          r")\s{1,3}(?:of\s{1,3}(?:the\s{1,3}(?:bunch|lot)|them|those|these|"
                          r"all|the\s{1,3}[a-z]{2,20}\s{1,3}(?:you\s{1,3})?(?:showed|shown|"
                          r"listed))|one|ones|1|option|pick)\b")
_SELECT_TAIL = frozenset({"one", "ones", "pair", "pairs", "of", "option", "options", "item",
                          "items", "pick", "choice", "version", "model", "shown", "listed",
                          "there", "here", "you", "in", "please", "pls", "pack", "packs",
                          "set", "sets", ""})
_CATALOG_SCOPE = re.compile(
    r"\b(?:you(?:'ve)?\s{1,3}(?:have|got|sell|carry|stock)|you\s{1,3}guys\s{1,3}(?:have|got)|"
    r"(?:do|does)\s{1,3}(?:the|your)\s{1,3}(?:store|shop)|in\s{1,3}(?:the|your)\s{1,3}"
    r"(?:store|shop|catalog(?:ue)?)|of\s{1,3}all|overall|in\s{1,3}stock|at\s{1,3}all)\b")
_SIZE_WISH = (
    ("largest", re.compile(r"\b(?:big(?:gest|ger)?|large(?:st|r)?|family[- ]size|bulk|jumbo|"
                           r"value[- ]size)\s{1,3}(?:bag|size|one|pack|box|bottle|tub|jar|"
                           r"can|option|version)\b|\b(?:biggest|largest|tallest|longest|"
                           r"widest|longer|taller|wider|bigger|larger)\b")),
    ("smallest", re.compile(r"\b(?<!my\s)(?<!our\s)(?<!her\s)(?<!his\s)(?<!their\s)"
                            r"(?:small(?:est|er)?|little|mini|travel[- ]size[d]?|trial)"
                            r"\s{1,3}(?:bag|size|one|pack|box|bottle|tub|jar|can|option|"
                            r"version)\b|\b(?:smallest|shortest|narrowest|shorter|smaller|"
                            r"narrower|compact)\b|\btravel[- ]size[d]?\b")),
)
# what a superlative measures ("the warmest", "holds the most") before the size's own
_WISHES = measures.PHRASES + _SIZE_WISH
_RELAX = (
    ("color", re.compile(
        r"\b(?:any|whatever|whichever|either|no)\s{1,3}(?:colou?r|shade|finish|colou?rway)"
        r"(?:\s{1,3}"
        r"(?:preference|is\s{1,3}fine|will\s{1,3}do|is\s{1,3}ok(?:ay)?))?\b|"
        r"\bcolou?rs?\s{1,3}(?:doesn'?t|does\s{1,3}not|don'?t|do\s{1,3}not)\s{1,3}matter\b|"
        r"\b(?:don'?t|do\s{1,3}not)\s{1,3}care\s{1,3}(?:about|what|which)\s{1,3}(?:the\s{1,3})?"
        r"colou?r\b|\bcolou?r(?:'s|\s{1,3}is|\s{1,3}'s)\s{1,3}(?:not\s{1,3}important|irrelevant|"
        r"up\s{1,3}to\s{1,3}(?:you|u)|your\s{1,3}call|not\s{1,3}a\s{1,3}big\s{1,3}deal)\b|"
        r"\b(?:any|whatever|whichever)\s{1,3}colou?r\s{1,3}(?:you\s{1,3}(?:like|want|pick|"
        r"choose)|is\s{1,3}(?:fine|ok|okay))\b|\b(?:you\s{1,3}(?:pick|choose)|surprise\s{1,3}me)"
        r"\s{1,3}(?:the\s{1,3})?colou?r\b|\bnot\s{1,3}(?:fussed|bothered|picky)\s{1,3}(?:about|"
        r"on|with)\s{1,3}(?:the\s{1,3})?colou?r\b")),
    ("size", re.compile(
        r"\b(?:any|whatever|whichever)\s{1,3}size\b|\bsize\s{1,3}(?:doesn'?t|does\s{1,3}not)"
        r"\s{1,3}matter\b")),
    ("price", re.compile(
        r"\b(?:budget|price|money|cost)\s{1,3}(?:doesn'?t|does\s{1,3}not|is\s{1,3}no|"
        r"isn'?t\s{1,3}an?|is\s{1,3}not\s{1,3}an?)\s{1,3}(?:matter|object|issue|problem|"
        r"concern)\b|\b(?:any|whatever)\s{1,3}price\b|\bno\s{1,3}budget\b|\bforget\s{1,3}"
        r"(?:the|my|about\s{1,3}the)\s{1,3}(?:budget|price)\b|\b(?:don'?t|do\s{1,3}not)"
        r"\s{1,3}care\s{1,3}(?:about|what)\s{1,3}(?:the\s{1,3})?(?:price|cost|it\s{1,3}costs)"
        r"\b|\bprice\s{1,3}is\s{1,3}no\s{1,3}object\b|\bmoney'?s\s{1,3}no\s{1,3}object\b")),
    ("brand", re.compile(r"\b(?:any|whatever)\s{1,3}brand\b|\bbrand\s{1,3}(?:doesn'?t|does"
                         r"\s{1,3}not)\s{1,3}matter\b")),
)
_REPLACE = re.compile(
    r"\b(?:instead|what\s{1,3}about|how\s{1,3}about|(?<!'d\s)(?<!would\s)rather(?!\s{1,3}not)|"
    r"something\s{1,3}(?:else|"
    r"different)|anything\s{1,3}else|a\s{1,3}different|other\s{1,3}(?:ones|options)|"
    r"switch\s{1,3}to|change\s{1,3}of\s{1,3}plan)\b")
_NEGATION = re.compile(
    r"\b(?:not|no|anything\s{1,3}but|except|without|other\s{1,3}than|nothing|"
    r"don'?t\s{1,3}(?:want|like|need)|hate|avoid|skip)\s{1,3}(?:it\s{1,3})?(?:in\s{1,3}|the\s{1,3}|a\s{1,3}|"
    r"any\s{1,3}|too\s{1,3})?(?P<w>[a-z][a-z'-]{1,20}(?:\s{1,3}[a-z][a-z'-]{1,20})?)")
_CONTAINERS = (r"bags?|boxes|box|packs?|packets?|bottles?|cans?|tubes?|jars?|rolls?|cases?|"
               r"cartons?|sets?|pairs?|units?|pieces?|pcs|tins?|tubs?")
CONTAINER_WORDS = frozenset(["bag", "bags", "box", "boxes", "pack", "packs", "packet", "packets", "bottle", "bottles", "can", "cans", "tube", "tubes", "jar", "jars", "roll", "rolls", "case", "cases", "carton", "cartons", "pair", "pairs", "unit", "units", "tin", "tins", "tub", "tubs"])
_QTY_N = (r"(?P<n>\d{1,3}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
          r"a\s{1,3}dozen|a\s{1,3}couple|a\s{1,3}pair)")
_QTY_SET = re.compile(
    r"\b(?:make|change|update|set|bump|increase|decrease|reduce|lower|up)\s{1,3}"
    r"(?:it|that|this|them|those|these|the\s{1,3}[a-z]{1,20}|my\s{1,3}[a-z]{1,20}|"
    r"(?:the\s{1,3})?(?:quantity|qty|amount|number))?\s{0,3}(?:to\s{1,3})?" + _QTY_N
    + r"\b(?!\s{0,3}(?:%|percent|dollars?|bucks|off|inch|in\b|ft|foot|feet|oz|lb|pound))"
    r"|\b(?<!in\s)(?<!size\s)(?<!sz\s)(?<!a\s)(?!one\b)" + _QTY_N.replace("<n>", "<m>") + r"\s{1,3}(?:of\s{1,3}(?:them|those|it)\s{1,3})?"
    r"instead\b|\b(?:quantity|qty)\s{0,3}(?:to|=|:|of)?\s{0,3}(?P<q>\d{1,3})\b"
    r"|\b(?:actually|just|only|make\s{1,3}(?:it|that))\s{1,3}(?:just\s{1,3})?"
    + _QTY_N.replace("<n>", "<j>") + r"(?:\s{1,3}(?:of\s{1,3}(?:them|those|it|each)|"
    r"(?:" + _CONTAINERS + r")))?\s{0,3}(?:please|pls|plz|thanks|thx|then|after\s{1,3}all|"
    r"is\s{1,3}(?:fine|enough|plenty|ok|okay)|will\s{1,3}do)?\s{0,3}(?:[.!]?\s{0,3}$|"
    r"[,;]|[.!]\s)"
    # "drop it to 2", "cut that down to 1", "bring them back to 3"
    r"|\b(?:drop|cut|bring|knock|take|put|turn|get)\s{1,3}(?:it|that|them|those|this|the"
    r"\s{1,3}[a-z]{1,20})?\s{0,3}(?:down|back|up)?\s{0,3}to\s{1,3}" + _QTY_N.replace("<n>", "<d>") +
    r"\b"
    # "actually 2 is enough", "3 will do", "only need 2"
    r"|\b" + _QTY_N.replace("<n>", "<e>") + r"\s{1,3}(?:is|will|should|would)\s{1,3}(?:be\s{1,3})?"
    r"(?:enough|do|fine|plenty|ok|okay)\b|\b(?:only|just)\s{1,3}(?:need|want)\s{1,3}"
    + _QTY_N.replace("<n>", "<o>") + r"\b(?!\s{1,3}(?:more|of\s{1,3}the))"
    # "actually I need 3 pairs of them": a count of what is already there
    r"|\b(?:i|we)(?:\s{1,3}|(?='))(?:need|want|'ll\s{1,3}(?:need|want|take)|will\s{1,3}need|"
    r"'d\s{1,3}like)\s{1,3}" + _QTY_N.replace("<n>", "<k>") + r"\s{1,3}(?:(?:" + _CONTAINERS +
    r")\s{1,3})?of\s{1,3}(?:them|those|these|it|that|this)\b")
_QTY_MORE = re.compile(
    r"\b(?:another|one\s{1,3}more|1\s{1,3}more|an\s{1,3}extra|a\s{1,3}second|"
    r"(?P<n>\d{1,2}|two|three|four|five)\s{1,3}more)\b")
_QTY_LESS = re.compile(
    r"\btake\s{1,3}(?P<t>one|1)\s{1,3}(?:off|out|away)\b|"
    r"\b(?:(?:remove|take\s{1,3}(?:out|off|away)|drop|delete|minus|subtract|lose)\s{1,3}"
    r"(?:just\s{1,3})?(?P<n>one|1|a\s{1,3}single|two|2)\b(?!\s{1,3}(?:of\s{1,3}(?:the|"
    r"those|these|my)\s{1,3}[a-z]{1,20}s\b|thing|item))|one\s{1,3}less|1\s{1,3}less|"
    r"one\s{1,3}fewer)\b")
_PICKED = (r"(?:it|that|this|them|those|these|one|two|three|\d{1,2}|the\s{1,3}(?:first|second|"
           r"third|fourth|fifth|last|cheapest|cheaper|other|same|[a-z]{1,20}\s{1,3}one))")
# "stick it in", "chuck those in": the verb is no product ("glue stick" still is)
_PUT_IT = (r"(?:stick|chuck|toss|bung|put|pop|throw)\s{1,3}(?:(?:it|them|that|those|this|one)|"
           r"in(?=\s{1,3}(?:an?|some|the|\d{1,2}|two|three|another)\b))")  # "throw in a beanie"
_ADVERB = r"(?:(?:still|just|definitely|probably|actually|then|go\s{1,3}ahead\s{1,3}and)\s{1,3})?"
_ADD_WORDS = re.compile(
    r"\b(?:add|put(?!\s{1,3}(?:it\s{1,3}|them\s{1,3}|this\s{1,3})?together)|"
    # "throw in a beanie", "chuck in 2 mugs", not "a throw blanket"
    r"throw(?!\s{1,3}(?:blanket|pillow|rug)s?\b)|(?:chuck|toss|bung)(?=\s{1,3}in\s{1,3}(?:an?|"
    r"some|\d{1,2}|two|three|another)\b)|pop|i'?ll\s{1,3}"
    + _ADVERB + r"(?:take|have|get|buy)|i\s{1,3}(?:will|"
    r"would|'d)\s{1,3}" + _ADVERB + r"(?:take|like|get|buy)\s{1,3}" + _PICKED + r"|(?:(?<=\bcan\si\s)|(?<=\bcould\si\s)|(?<=\bmay\si\s)|(?<!\bi\s))(?<!\bcan\s)(?:get|give|gimme)\s{1,3}(?:me\s{1,3})?"
    + _PICKED + r"|grab|buy|order\s{1,3}" + _PICKED + r"|(?:we'?ll|we\s{1,3}will|ill)\s{1,3}"
    r"take\s{1,3}" + _PICKED + r"|take\s{1,3}the\s{1,3}(?:first|second|third|last|cheapest|"
    r"[a-z]{1,20}\s{1,3}one)"
    # "i take this one", "I shall take that one", "we buy it", "i'd like to order the blue
    # one", "let me get those"
    # "i'd like to order the Tatum bed frame in white": the definite article names one
    + r"|(?:i|we)(?:\s{1,3}would|'d)\s{1,3}like\s{1,3}to\s{1,3}(?:order|buy|purchase)\s{1,3}"
    r"(?:the|this|that|these|those)"
    + r"|(?:i|we)\s{1,3}(?:(?:shall|(?:would|'d)\s{1,3}like\s{1,3}to|(?:want|need)\s{1,3}to|"
    r"wanna)\s{1,3}" + _ADVERB + r"(?:take|buy|order|purchase|get|have)|" + _ADVERB
    + r"(?:take|buy|order|purchase))\s{1,3}" + _PICKED + r"|let\s{1,3}me\s{1,3}(?:get|have|take|buy)\s{1,3}" + _PICKED
    + r"|in(?:to)?\s{1,3}(?:my|the|your)\s{1,3}(?:cart|basket|bag|trolley))\b")
_OWN_SIZE = re.compile(r"\b(?:in\s{1,3})?(?:her|his|my|their|that|the\s{1,3}same)\s{1,3}size"
                       r"\b")
# a measured size said by a shopper: "60 inch", "32 oz", "6-foot", "1,200 pieces"
_UNIT_WORDS = sorted((u for u in size_units() if re.fullmatch(r"[a-z.]{1,12}(?: [a-z.]{1,6})?",
                                                             u)), key=len, reverse=True)
_MEASURED = re.compile(
    r"(?<![\w.$€£/])(?P<n>\d{1,2}/\d{1,2}|\d{1,5}(?:,\d{3})?(?:\.\d{1,2})?)\s{0,2}-?\s{0,2}(?P<u>"
    + "|".join(re.escape(u) for u in _UNIT_WORDS) + r"|\"|'')(?![a-z])")
_PEOPLE = re.compile(r"\b(?:for|sleeps?|fits|seats|(?:group|family|party|team)\s{1,3}of)\s{1,3}"
                     r"(?:at\s{1,3}least\s{1,3}|up\s{1,3}to\s{1,3})?"
                     r"(?P<n>\d{1,2})(?:\s{1,3}(?:people|persons|adults|kids))?\b"
                     # "for 8 year olds": an age, not a tent for eight
                     r"(?![\s-]{0,3}(?:years?|yrs?|yo|y/o|months?|mos?|weeks?|days?|hours?|"
                     r"hrs?|minutes?|mins?|%|percent|dollars?|bucks|inch|in\b|ft|feet|foot))"
                     r"|\b(?P<m>\d{1,2})\s{1,3}of\s{1,3}us\b")
_SIZE_CUE = re.compile(
    r"\b(?:size|sz|in(?:\s{1,3}an?)?(?:\s{1,3}size)?|a|an|wears?(?:\s{1,3}an?)?|"
    r"wearing(?:\s{1,3}an?)?)\s{1,3}(?P<v>\d{1,2}(?:\.5)?|x{0,3}[sl]|x{1,3}l|xx?s|m|"
    r"[2-5]xl)(?![\w.%$]|\s{0,2}(?:inch|in\b|ft|foot|feet|oz|lb|pound|dollar|buck|%|"
    r"percent|year|yr|yo|month|day|hour|pack|piece|person|people|of\b|more|x\b|degree|deg\b|"
    r"°|watt|w\b|lumen|mah|qt|quart|l\b|lit(?:er|re)|gal|mm|cm|gb|tb|volt|v\b|cup))")
_SIZE_PHRASE = re.compile(
    r"\b(?P<w>extra\s{1,3}extra\s{1,3}(?:small|large)|extra[\s-]{1,3}(?:small|large)|"
    r"x{1,3}[\s-]?(?:small|large)|small|medium|large|petite|one[\s-]size(?:\s{1,3}fits\s{1,3}"
    r"all)?|twin\s{1,3}xl|california\s{1,3}king|cal\s{1,3}king|twin|queen|king|"
    r"[2-5]xl|x{1,3}l|xx?s)\b")
_BARE_NUMBER = re.compile(r"(?<![\w.$€£/#,])(?P<n>\d{1,2}(?:\.5)?)(?![\w%/]|[.,]\d)")
_BARE_NEXT = frozenset({"please", "thanks", "in", "and", "or", "if", "size", "black", "white",
                        "then", "instead"})
_BARE_PREV = frozenset({"mens", "men", "womens", "women", "ladies", "kids", "boys", "girls",
                        "size", "sizes", "sz", "a", "in", "wear", "wears", "us", "uk", "eu"})
_HALF_SIZE = re.compile(r"(?<![\w.$€£])\d{1,2}\.5(?![\w.%])")
_UPPER_SIZE = re.compile(r"(?<![\w'])(?P<u>XXL|XL|XS|S|M|L)(?![\w'])")


def _minor(value: float, currency: str) -> int:
    from agentpay.kit.money import to_minor

    return to_minor(float(value), currency)


_INCH_NEXT = frozenset({"", "wide", "long", "tall", "deep", "high", "x", "by", "width",
                        "length", "height", "screen", "tv", "tvs", "laptop", "laptops",
                        "macbook", "monitor", "display", "blade", "inch", "in", "and", "or",
                        "to"})


def _not_inches(low: str, m: re.Match) -> bool:
    """"size 8 in black": "in" before a word is the preposition, not inches."""
    if m.group("u").rstrip(".") != "in":
        return False
    after = low[m.end():m.end() + 20].lstrip()
    if not after or after[0] in ",;.!?)":
        return False  # "55 in, black": the unit ends the phrase
    nxt = words(after)
    return (nxt[0] if nxt else "") not in _INCH_NEXT


_UNIT = (r"(?:in(?:ch(?:es)?)?\b|\"|ft\b|feet|foot|cm\b|m\b|metres?|meters?|mm\b|l\b|litres?|"
         r"liters?|qt\b|quarts?|oz\b|ounces?|lbs?\b|pounds?|kg\b|mah\b|w\b|watts?|gb\b|tb\b|"
         r"people\b|persons?\b)")
_AT_LEAST_MEASURE = re.compile(
    r"\b(?:minimum(?:\s{1,3}of)?|min\.?|at\s{1,3}least|no\s{1,3}less\s{1,3}than|"
    r"(?:taller|longer|bigger|larger|wider)\s{1,3}than|more\s{1,3}than)\s{1,3}"
    r"(?P<n>\d{1,6}(?:\.\d{1,2})?)\s{0,2}(?P<u>" + _UNIT + r")"
    r"|\b(?P<n2>\d{1,6}(?:\.\d{1,2})?)\s{0,2}(?P<u2>" + _UNIT + r")\s{0,2}(?:\+|or\s{1,3}"
    r"(?:more|bigger|taller|longer|larger|above|over)\b|minimum\b|at\s{1,3}least\b)")


def _find_sizes(text: str, low: str, vocab: Vocabulary,
                short: bool = False) -> tuple[list[str], list[tuple[int, int]]]:
    """Size keys the store has, said in the message, and their character spans in `low`.
    `short`: the message is a bare answer ("long pls"), where a size that is a word counts
    without "in" or "size" before it."""
    found: list[str] = []
    spans: list[tuple[int, int]] = []

    def take(key: str, span: tuple[int, int]) -> None:
        for k in [key] + equivalent_sizes(key):  # "6 feet": the store's 72 in. too
            if k and vocab.has_size(k) and k not in found:
                found.append(k)
                spans.append(span)

    for m in _MEASURED.finditer(low):
        if _not_inches(low, m):
            continue
        take(size_key(f"{m.group('n')} {m.group('u')}"), m.span())
    for m in re.finditer(r"#?\d{1,2}\s{0,2}x\s{0,2}\d{1,2}(?:[- ]\d/\d)?\s{0,2}(?:in\b\.?|inch(?:es)?|\")",
                         low):  # screws: "#10 x 3 in"
        take(size_key(m.group()), m.span())
    for m in re.finditer(r"(?<![\d/])(\d{1,2}/\d{1,2})(?![\d/])", low):
        if not any(s <= m.start() < e for s, e in spans):
            take(f"{m.group(1)} in", m.span())  # "3/8 drive": fractions of an inch
    for m in _PEOPLE.finditer(low):
        take(f"{m.group('n') or m.group('m')} person", m.span())
    for m in _WAIST.finditer(low):
        take(m.group("n") or m.group("m") or m.group("x"), m.span())
    for m in _SIZE_CUE.finditer(low):
        take(size_key(m.group("v")), m.span("v"))
    for m in _HALF_SIZE.finditer(low):  # "10.5", "ten and a half": a half size is a size
        take(m.group(), m.span())
    for m in _BARE_NUMBER.finditer(low):  # "sandals 12 slate blue", "womens 8"
        if any(s <= m.start() < e for s, e in spans):
            continue
        after = words(low[m.end():m.end() + 24])
        before = words(low[max(0, m.start() - 24):m.start()])
        nxt, prev = (after[0] if after else ""), (before[-1] if before else "")
        if re.match(r"\s{0,2}[,;!?]|\s{0,2}\.(?!\d)", low[m.end():]):
            nxt = ""  # "I'm a women's 8, my physio says": the size ends its clause
        if (not nxt or nxt in _BARE_NEXT or colour_key(nxt) in vocab.colors
                or colour_key(nxt) in _known_colours(vocab)) and (
                prev in _BARE_PREV or singular(prev) in vocab.type_words
                or (prev in ("ok", "okay", "fine", "try", "maybe") and nxt in ("then", "instead"))):
            take(m.group("n"), m.span("n"))  # ... "ugh ok 11 then": a size chosen
    words_table = size_words()
    for m in _SIZE_PHRASE.finditer(low):
        phrase = re.sub(r"[\s-]+", " ", m.group("w"))
        key = words_table.get(phrase) or words_table.get(phrase.replace(" ", "-")) or phrase
        if key in ("full", "double") or (key in ("king", "queen", "twin") and not
                                         vocab.has_size(key)):
            continue
        if len(phrase) == 1:
            continue  # "s" and "l" alone are letters, read below only in upper case
        take(key, m.span())
    for m in _UPPER_SIZE.finditer(text):
        before = low[max(0, m.start() - 12):m.start()]
        prev = (words(before) or [""])[-1]
        if len(m.group("u")) == 1 and not re.search(r"(?:\bin|\ba|\bsize|\ban|,)\s{0,2}$",
                                                    before) \
                and prev not in _BARE_PREV and singular(prev) not in vocab.type_words:
            continue  # "womens M", "tee L": a size; "I", "A" and initials are not
        take(size_key(m.group("u")), m.span())
    tokens = words(low)
    for n in (3, 2):  # the store's own sizes of several words: "SPF 50", "set of 4"
        for i in range(len(tokens) - n + 1):
            phrase = " ".join(tokens[i:i + n])
            if phrase in vocab.sizes and not phrase[0].isdigit():
                take(phrase, (0, 0))
    if vocab.word_sizes:  # the store's own size words: "Regular", "Long", "Petite"
        for m in re.finditer(r"[a-z]{3,20}", low):
            word = m.group()
            if word not in vocab.word_sizes or word in found:
                continue
            before = low[max(0, m.start() - 6):m.start()]
            others = [w for w in words(low) if w != word and w not in chat_words()]
            after = words(low[m.end():m.end() + 12])
            alone = re.search(r"(?:^|[,;])\s{0,3}$", low[:m.start()]) and re.match(
                r"\s{0,3}(?:pls|please|thanks|one)?\s{0,3}(?:[,;.!?]|$)", low[m.end():])
            if (short and not others) or re.search(r"\b(?:in(?:\s{1,2}an?)?|size|the)\s{1,2}$",
                                                   before) or alone \
                    or (after[:1] and after[0] in ("one", "ones", "size", "version")):
                take(word, m.span())
    return found, spans


_SEGMENT = re.compile(r"(?:^|[,;.!?])\s{0,3}(?:no\s{0,2},?\s{0,3}|in\s{1,3})?(?P<s>[a-z][a-z ]{1,20}?)"
                      r"\s{0,3}(?=[,;.!?]|$)")
_AFTER_LONE_COLOUR = frozenset({"please", "pls", "plz", "then", "thanks", "thx", "is", "it",
                                "for", "would", "will", "sounds", "works", "looks"})
_COLOUR_NEXT = frozenset({"one", "ones", "colour", "color", "coloured", "colored", "pair",
                          "pairs", "version", "style", "finish", "shade", "option", "model"})


def _find_colors(low: str, entities: list[dict], vocab: Vocabulary) -> list[str]:
    # "brown rice" reads as a colour here; the search tool drops a colour no product of
    # the kind has and looks for the word instead
    said = [str(e["value"]) for e in entities if e.get("type") == "color"]
    tokens = words(low.replace("-", " "))
    for n in (3, 2):  # the store's own multi-word names ("speckled oat", "light wash")
        for i in range(len(tokens) - n + 1):
            phrase = " ".join(tokens[i:i + n])
            if phrase in vocab.colors and not any(phrase in s or s in phrase for s in said):
                said.append(phrase)
    for i, token in enumerate(tokens):  # "a plum one", "in sand", "grey or charcoal"
        if token in vocab.colors and token not in said and (
                (i + 1 < len(tokens) and tokens[i + 1] in _COLOUR_NEXT | {
                    "instead", "if", "ideally", "preferably"})
                or (i > 0 and tokens[i - 1] in ("in", "for", "to", "into", "colour", "color",
                                                "colours", "colors", "then"))
                # "ok charcoal in M": the colour, then the size
                or (tokens[i + 1:i + 2] == ["in"] and i + 2 < len(tokens)
                    and vocab.has_size(size_key(tokens[i + 2])))
                or (i > 1 and tokens[i - 1] in ("or", "and") and tokens[i - 2] in said)
                or (i == len(tokens) - 1 and i > 0 and colour_family(token))
                # "charcoal please, add it in long": the colour said first, on its own
                or (i == 0 and (len(tokens) == 1 or tokens[1] in _AFTER_LONE_COLOUR))):
            said.append(token)
    for i, token in enumerate(tokens):  # "in blak": a colour the store has, one letter off,
        # where a colour is said ("mesh back" is no "black")
        where = (len(tokens) == 1 or (i and tokens[i - 1] in ("in", "the", "a"))
                 or tokens[i + 1:i + 2] in (["one"], ["ones"], ["pls"], ["please"]))
        if where and len(token) >= 4 and token.isalpha() and token not in vocab.colors \
                and not vocab.has_word(token) and token not in chat_words():
            near = [c for c in vocab.colors if " " not in c and c[0] == token[0]
                    and abs(len(c) - len(token)) <= 1 and edit_distance(token, c, 1) <= 1]
            if len(near) == 1 and near[0] not in said:
                said.append(near[0])
    for m in _SEGMENT.finditer(low):  # "ugh no, olive, not mustard": a colour on its own
        segment = colour_key(m.group("s"))
        if segment in vocab.colors and segment not in said:
            said.append(segment)
    keys: list[str] = []
    for s in said:
        k = colour_key(s)
        if k and k not in keys and not any(k != o and f" {k} " in f" {o} " for o in said):
            keys.append(k)
    return keys


def _gender(low: str, vocab: Vocabulary) -> str | None:
    if not vocab.genders:
        return None
    women, men = _WOMEN.search(low), _MEN.search(low)
    if women and not men and "women" in vocab.genders:
        return "women"
    if men and not women and "men" in vocab.genders:
        return "men"
    return None


# "bit pricey", "a little too big": how it strikes the shopper, no product words
_TOO_MUCH = re.compile(r"\b(?:a\s{1,3})?(?:little\s{1,3}|tad\s{1,3})?bit\s{1,3}(?:too\s{1,3})?"
                       r"(?:pricey|expensive|much|steep|high|dear|rich|big|small|large|long|"
                       r"short|heavy|bulky)\b")
# someone's age, not a size or a product word: "a 5 year old", "my 3-year-old", "aged 7"
_AGE = re.compile(r"\b(?:\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
                  r"[\s-]{0,3}(?:years?|yrs?|months?|mo)[\s-]{0,3}olds?\b|\b\d{1,2}\s{0,2}(?:yo|y/o)\b|"
                  r"\baged?\s{1,3}\d{1,2}\b", re.IGNORECASE)
# a quality wanted in moderation is no word the listing must say: "a desk lamp that's not
# too bright" does not ask for "bright"
_NOT_TOO = re.compile(r"\b(?:that'?s\s{1,3}|thats\s{1,3}|which\s{1,3}is\s{1,3})?(?:not|nothing|"
                      r"isn'?t)\s{1,3}(?:too|very|overly|super|that|so)\s{1,3}"
                      r"(?!pricey|expensive|dear|costly|cheap)[a-z]{3,15}\b")
# what is in the cart asked about, not something put in it: "what's in my cart?"
_CART_ASKED = re.compile(
    r"\b(?:what(?:'?s|\s{1,3}is|\s{1,3}do\s{1,3}i\s{1,3}have)|anything|how\s{1,3}many\s{1,3}"
    r"(?:things|items)?|is\s{1,3}(?:it|that|this|there\s{1,3}anything)|are\s{1,3}(?:they|those|"
    r"these))\s{1,3}(?:[a-z']{1,12}\s{1,3}){0,3}?in(?:to)?\s{1,3}(?:my|the|your)\s{1,3}"
    r"(?:cart|basket|bag|trolley)\b")
# when it would arrive, not an order: "can I get it by friday?", "could I have them before
# christmas", "can I get it delivered to Canada"
_BY_WHEN = re.compile(
    r"\b(?:get|have|receive)\s{1,3}(?:it|them|this|that|these|those|one|the\s{1,3}[a-z]{1,20}"
    r"(?:\s{1,3}one)?)?\s{0,3}(?:(?:by|before|until|for|in\s{1,3}time\s{1,3}for|on)\s{1,3}"
    r"(?:this\s{1,3}|next\s{1,3}|the\s{1,3})?(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day|"
    r"tomorrow|tonight|(?:the\s{1,3})?weekend|week(?:end)?|christmas|xmas|thanksgiving|"
    r"(?:her|his|my|their)\s{1,3}birthday|\d{1,2}(?:st|nd|rd|th)?\b)|delivered|shipped|"
    r"sent\s{1,3}to|overnight|next[- ]day|same[- ]day|today)")
# more of what is being looked at: "any others?", "show me more", "what else have you got"
_MORE = re.compile(
    r"\b(?:any|got\s{1,3}any|have\s{1,3}(?:you|u)\s{1,3}got\s{1,3}any|are\s{1,3}there\s{1,3}any|"
    r"show(?:\s{1,3}me)?(?:\s{1,3}some)?|see(?:\s{1,3}some)?|got|list|give\s{1,3}me"
    r"(?:\s{1,3}some)?)\s{1,3}(?:more|others|other\s{1,3}(?:ones|options|choices)|different\s{1,3}ones)\b"
    r"(?!\s{1,3}(?:than|colou?rs?|sizes?|info|information|details?)\b)|"
    r"\bmore\s{1,3}(?:options|choices)\b|\bwhat\s{1,3}else\s{1,3}(?:do|have|you|is|ya)\b|"
    r"\b(?:next|another)\s{1,3}(?:page|few|batch|bunch)\b|\bshow\s{1,3}(?:me\s{1,3})?more\b")
_SAME_LINE = re.compile(r"\b(?:from\s{1,3})?(?:the\s{1,3})?same\s{1,3}(?:line|range|collection|"
                        r"series|brand|make|maker|set)\b")
_PURPOSE = re.compile(r"\b(?:for|4)\s{1,3}(?:the\s{1,3}|my\s{1,3}|our\s{1,3}|a\s{1,3}|an\s{1,3}|"
                      r"making\s{1,3}|doing\s{1,3}|use\s{1,3}(?:in|on|at)\s{1,3})?"
                      r"(?P<u>[a-z][a-z'-]{2,20}(?:\s{1,3}[a-z][a-z'-]{2,20}){0,2})")


def _purpose_words(low: str) -> set[str]:
    """The words saying what a product is for ("for smoothies", "for the patio")."""
    out: set[str] = set()
    for m in _PURPOSE.finditer(low):
        for w in m.group("u").split():
            if w in chat_words() or w in _NOT_PRODUCT or w in _PEOPLE_WORDS:
                break
            out.add(w)
    return out


def _in_store_words(phrase: str, vocab: Vocabulary) -> str:
    """A qualifier in the words listings use, when the store has those and not the
    shopper's ("high waisted" -> high rise, "raised" -> elevated)."""
    said = phrase.split()
    mapped = with_synonyms([singular(w) for w in said], _knows(vocab))
    if mapped == [singular(w) for w in said]:
        mapped = said
    if mapped == said or sum(map(vocab.has_word, mapped)) < sum(map(vocab.has_word, said)):
        return phrase
    return " ".join(mapped)


# where what a product comes with, or the activity it is for, begins: "headlamp with a red
# light mode", "a step ladder for changing light bulbs"
_COMES_WITH = re.compile(r"\b(?:with|that\s{1,3}has|which\s{1,3}has|for\s{1,3}[a-z]{2,20}ing|"
                         r"for\s{1,3}(?:a|an|the|my|our|your|his|her))\b")


_BUDGET_MARK = re.compile(r"\s{0,2}(?:dollars?|bucks|usd)?\s{0,2}(?:tops|max|maximum|ish)\b")


def _in_a_name(low: str, start: int) -> bool:
    """A number after a word of a name is the model's ("the zentrik slim 10 power bank",
    "the trailhead 2 tent"), not a count; after "add", "and", "me" or nothing it counts."""
    before = re.findall(r"[a-z][a-z']*", low[max(0, start - 30):start])
    return bool(before) and low[:start].rstrip() == low[:start].rstrip(" ,.") and (
        before[-1] not in chat_words() and before[-1] not in _COUNT_LEADS)


_COUNT_LEADS = frozenset({"add", "get", "grab", "buy", "need", "want", "take", "order", "put",
                          "and", "now", "also", "plus", "me", "just", "only", "like", "have",
                          "throw", "pop", "stick", "toss", "then", "maybe", "about", "another",
                          "x", "qty", "quantity", "times"})


def _count_before(low: str, type_word: str) -> int | None:
    """A number right before the product's name ("2 camp chairs", "three beanies"), never
    a size ("a 4 person tent", "size 10 boots", "spf 50 sunscreen", "set of 4 dining
    chairs") or a pick ("the 2 cheapest tents")."""
    m = re.search(r"(?<![\w.$€£#/,-])(?<!size\s)(?<!of\s)(?<!spf\s)(?<!no\s)(?P<n>\d{1,2}|two|three|"
                  r"four|five|six|seven|eight|nine|ten|twelve)\s{1,3}(?P<mid>)"
                  + re.escape(type_word[:4]), low)
    if m is None or _UNIT_AFTER.match(low, m.end("n")) or _in_a_name(low, m.start("n")):
        return None
    mid = set(m.group("mid").split())
    if mid & (set(size_units()) | {"of", "cheapest", "cheaper", "best", "priciest", "most",
                                   "least", "top", "person", "people", "pack", "piece"}):
        return None
    return _number(m.group("n"))


def _knows(vocab: Vocabulary):
    """Whether the store says a word: in a product type or in its products' words."""
    return lambda w: w in vocab.type_words or vocab.has_word(w)


def _head_types(low: str, said: list[str], vocab: Vocabulary):
    """The product types named before "with ..." or "for <doing> ...": the thing wanted,
    not what it comes with or is used on."""
    for m in _COMES_WITH.finditer(low):
        # the first "with"/"for" after a product type: "looking for a cozy blanket for the
        # couch" is a blanket ("for a" before it names nothing)
        head = set(words(low[:m.start()]))
        tokens = vocab.correct(with_synonyms([singular(part) for w in said if w in head
                                              for part in w.split("-") if part], _knows(vocab)))
        found = vocab.find_types(tokens) if tokens else None
        if found is not None:
            return found
    return None


def _with_phrase(phrase: str, low: str) -> str:
    """The qualifier, when it is what the product comes with ("with a phone pocket")."""
    if len(phrase.split()) <= 3 and re.search(
            r"\b(?:with|featuring|that\s{1,3}has|has\s{1,3}a)\s{1,3}(?:an?\s{1,3}|some\s{1,3}|"
            r"built[- ]in\s{1,3})?" + re.escape(phrase) + r"\b", low):
        return phrase
    return ""


# Words that say something of the word before them only: "fragrance free", "water
# resistant", "pet friendly". Without that word they would ask for another thing: "free"
# alone finds the oil-free cream, not the fragrance-free one.
_QUALIFYING = frozenset({"free", "less", "proof", "resistant", "safe", "friendly",
                         "repellent", "repellant", "based"})


def _compounds(phrase: str) -> list[tuple[int, int]]:
    """(start, end) token spans of the qualifier's compounds: a word and the qualifying
    words after it ("fragrance free"), or one hyphenated word ("fragrance-free")."""
    tokens, spans, i = phrase.split(), [], 0
    while i < len(tokens):
        j = i + 1
        while j < len(tokens) and tokens[j] in _QUALIFYING and not tokens[j - 1][0].isdigit():
            j += 1
        if j > i + 1 or "-" in tokens[i].strip("-"):
            spans.append((i, j))
        i = j
    return spans


def _known(word: str, vocab: Vocabulary) -> bool:
    return vocab.has_word(word) or ("-" in word and all(
        vocab.has_word(part) for part in word.split("-") if part))


def _unnamed_spans(phrase: str, vocab: Vocabulary) -> list[tuple[int, int]]:
    """The spans of the qualifier's compounds with a word no listing's name has."""
    tokens = phrase.split()
    return [(start, end) for start, end in _compounds(phrase)
            if not all(_known(t, vocab) for t in tokens[start:end])]


def _store_words(phrase: str, vocab: Vocabulary) -> str:
    """The words of a qualifier that some product of the store has, numbers kept with the
    unit or word they count ("0 degree", "2 batteries"); a compound goes whole or not at
    all ("fragrance free" where no listing names fragrance: not "free")."""
    tokens = phrase.split()
    dropped = {k for start, end in _unnamed_spans(phrase, vocab) for k in range(start, end)}
    kept = []
    for i, w in enumerate(tokens):
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        if i in dropped:
            continue
        if w[0].isdigit():
            if nxt and (nxt in size_units() or vocab.has_word(nxt)):
                kept.append(w)
        elif vocab.has_word(w) or (kept and kept[-1][0].isdigit() and w in size_units()):
            kept.append(w)
    return " ".join(kept) if any(not w[0].isdigit() for w in kept) else ""


def _unnamed_compounds(phrase: str, vocab: Vocabulary) -> list[str]:
    """The qualifier's compounds no listing's name has ("fragrance free"): a description
    may still say them, so they rank."""
    tokens = phrase.split()
    return [" ".join(tokens[start:end]) for start, end in _unnamed_spans(phrase, vocab)]


def _superlative(low: str, reading: Reading) -> None:
    for m in _SUPERLATIVE.finditer(low):
        tail_words = m.group("tail").split()
        first = tail_words[0] if tail_words else ""
        at_end = not low[m.end():].strip(" ?!.,")
        asked = bool(re.search(r"(?:^|[.!?]\s{0,3})\s{0,3}(?:(?:also|and|ok|so|but|hmm)[,\s]{1,3})?"
                               r"(?:what|which|whats|what's|wat)\b",
                               low)) or bool(
            _CATALOG_SCOPE.search(low[m.end("s"):])) or bool(re.search(
                r"\b(?:(?:you|u|ya)\s{1,3}(?:showed|listed|sent|mentioned|just\s{1,3}showed)|"
                r"shown|listed)\b", low))
        whichever = m.group().startswith("whichever")
        if first in _SELECT_TAIL or at_end or low.startswith("which") or asked or whichever \
                or _ADD_WORDS.search(low):
            reading.superlative = _which_end(m.group("s"))
            reading.superlative_phrase = m.group()
            if re.match(r"(?:your|ur)\b", m.group()) and tail_words and \
                    first not in _SELECT_TAIL:
                reading.scope_catalog = True  # "your least expensive men's fleece"
            n = m.group("n")
            if n:
                reading.select_count = int(n) if n.isdigit() else NUMBER_WORDS.get(n, 1)
            return
    if _ADD_WORDS.search(low) or (_BARE_SUPERLATIVE.match(low.lstrip()) and
                                  _CATALOG_SCOPE.search(low)) or _AMONG_SHOWN.match(low):
        # "add the sage one, cheapest if there's more than one"; "cheapest niacinamide
        # serum you've got?"; "cheapest of the bunch?"
        m = _BARE_SUPERLATIVE.search(low)
        if m:
            reading.superlative = _which_end(m.group())
            reading.superlative_phrase = m.group()


def _which_end(said: str) -> str:
    """"lower priced", "less money", "most affordable" -> cheapest; "pricier" -> the other."""
    return "cheapest" if re.search(r"cheap|least|low|afford|less", said) else "most_expensive"


def _quantity(low: str, reading: Reading) -> None:
    m = _QTY_SET.search(low)
    if m:
        raw = next((m.group(g) for g in ("n", "m", "q", "j", "k", "d", "e", "o") if m.group(g)),
                   None)
        value = _number(raw)
        if value:
            reading.qty_op, reading.qty_value = "set", value
            return
    m = _QTY_LESS.search(low)
    if m:
        reading.qty_op, reading.qty_value = "less", _number(m.group("n") or m.group("t")
                                                            or "1") or 1
        return
    m = _QTY_MORE.search(low)
    if m and not re.search(r"\banother\s{1,3}(?:colou?r|size|brand|kind|type|style|one\s{1,3}"
                           r"like|option)", low):
        reading.qty_op, reading.qty_value = "more", _number(m.group("n") or "1") or 1


def _number(raw: str | None) -> int | None:
    if not raw:
        return None
    raw = " ".join(raw.split())
    if raw.isdigit():
        return int(raw)
    return {"a dozen": 12, "a couple": 2, "a pair": 2, "a single": 1}.get(raw) or \
        NUMBER_WORDS.get(raw)


def _negations(low: str, vocab: Vocabulary, reading: Reading) -> list[tuple[int, int]]:
    """"not black", "anything but red", "no leather", "nothing from Brandname": what the
    shopper rules out, and the spans that said so (kept out of the product phrase)."""
    spans = []
    known = _known_colours(vocab)
    for m in _NEGATION.finditer(low):
        phrase = m.group("w")
        first = phrase.split()[0]
        key = next((colour_key(c) for c in (phrase, first) if colour_key(c) in known), None)
        if key:
            reading.exclude_colors.append(key)
        elif vocab.find_brands(phrase):
            reading.exclude_brands.append(vocab.find_brands(phrase)[0][0])
        elif vocab.is_material_word(singular(first)):
            reading.exclude_words.append(first)
        elif singular(phrase.split()[-1]) in vocab.type_words or singular(first) in \
                vocab.type_words:
            # "not a sectional": the types with that word, but not the word's own type
            word = singular(first) if singular(first) in vocab.type_words else \
                singular(phrase.split()[-1])
            reading.exclude_types.extend(label for norm, label in vocab.types.items()
                                         if word in norm.split() and norm.split()[-1] != word)
        elif len(first) > 3 and first not in chat_words() and vocab.has_word(first) and (
                len(phrase.split()) == 1 or low[m.end():m.end() + 1] in ".,;!?"):
            reading.exclude_words.append(first)  # "straight leg, not slim"
        else:
            continue
        spans.append(m.span())
    return spans


def _known_colours(vocab: Vocabulary) -> set[str]:
    from agentpay.understanding.lexicon import colour_families

    return set(colour_families()) | set(vocab.colors)


_LEAD = re.compile(
    r"^\s{0,3}(?:(?:hi|hey|hello|ok(?:ay)?|so|and|also|please)[,!\s]{1,3}){0,3}(?:please\s{1,3})?"
    r"(?:show\s{1,3}me|i(?:'m|\s{1,3}am)\s{1,3}(?:looking|searching|shopping)\s{1,3}for|"
    r"looking\s{1,3}for|(?:i\s{1,3})?(?:also\s{1,3})?(?:need|want|would\s{1,3}like|'d\s{1,3}like)|"
    r"(?:do|did)\s{1,3}(?:you|u)\s{1,3}(?:also\s{1,3})?(?:have|sell|carry|stock|guys\s{1,3}have)|"
    r"got\s{1,3}any|find\s{1,3}me|search\s{1,3}for|any)\b")


_DETAILS = re.compile(
    r"\b(?:tell\s{1,3}me\s{1,3}(?:more\s{1,3})?about|more\s{1,3}(?:info|information|details)"
    r"\s{1,3}(?:on|about|for)|details\s{1,3}(?:on|of|about|for)|describe|what\s{1,3}can\s{1,3}"
    r"you\s{1,3}tell\s{1,3}me\s{1,3}about)\b")


_WAIST = re.compile(
    r"\b(?P<n>\d{2})\s{0,2}(?:\"|in\.?|inch)?\s{0,2}(?:waist|w\b)|\bwaist\s{1,3}(?:size\s{1,3})?"
    r"(?P<m>\d{2})\b|\b(?P<x>\d{2})\s{0,2}x\s{0,2}\d{2}\b")
_CONTAINER_QTY = re.compile(
    r"\b(?<!which )(?<!any )(?<!\d,)(?P<n>\d{1,3}|a\s{1,3}couple\s{1,3}of|one|two|three|four|five|six|seven|eight|nine|"
    r"ten|twelve)\s{1,3}(?:(?:more\s{1,3})?(?:" + _CONTAINERS + r")\s{1,3}of\b|of\s{1,3}"
    r"(?:the|those|these|them|it|that|this|each|your|whichever|whatever)\b|(?:" + _CONTAINERS +
    r")\b)")
_ADD_COUNT = re.compile(r"\b(?:add|get|buy|order|grab|want|need|take|gimme)\s{1,3}(?:me\s{1,3})?"
                        r"(?P<n>\d{1,2})\s{1,3}(?=[a-z])(?!of\b|x\b|more\b)")
_CART_TOTAL = re.compile(
    r"\bwhat\s{1,3}(?:does|do|will|would)\s{1,3}(?:that|it|this|these|everything|it\s{1,3}all|"
    r"that\s{1,3}all)\s{1,3}come\s{1,3}to\b|\bwhat(?:'?s|\s{1,3}is)\s{1,3}the\s{1,3}damage\b|"
    r"\b(?:how\s{1,3}much|what)\s{1,3}(?:do|would|will)\s{1,3}(?:i|we)\s{1,3}(?:owe|pay|be\s{1,3}"
    r"paying|need\s{1,3}to\s{1,3}pay)\b(?!\s{1,3}(?:for|with|on|by)\b)|"
    r"\bhow\s{1,3}much\s{1,3}(?:am\s{1,3}i|are\s{1,3}we)\s{1,3}(?:at|spending|paying)\b|"
    r"\bwhat\s{1,3}(?:am\s{1,3}i|are\s{1,3}we)\s{1,3}at\b|\b(?:(?:my|the|grand|order|cart|basket)\s{1,3}(?:sub)?total|(?:sub)?total\s{0,3}(?:so\s{1,3}far|"
    r"now|please|pls|\?|$)|^\s{0,3}(?:sub)?total\b|how\s{1,3}much\s{1,3}(?:is|does|do|will)\s{1,3}"
    r"(?:(?:my|the)\s{1,3}(?:cart|basket|bag|order|lot)|it\s{1,3}all|everything|that\s{1,3}all|"
    r"all\s{1,3}(?:that|this))(?:\s{1,3}(?:come|cost|total|together|add))?\b|altogether|"
    r"all\s{1,3}together|in\s{1,3}total)")
_REMOVE_WORDS = re.compile(
    r"\b(?:remove|delete|(?:take|get)\s{1,3}(?:(?:the|my|that|this|it|them|those)\s{1,3}"
    r"(?:[a-z'-]{1,20}\s{1,3}){0,8})?(?:out|off)|drop\s{1,3}(?:the|that|it|my)|don'?t\s{1,3}"
    r"want\s{1,3}(?:the|that|it|this|my)\b|no\s{1,3}longer\s{1,3}want|cancel\s{1,3}the)\b")


_PRICE_CAP = re.compile(
    r"\b(?:under|below|less\s{1,3}than|no\s{1,3}more\s{1,3}than|up\s{1,3}to|max(?:imum)?|"
    r"at\s{1,3}most|cheaper\s{1,3}than|budget\s{1,3}(?:of|is)?)\s{0,3}[$£€]?\s{0,2}"
    r"(?P<n>\d{1,6}(?:,\d{3})?(?:\.\d{1,2})?)(?![\d.,])")
_MAX_WORDS = re.compile(r"\s{0,3}(?:bucks|dollars|usd|quid)?\s{0,3}(?:max(?:imum)?|tops|at\s{1,3}most|"
                        r"or\s{1,3}(?:less|under|below)|is\s{1,3}(?:the|my)\s{1,3}limit)\b")
_NOT_OVER = re.compile(r"\b(?:not|n't|never|no|nothing|none|nada)\s{1,3}(?:want\s{1,3}to\s{1,3})?(?:go|spend|be|pay)?"
                       r"\s{0,3}(?:over|above|more\s{1,3}than|beyond)\b")
_UNIT_AFTER = re.compile(r"\s{0,3}(?:%|percent|inch|in\b|\"|ft|foot|feet|oz|ounce|lb|pound|"
                         r"kg|mm|cm|watt|w\b|mah|piece|pc|person|people|year|yr|month|day|"
                         r"hour|minute|lumen|qt|l\b|liter|litre|gal|cup|ml|gb|tb|degree)")


_NOT_PRODUCT = frozenset({
    "women", "woman", "womens", "men", "man", "mens", "lady", "ladies", "female", "male",
    "girl", "girls", "boy", "boys", "guy", "guys", "gent", "gents", "wife", "husband",
    "girlfriend", "boyfriend", "gf", "bf", "mom", "mum", "mother", "dad", "father", "sister",
    "brother", "daughter", "son", "her", "him", "his", "she", "he", "small", "medium",
    "large", "xl", "xs", "xxl", "extra", "big", "bigger", "biggest", "largest", "smallest",
    "little", "mini", "petite", "queen", "king", "twin", "sale", "discounted", "clearance",
    "newest", "latest", "premium", "fanciest", "priciest", "preference", "yo", "yr", "old",
    "half", "wears", "wear", "size", "oz", "ounce", "lb",
    "lbs", "people", "person", "persons", "waist", "yikes", "wow", "whoa", "ugh", "oops",
    "lol", "haha", "omg", "meh", "cool", "nice", "great", "awesome", "sweet", "gimme",
    "grab", "u", "ur", "pls", "plz", "thx", "k", "kk", "bunch", "swap", "lot", "nothing", "cheapish"}) | frozenset(NUMBER_WORDS)


# "they're for my crew", "a gift for our new neighbour": who it is for, no product word
# (unless the store sells by it: "for my dog" stays in a pet store's words)
_RECIPIENT = re.compile(r"\bfor\s{1,3}(?:my|our|his|her|your|the|a)\s{1,3}(?:little\s{1,3}|new"
                        r"\s{1,3}|whole\s{1,3}|work\s{1,3})?(?P<w>[a-z']{2,20})\b")

_PEOPLE_WORDS = frozenset(["crew", "team", "kids", "kid", "family", "friends", "friend", "wife", "husband", "son", "daughter", "mom", "mum", "dad", "nephew", "niece", "boss", "coworkers", "coworker", "colleagues", "colleague", "guys", "roommate", "partner", "grandma", "grandpa", "grandson", "granddaughter", "brother", "sister", "staff", "class", "students", "guests", "parents", "girlfriend", "boyfriend", "fiance", "fiancee", "baby", "toddler", "teen", "teenager", "neighbor", "neighbour"])


_LENGTH_UNIT = re.compile(r"(?:\d|\b(?:per|square|sq|cubic|linear))\s{0,2}-?"
                          r"\s{0,2}(?P<u>inch(?:es)?|foot|feet)\b")


def _size_of(m: re.Match) -> str:
    if "u" in m.groupdict():
        return size_key(f"{m.group('n')} {m.group('u')}")
    return f"{m.group('n') or m.group('m')} person"


def _spans(rx: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    return [m.span() for m in rx.finditer(text)]


def _blank(text: str, spans) -> str:
    for s, e in spans:
        text = text[:s] + " " * (e - s) + text[e:]
    return text


def _phrases(text: str, skip: set[str]) -> list[list[str]]:
    """Runs of adjacent words that may name or qualify a product ("sulfate free shampoo",
    "2 batteries"): chat words, skipped words and punctuation end a run; a number stays
    only before a word it counts."""
    runs: list[list[str]] = []
    run: list[str] = []
    for m in re.finditer(r"\d{1,2}/\d{1,2}|[a-z0-9]+(?:[.'-][a-z0-9]+){0,4}|[^a-z0-9\s]", text):
        w = m.group()
        if (w[0].isalnum() or re.fullmatch(r"\d{1,2}/\d{1,2}", w)) and w not in chat_words() \
                and w not in skip:
            run.append(w)
            continue
        if run:
            runs.append(run)
        run = []
    if run:
        runs.append(run)
    out = []
    for run in runs:
        while run and re.fullmatch(r"[\d.,]+", run[-1]):
            run = run[:-1]
        if run and all(w in CONTAINER_WORDS for w in run):
            run = []  # "30 lb bag": the bag is the size's, no product
        if run:
            out.append(run)
    return out


def read(text: str, entities: list[dict], vocab: Vocabulary, *, currency: str = "USD",
         shown: list[dict] | None = None) -> Reading:
    """Read one message against the store's vocabulary (see the module docstring)."""
    r = Reading()
    low = text.lower()[:2000]

    for e in entities:
        if e.get("type") in ("price_min", "price_max"):
            if _UNIT_AFTER.match(low, int(e["end"])):
                continue  # "about 20 litres" is a size, not a price
            cur = str(e.get("currency") or currency).upper()
            setattr(r, e["type"], _minor(float(e["value"]), cur))
            r.currency = cur
            if e.get("approximate") and _MAX_WORDS.match(low, int(e["end"])):
                capped = re.sub(r"[^\d.]", "", str(e.get("text") or ""))
                if capped:  # "about 150 max": a cap, not a range
                    r.price_max = _minor(float(capped), cur)
                    r.price_min = -1
    if r.price_min == -1:
        r.price_min = None
    if r.price_min is not None and r.price_max is None and _NOT_OVER.search(low):
        r.price_min, r.price_max = None, r.price_min  # "I'd rather not go over 130"
    if r.price_min is None and r.price_max is None:
        m = _PRICE_CAP.search(low)  # "under 90 pls", "under 200 if poss"
        if m and not _UNIT_AFTER.match(low, m.end()):
            r.price_max = _minor(float(m.group("n").replace(",", "")), currency)
    if r.price_min is not None and r.price_max is not None and r.price_min > r.price_max:
        r.price_min, r.price_max = r.price_max, r.price_min

    for kind, rx in _RELAX:
        if rx.search(low):
            r.relax.add(kind)
    r.any_color = "color" in r.relax
    r.replace = bool(_REPLACE.search(low))
    r.own_size = bool(_OWN_SIZE.search(low))
    # "take the first one back out" takes out, whatever "take the first" says
    r.add_words = bool(_ADD_WORDS.search(_CART_ASKED.sub(" ", low))) \
        and not _REMOVE_WORDS.search(low) \
        and not _BY_WHEN.search(low)  # "can I get it by friday?" asks about delivery
    negated = _negations(low, vocab, r)

    short = len(words(low)) <= 3 and "?" not in low
    spelled = spell_numbers(low)
    # "a gift for a 5 year old": an age, no size 5
    r.sizes, _ = _find_sizes(_blank(text, _spans(_AGE, text)),
                             _blank(spelled, _spans(_AGE, spelled)), vocab, short=short)
    if (m := _AT_LEAST_MEASURE.search(low)) and not re.search(  # "nothing wider than 48 in"
            r"\b(?:nothing|no|not|never|n't)\s{1,3}(?:[a-z]{1,12}\s{1,3})?$", low[:m.start()]):
        # "minimum 60 inch": that or more, not exactly
        key = size_key(f"{m.group('n') or m.group('n2')} {m.group('u') or m.group('u2')}")
        r.measure_min = key
        r.sizes = [k for k in r.sizes if not k[0].isdigit()]  # "6 ft" read as "72 in" too
    # a figure the store sells as a size ("spf 50", "600 lumen") is read as that size
    sized = {" ".join(sorted(size_key(k).split())) for k in [*r.sizes, r.measure_min or ""]}
    r.figures = [f for f in measures.read_figures(spelled)
                 if " ".join(sorted(size_key(f).split())) not in sized
                 and not vocab.has_size(size_key(f)) and not vocab.has_size(
                     size_key(" ".join(reversed(f.split()))))]
    m = _CONTAINER_QTY.search(spelled)
    if m and not vocab.has_size(size_key(re.sub(r"\s{1,3}of$", "", m.group()))):
        r.quantity = _number(re.sub(r"\s{1,3}of$", "", m.group("n")))  # not "100 pieces"
    r.count = r.quantity
    m = _ADD_COUNT.search(spelled)
    if r.count is None and m and not _UNIT_AFTER.match(spelled, m.end()):
        r.count = _number(m.group("n"))  # "add 2 cobalt leggings"
    for e in entities:
        if e.get("type") == "quantity" and r.count is None and not str(
                e.get("text", "")).lower().startswith("a pair"):  # a pair of sandals is one
            start = int(e["start"])
            measured = _MEASURED.match(low, start)
            size_here = (measured and not _not_inches(low, measured)) or any(
                low.startswith(k, start) for k in r.sizes if k[0].isdigit()) or any(
                low[:int(e["end"])].endswith(k) for k in r.sizes if " " in k)  # "spf 50"
            if not size_here and not _in_a_name(low, start):
                r.count = int(e["value"])  # "100 pieces" of a puzzle is its size, not a count
    if r.count is None and (m := re.search(r"\b(half\s{1,3}a\s{1,3})?dozen\b", low)):
        r.count = 6 if m.group(1) else 12  # "a dozen white t-shirts"
    if any(e.get("type") == "quantity" and int(e["value"]) < 0 for e in entities):
        r.count = r.quantity = min(int(e["value"]) for e in entities  # "add -5": refused,
                                   if e.get("type") == "quantity")  # never read as 5
    r.remove_words = bool(_REMOVE_WORDS.search(low))
    r.cart_total = bool(_CART_TOTAL.search(low))
    r.polite = bool(re.search(r"\b(?:please|pls|plz|plx|thanks|thx)\b", low)) and \
        len(words(low)) <= 6
    colours = [c for c in _find_colors(low, entities, vocab) if c not in r.exclude_colors]
    # "make it white instead of navy": the colour it was is not the one wanted
    was = [c for c in colours if re.search(r"\b(?:instead\s{1,3}of|rather\s{1,3}than)\s{1,3}"
                                           r"(?:the\s{1,3})?" + re.escape(c) + r"\b", low)]
    if was and len(was) < len(colours):
        colours = [c for c in colours if c not in was]
    r.colors = [] if r.any_color else colours
    r.gender = _gender(low, vocab)
    for label, _ in vocab.find_brands(low):
        if label not in r.exclude_brands:
            r.brands.append(label)
    for key, rx in _SORT:
        if rx.search(low):
            r.sort = key
            break
    for key, rx in _WISHES:
        if rx.search(low):
            r.size_wish = key
            break
    r.scope_catalog = bool(_CATALOG_SCOPE.search(low))
    _superlative(low, r)
    _quantity(spelled, r)
    r.question = question_of(low)
    r.questions = questions_of(low, r.question)
    r.details = bool(_DETAILS.search(low))
    r.topic = asked_topic(low)

    # the product phrase: what is left once prices, sizes, colours, brands, references,
    # negations and chat words are set aside
    containers = [m.span() for m in _CONTAINER_QTY.finditer(low)]
    containers += [m.span() for m in re.finditer(r"\b" + _PUT_IT + r"\b", low)]
    containers += [m.span() for _, rx in _RELAX for m in rx.finditer(low)]
    containers += [m.span() for m in _TOO_MUCH.finditer(low)]
    containers += [m.span() for m in _NOT_TOO.finditer(low)]
    containers += _spans(_AGE, low)
    same = [m.span() for m in _SAME_LINE.finditer(low)]
    r.same_line = bool(same)
    more = [m.span() for m in _MORE.finditer(low)]
    r.more = bool(more)
    containers += more
    containers += same
    # "150 tops", "80 max": the budget's own marker is no product word
    containers += [(int(e["end"]), int(e["end"]) + m.end()) for e in entities
                   if e.get("type") == "price_max" and int(e["end"]) <= len(low)
                   and (m := _BUDGET_MARK.match(low[int(e["end"]):]))]
    masked = _blank(low, negated + containers + [(int(e["start"]), int(e["end"])) for e in entities
                                    if e.get("type") in ("price_min", "price_max", "amount",
                                                         "quantity", "order_id", "reference")
                                    and int(e["end"]) <= len(low) and not (
                                        e.get("type") in ("amount", "quantity")
                                        and _UNIT_AFTER.match(low, int(e["end"])))])
    masked = spell_numbers(re.sub(r"'s\b", "", masked))
    masked = _blank(masked, [m.span() for rx in (_MEASURED, _PEOPLE) for m in rx.finditer(masked)
                             if vocab.has_size(_size_of(m))]
                    # "6 foot": the unit of a number, not the "foot switch" of a lamp
                    + [m.span("u") for m in _LENGTH_UNIT.finditer(masked)]
                    + [m.span() for rx in (_WAIST, _CONTAINER_QTY, _HALF_SIZE)
                       for m in rx.finditer(masked)]
                    + [m.span("v") for m in _SIZE_CUE.finditer(masked)]
                    + [m.span() for m in _BARE_SUPERLATIVE.finditer(masked)]

                    + [m.span() for m in _RECIPIENT.finditer(masked)
                       if m.group("w") in _PEOPLE_WORDS]
                    + [m.span() for _, rx in _WISHES for m in rx.finditer(masked)])
    skip = {w for c in colours + was + r.exclude_colors for w in c.split()}
    skip |= {w for b in r.brands + r.exclude_brands for w in brand_tokens(b)}
    skip |= _NOT_PRODUCT | set(r.sizes)
    phrases = _phrases(masked, skip)
    r.words = [w for p in phrases for w in p]
    # hyphenated words stay whole in the phrase ("carry-on") and split for product types
    # ("t-shirt" -> t shirt, as types are compared)
    tokens = vocab.correct(with_synonyms([singular(part) for w in r.words
                                          for part in w.split("-") if part], _knows(vocab)))
    head = _head_types(low, r.words, vocab)
    whole = vocab.find_types(tokens)
    if head is not None and whole is not None and head.labels == whole.labels:
        head = None  # "a drill with 2 batteries": what it comes with still qualifies it
    r.types = head or whole
    if r.types:
        plain = with_synonyms([singular(part) for w in r.words for part in w.split("-") if part],
                              _knows(vocab))
        r.guessed_type = not all(w in plain for w in r.types.words)
    if r.count is None and r.types and r.select_count == 1:
        r.count = _count_before(low, r.types.words[0])  # "now 2 camp chairs"
    if r.types and r.types.alias and (r.qty_op or r.add_words or r.question or r.remove_words
                                      or r.cart_total):
        r.types = None  # "make it two, one for the office": no office chair
    if r.types is None:
        r.category = vocab.find_category(tokens)
    r.features = vocab.find_features(tokens)
    type_words = set(r.types.words) if r.types else set()
    feature_words = {w for f in r.features for w in f.replace("_", " ").split()}
    for phrase in phrases:
        kept: list[str] = []
        for w in phrase + [""]:
            parts = [singular(x) for x in w.split("-") if x]
            mapped = set(vocab.correct(with_synonyms(parts, _knows(vocab)))) if w else set()
            if w and not (mapped and mapped <= type_words) and singular(w) not in feature_words:
                kept.append(w)
                continue
            if kept and not all(k.isdigit() for k in kept):
                r.modifiers.append(" ".join(kept))
            kept = []
    if not r.types and not r.category and len(r.words) > 6:
        # a long message naming no product type: its words the store has carry the search
        # ("my physio says I need something with stability support" -> stability support)
        kept = [m for m in (_store_words(mod, vocab) for mod in r.modifiers) if m]
        if kept:  # the rest still ranks: "warm", "cold" find the winter boots' listings
            held = {w for m in kept for w in m.split()}
            r.uses = [w for m in r.modifiers for w in m.split()
                      if w not in held and len(w) > 3 and not w[0].isdigit()][:6]
        r.modifiers = kept or r.modifiers
    r.modifiers = [_in_store_words(m, vocab) for m in r.modifiers]
    purpose = _purpose_words(low)
    said_for = {singular(w) for m in re.finditer(r"\bfor\s{1,3}([a-z' ]{1,60})", low)
                for w in m.group(1).split()[:6]}
    if r.types and set(r.types.words) <= said_for and (
            r.add_words or r.superlative or r.qty_op or r.count):
        # "add 2 of the cheapest, one for each side of the bed": no bed is wanted
        r.types = None
    if head is not None and (m := _COMES_WITH.search(low)):
        # "headlamp with a red light mode": what it comes with ranks, it does not filter
        tail = set(words(re.split(r"[,.;!?]", low[m.end():], maxsplit=1)[0]))
        r.uses += [mod for mod in r.modifiers if set(mod.split()) <= tail]
        r.modifiers = [mod for mod in r.modifiers if not set(mod.split()) <= tail]
    if purpose and r.types:
        # "a blender for smoothies", "trainers for the gym": what it is for ranks the
        # products, it does not rule out those whose listing says it otherwise
        r.uses += [m for m in r.modifiers if set(m.split()) <= purpose]
        r.modifiers = [m for m in r.modifiers if m not in r.uses]
    if r.types and len(r.types.labels) == 1 and not r.types.alias:
        # the product is known: a qualifier the store has no word for is narrative ("I've
        # just started running again after having my little one"), not a filter, unless
        # it is what the product comes "with" ("with a phone pocket": ranking words)
        r.uses += [c for mod in r.modifiers if not _with_phrase(mod, low)
                   for c in _unnamed_compounds(mod, vocab)]
        r.modifiers = [m for m in (_with_phrase(mod, low) or _store_words(mod, vocab)
                                   for mod in r.modifiers) if m]
    # "colour walnut": said as the colour, not the wood
    r.materials = [w for w in r.words if vocab.is_material_word(singular(w))
                   and w not in type_words and w not in r.colors]
    if r.question is not None:
        said = tuple(w for w in r.words if len(w) > 2 and w not in type_words
                     and w not in QUESTION_WORDS)[:6]
        r.question = replace(r.question, context=said)
        r.questions = [replace(q, context=said) for q in r.questions]
    if r.words and (_LEAD.search(low) or any(e.get("type") == "product_type"
                                             and is_product_word(str(e["value"]).split()[-1])
                                             for e in entities)):
        r.new_noun = singular(r.words[-1])
    return r
