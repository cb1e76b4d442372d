"""Questions about a product's facts, as a shopper asks them: "is it waterproof?", "how long
are they?", "what's the blade made of?", "how much torque does it have?", "what shades does
it come in?". A question names its kind and the quality or measure asked about; the answer
comes from the product's own data (orchestrator/answers.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agentpay.understanding.entities import is_product_word


@dataclass(frozen=True)
class Question:
    """A question about one product's facts: `kind` is yesno (`phrase` is the quality
    asked about), includes ("does it come with batteries"), measure (`phrase` is long,
    wide, heavy, ...), material, sizes, colors or price."""

    kind: str
    phrase: str = ""
    # the question's other words ("play" in "how long does it take to play?"): a listing
    # sentence with them answers when no attribute does
    context: tuple[str, ...] = ()

_Q_LEAD = (r"^(?:[^?.!,\-–—:]{1,60}\s{0,3}[,\-–—:]\s{0,3})?"  # "the cheapest of those, does it ..."
           r"(?:(?:and|so|but|ok(?:ay)?|hmm|also|oh|um|well)[,\s]{1,3}){0,3}")
_Q_SUBJECT = (r"(?:it|they|this|that|these|those|this\s{1,3}one|that\s{1,3}one|the\s{1,3}"
              r"[a-z]{1,20}(?:\s{1,3}[a-z]{1,20})?\s{1,3}one|the\s{1,3}(?:first|second|third|"
              r"last)\s{1,3}one|the\s{1,3}[a-z]{1,20})")
_Q_IS = re.compile(_Q_LEAD + r"(?:is|are|r)\s{1,3}" + _Q_SUBJECT + r"\s{1,3}(?P<q>[^?.!]{1,80})")
_Q_TAG = re.compile(
    r"\b(?:it'?s|its|they'?re|theyre)\s{1,3}(?:def(?:initely)?\s{1,3}|really\s{1,3}|"
    r"fully\s{1,3}|100%\s{1,3})?(?P<q>[a-z][a-z -]{1,40}?)\s{0,3},?\s{0,3}(?:right|yeah|yes|"
    r"correct|isn'?t\s{1,3}it|aren'?t\s{1,3}they|no)?\s{0,3}\?")
_Q_WHAT = re.compile(
    r"\bwhat(?:'?s|\s{1,3}is|\s{1,3}are)?\s{1,3}(?:the\s{1,3})?(?P<a>[a-z]{2,20})\s{1,3}(?:is|are|"
    r"does|do|on|of|for|in)\s{1,3}(?:the|this|that|it|they|those|these|them|your)\b")
_Q_HOW_MUCH = re.compile(r"\bhow\s{1,3}much\s{1,3}(?P<a>[a-z]{3,20})\s{1,3}(?:does|do|is|can|will|"
                         r"would|are)\b")
QUESTION_WORDS = frozenset({"how", "what", "whats", "which", "does", "take", "much", "long",
                             "many", "one", "ones", "have", "has", "need", "come", "comes"})
_NOT_AN_ATTR = frozenset({"money", "does", "would", "will", "are", "the", "this", "that",
                          "they", "these", "those", "more", "less", "extra", "cash", "longer"})
_Q_DOES = re.compile(_Q_LEAD + r"(?:does|do|will|would|can|could)\s{1,3}" + _Q_SUBJECT
                     + r"\s{1,3}(?P<q>[^?.!]{1,80})")
_Q_MEASURE = re.compile(
    r"\bhow\s{1,3}(?P<d>long|big|tall|wide|high|deep|heavy|large|thick|wide|bright|warm|"
    r"powerful|loud|quiet|many\s{1,3}"
    r"[a-z]{1,20})\s{1,3}(?:is|are|r|does|do)\b|\bhow\s{1,3}much\s{1,3}(?:does|do)\s{1,3}"
    r"(?:it|they|this|that)\s{1,3}(?P<w>weigh|hold)\b|\bwhat(?:'?s|\s{1,3}is|\s{1,3}are)?"
    r"\s{1,3}(?:the\s{1,3})?(?:[a-z]{1,12}\s{1,3})?(?P<n>length|width|height|weight|capacity|"
    r"dimensions?|size)\s{1,3}"
    r"(?:of|on)\b")
_Q_MATERIAL = re.compile(
    r"\b(?:is|are)\s{1,3}(?:it|they|this|that|these|those|the\s{1,3}[a-z]{1,20})\s{1,3}"
    r"upholstered\b|\bupholstered\s{1,3}(?:in|with)\b|\bupholstery\b(?!\s{1,3}(?:bed|chair|sofa|headboard|bench|ottoman))|\b(?:main|key|active)\s{1,3}ingredients?\b|\bingredients?\b|\bwhat\s{1,3}(?:kind\s{1,3}of\s{1,3}|type\s{1,3}of\s{1,3})?"
    r"(?:fabric|steel|wood|metal|leather|plastic|material)\b|\bmade\s{1,3}(?:of|from|out\s{1,3}of|with)\b|\bwhat(?:'s|\s{1,3}is)?\s{1,3}(?:the\s{1,3})?"
    r"(?:material|fabric)\b|\bwhat\s{1,3}(?:material|fabric)\b")
_OPTION_WORDS = r"sizes?|colou?rs?|shades?|colou?rways?|finish(?:es)?|hues?|tones?"
_Q_OPTIONS = re.compile(
    r"\b(?:what|which)\s{1,3}(?:other\s{1,3})?(?P<k>" + _OPTION_WORDS + r")\b|\b(?P<k2>"
    + _OPTION_WORDS + r")\s{1,3}(?:does|do|is|are)\s{1,3}(?:it|they|that|this)\s{1,3}"
    r"(?:come|available|have)\b|\b(?:come|comes)\s{1,3}in\s{1,3}(?:other|different|any"
    r"\s{1,3}other)\s{1,3}(?P<k3>" + _OPTION_WORDS + r")\b")
_Q_PRICE = re.compile(r"\bhow\s{1,3}much\b|\bwhat(?:'s|\s{1,3}is)\s{1,3}the\s{1,3}price\b|"
                      r"\bprice\s{1,3}(?:on|of|for)\b|\bcost\b")
_INCLUDES = re.compile(r"^(?:come|comes|ship|ships)\s{1,3}with\s{1,3}|^(?:include|includes|"
                       r"have|has|got|take|use|need|work\s{1,3}with|fit|fits)\s{1,3}")

def question_of(low: str) -> Question | None:
    m = _Q_WHAT.search(low)  # "what spf is the purelle tinted sunscreen?", "what wattage is it"
    if m and m.group("a") not in ("size", "sizes", "colour", "color", "colours", "colors",
                                  "kind", "type", "time", "day", "price", "one", "else") \
            and not re.fullmatch(_OPTION_WORDS, m.group("a")):
        return Question("attr", m.group("a"))
    m = _Q_HOW_MUCH.search(low)  # "how much torque does the hx-id18 have?"
    if m and m.group("a") not in _NOT_AN_ATTR:
        return Question("attr", m.group("a"))
    m = _Q_OPTIONS.search(low)
    if m:
        k = m.group("k") or m.group("k2") or m.group("k3") or ""
        return Question("sizes" if k.startswith("size") else "colors")
    m = _Q_MEASURE.search(low)
    if m:
        if m.group("d"):
            return Question("measure", m.group("d").split()[0] if not m.group("d").startswith(
                "many") else m.group("d"))
        if m.group("w"):
            return Question("measure", "heavy" if m.group("w") == "weigh" else "hold")
        noun = {"length": "long", "width": "wide", "height": "tall", "weight": "heavy",
                "capacity": "hold", "dimension": "dimensions", "dimensions": "dimensions",
                "size": "dimensions"}
        return Question("measure", noun.get(m.group("n"), m.group("n")))
    if _Q_MATERIAL.search(low):
        return Question("material")
    m = _Q_TAG.search(low)  # "and its def waterproof yeah?", "they're leather, right?"
    if m and not re.match(r"(?:in\s{1,3}stock|available|on\s{1,3}sale|ok|fine|good|great)\b",
                          m.group("q")):
        return Question("yesno", " ".join(m.group("q").split()))
    for rx in (_Q_IS, _Q_DOES):
        m = rx.search(low)
        if m:
            phrase = " ".join(m.group("q").split())
            inc = _INCLUDES.match(phrase)
            if inc:
                return Question("includes", phrase[inc.end():].strip())
            verb = _Q_VERB.search(phrase)
            if rx is _Q_DOES and verb and verb.start() and len(phrase[:verb.start()].split()) <= 5:
                phrase = phrase[verb.start():]  # "can the threadgood slim fit jeans go in ..."
            if rx is _Q_DOES and not re.match(r"(?:have|has|come|work|fit|use|run|take|"
                                              r"need|include|support|hold|go|be|get|handle|"
                                              r"survive|stand|last|switch|turn|shut|fold|"
                                              r"charge|stay|keep|float|stack|lock|adjust|"
                                              r"recline|expand|collapse|glow|connect|pair|"
                                              r"heat|boil|dim|rotate|swivel)\b", phrase):
                return None  # "can you show me", "do they sell" are not about the product
            if re.match(r"(?:in\s{1,3}stock|available|still\s{1,3}available|on\s{1,3}sale)"
                        r"\b", phrase):
                return Question("stock" if "sale" not in phrase else "sale")
            use = re.match(r"(?:any\s{1,3})?(?:good|ok|okay|fine|great|decent)\s{1,3}(?P<f>for"
                           r"\s{1,3}[a-z].{0,60})", phrase)
            if use:  # "is the cheaper one good for hiking?": what its listing says it is for
                return Question("yesno", use.group("f").strip())
            if re.match(r"(?:worth|good|any\s{1,3}good|nice|the\s{1,3}best)\b", phrase):
                return None
            return Question("yesno", _listing_words(_asked_quality(phrase)))
    if _Q_PRICE.search(low):
        return Question("price")
    return None


# a product's behaviour as shoppers describe it -> as listings name it
_PARAPHRASES = (
    (re.compile(r"\b(?:switch|turn|shut)(?:es|s)?\s{1,3}(?:itself\s{1,3}|themselves\s{1,3})?off\s{1,3}"
                r"(?:automatically|by\s{1,3}itself|on\s{1,3}its\s{1,3}own)\b|\bauto(?:matically)?"
                r"\s{0,3}(?:switch|turn|shut)(?:es|s)?\s{0,3}-?off\b"), "auto shut-off"),
    (re.compile(r"\b(?:go|goes)\s{1,3}in\s{1,3}the\s{1,3}(?:wash|washing\s{1,3}machine)\b"),
     "machine washable"),
    (re.compile(r"\b(?:fold|folds)\s{1,3}(?:up|down|flat)\b"), "folding"),
)


_Q_VERB = re.compile(r"\b(?:go|goes|come|comes|fold|folds|work|works|fit|fits|switch|turn|shut|"
                     r"charge|float|stack|lock|recline|connect|pair|heat|boil)\b")


def _listing_words(phrase: str) -> str:
    for rx, said in _PARAPHRASES:
        if rx.search(phrase):
            return said
    return phrase


def _asked_quality(phrase: str) -> str:
    """"velvetine airstyle hair dryer ionic" -> "ionic": the words after the product's
    name, when the question names the product."""
    phrase = re.sub(r"\b(?:on|of|for)\s{1,3}the\s{1,3}(?:[a-z-]{1,20}\s{1,3}){0,4}one\b\s{0,3}", "",
                    phrase).strip() or phrase  # "on the muddy paws den one washable"
    tokens = phrase.split()
    nouns = [i for i, w in enumerate(tokens) if is_product_word(w) and i < len(tokens) - 1]
    return " ".join(tokens[nouns[-1] + 1:]) if nouns else phrase

def questions_of(low: str, first: Question | None) -> list[Question]:
    """Each question of a message that asks several, split at "and", "?" or ",".""" 
    if first is None:
        return []
    found = [first]
    for part in re.split(r"\?|\band\b|,|;", low):
        q = question_of(part.strip())
        if q is not None and all((q.kind, q.phrase) != (f.kind, f.phrase) for f in found) \
                and not (q.kind == "yesno" and any(f.kind == "yesno" for f in found)):
            found.append(q)
    return found[:3]
