"""Entities with character spans, so the decision layer can filter a search and the
reply can quote the shopper back to themselves.

Every entity is a plain dict `{"type", "value", "text", "start", "end"}` with
`text == message[start:end]`; prices and amounts also carry `currency` (ISO 4217).
Numeric entities (`price_min`, `price_max`, `amount`) span the number alone, without
the currency sign or word, so "$150" and "150 dollars" pin the same figure and the
currency lives in its own field. Everything here is compiled once at import.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

Entity = dict[str, Any]


def _phrases(block: str) -> frozenset[str]:
    """Comma-separated phrases, lower-cased (keeps vocabularies readable)."""
    return frozenset(" ".join(p.split()).lower() for p in block.split(",") if p.strip())


def singular(word: str) -> str:
    """Cheap English singular, good enough to look a noun up in a vocabulary."""
    if len(word) <= 3 or not word.endswith("s") or word.endswith("ss"):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "xes", "sses", "zes")):
        return word[:-2]
    if word.endswith("ves") and word[:-3] + "f" in _F_PLURALS:
        return word[:-3] + "f"
    return word[:-1]


_F_PLURALS = frozenset({"shelf", "leaf", "scarf", "loaf", "wolf", "half"})

# --------------------------------------------------------------------------------------
# Vocabularies (the shop's world, written for a general online store)
# --------------------------------------------------------------------------------------

#: Solid colour names; matched longest first so "navy blue" wins over "blue".
COLORS: frozenset[str] = _phrases("""
navy blue, royal blue, sky blue, baby blue, light blue, dark blue, powder blue, cobalt blue,
ice blue, steel blue, midnight blue, electric blue, teal blue, denim blue, slate blue,
light green, dark green, forest green, olive green, lime green, sage green, mint green,
emerald green, hunter green, kelly green, army green, bottle green, sea green,
light grey, light gray, dark grey, dark gray, charcoal grey, charcoal gray, heather grey,
heather gray, slate grey, slate gray, dove grey, dove gray, warm grey, cool grey,
off white, off-white, antique white, bright white, snow white, pure white, winter white,
jet black, matte black, hot pink, light pink, pale pink, dusty pink, blush pink, baby pink,
dusty rose, rose gold, dark red, wine red, cherry red, fire engine red, brick red,
burnt orange, mustard yellow, lemon yellow, pale yellow, golden yellow, dark brown,
light brown, chocolate brown, brushed nickel, oil rubbed bronze, antique brass,
brushed brass, polished chrome, brushed gold, antique gold, natural wood, dark wood,
light wood, multi color, multi colour, multicolor, multicolour, multi-color, multi-colored,
black, white, red, green, blue, yellow, orange, purple, pink, brown, grey, gray, beige,
tan, cream, ivory, navy, teal, turquoise, aqua, cyan, magenta, maroon, burgundy, crimson,
scarlet, coral, salmon, peach, apricot, lavender, lilac, violet, plum, mauve, fuchsia,
indigo, cobalt, azure, khaki, olive, lime, mint, sage, emerald, jade, mustard, gold,
golden, silver, bronze, copper, brass, chrome, nickel, pewter, charcoal, graphite, slate,
taupe, camel, chocolate, espresso, mocha, walnut, mahogany, cherry, oak, rust, terracotta,
blush, rose, ruby, oxblood, champagne, pearl, ecru, oatmeal, eggshell, clear, rainbow,
amber, saffron, seafoam, periwinkle, cerulean, aubergine, chartreuse, sienna, umber,
marigold, tangerine, vermilion, cognac, sepia, onyx, ebony, alabaster
""")

#: Colours that double as ordinary words ("gold card", "clear", "cherry pie"); they count
#: only next to a product noun or a colour word ("gold lamp", "in walnut", "sage color").
_AMBIGUOUS_COLORS = _phrases("""
clear, rose, cherry, oak, walnut, lime, plum, peach, salmon, chocolate, rust, mint, sage,
olive, camel, pearl, gold, golden, silver, copper, brass, chrome, nickel, bronze, pewter,
amber, ruby, jade, emerald, espresso, mocha, champagne, oatmeal, cognac, onyx, ebony,
slate, charcoal, graphite, blush, tan, cream, coral, marigold, tangerine, rainbow, saffron,
natural wood, eggshell, alabaster, orange
""")

#: Things a general store sells (singular). A bare phrase built on one is a search.
PRODUCT_NOUNS: frozenset[str] = _phrases("""
shoe, sneaker, trainer, boot, sandal, slipper, loafer, heel, pump, clog, mule, moccasin,
running shoe, hiking boot, rain boot, snow boot, ankle boot, flip flop, high heel, cleat,
shirt, t-shirt, tshirt, tee, blouse, top, tank top, polo, sweater, jumper, cardigan, hoodie,
sweatshirt, jacket, coat, parka, blazer, vest, raincoat, windbreaker, fleece, poncho,
dress, gown, skirt, jeans, pants, trousers, shorts, leggings, joggers, sweatpants, chinos,
overalls, jumpsuit, romper, suit, tuxedo, onesie, pajamas, pyjamas, nightgown, robe,
bathrobe, underwear, bra, panties, boxers, briefs, lingerie, sock, stocking, tights,
swimsuit, bikini, swim trunks, wetsuit, scarf, hat, cap, beanie, beret, fedora, visor,
glove, mitten, belt, necktie, bow tie, suspenders, handbag, purse, bag, tote, tote bag,
backpack, rucksack, duffel, duffel bag, clutch, wallet, satchel, briefcase, luggage,
suitcase, umbrella, sunglasses, eyeglasses, watch, smartwatch, jewelry, jewellery,
necklace, bracelet, earring, ring, pendant, brooch, anklet, charm, cufflinks, apparel,
clothes, clothing, outfit, costume, uniform, sportswear, activewear, outerwear, footwear,
sofa, couch, sectional, loveseat, futon, chaise, chaise lounge, recliner, armchair, chair,
stool, bench, ottoman, pouf, table, desk, console, console table, sideboard, buffet,
credenza, hutch, cabinet, dresser, chest, nightstand, bookcase, bookshelf, shelf, shelving,
rack, wardrobe, armoire, bed, headboard, footboard, bed frame, mattress, mattress topper,
crib, bassinet, bunk bed, daybed, trundle, vanity, mirror, coffee table, end table,
side table, dining table, kitchen table, dining chair, bar stool, counter stool,
accent chair, office chair, desk chair, gaming chair, rocking chair, lounge chair,
adirondack chair, folding chair, folding table, patio set, patio furniture, furniture,
hammock, swing, porch swing, gazebo, pergola, fire pit, grill, barbecue, smoker, planter,
pot, vase, plant, flower pot, garden hose, lawn mower, trimmer, shed, bird feeder,
bird bath, fountain, rug, area rug, carpet, runner, doormat, mat, curtain, drape, blind,
shade, valance, pillow, cushion, throw pillow, throw, blanket, quilt, comforter, duvet,
duvet cover, sheet, sheet set, bedding, bedspread, coverlet, pillowcase, sham, towel,
washcloth, bath mat, shower curtain, lamp, floor lamp, table lamp, desk lamp, light,
lighting, chandelier, pendant light, sconce, wall sconce, ceiling fan, fan, bulb,
light bulb, lantern, string lights, candle, candle holder, diffuser, clock, wall clock,
wall art, art, art print, print, painting, poster, canvas, frame, picture frame, decor,
wall decor, sculpture, figurine, statue, ornament, wreath, garland, basket, bin, storage,
organizer, hamper, laundry basket, hook, coat rack, hall tree, key holder, shoe rack,
towel bar, towel rack, faucet, sink, toilet, bathtub, tub, shower head, shower,
medicine cabinet, tile, backsplash, cookware, pan, frying pan, skillet, saucepan,
stockpot, dutch oven, wok, bakeware, baking sheet, baking dish, knife, knife set,
cutting board, utensil, spatula, ladle, whisk, colander, dinnerware, dish, plate, bowl,
mug, cup, glass, glassware, wine glass, tumbler, flatware, cutlery, silverware, fork,
spoon, teapot, kettle, coffee maker, espresso machine, blender, mixer, stand mixer,
toaster, toaster oven, microwave, air fryer, slow cooker, pressure cooker, rice cooker,
food processor, juicer, grinder, coffee grinder, refrigerator, fridge, freezer,
dishwasher, oven, stove, range, cooktop, range hood, washer, dryer, washing machine,
vacuum, vacuum cleaner, robot vacuum, mop, broom, iron, steamer, humidifier,
dehumidifier, air purifier, heater, space heater, air conditioner, laptop, notebook,
computer, desktop, monitor, keyboard, mouse, printer, scanner, tablet, ipad, phone,
smartphone, iphone, phone case, charger, cable, adapter, power bank, headphones,
earbuds, earphones, headset, speaker, soundbar, subwoofer, tv, television, projector,
camera, webcam, tripod, drone, router, modem, hard drive, ssd, usb drive, memory card,
game console, controller, video game, smart speaker, doorbell, security camera, toy,
doll, action figure, puzzle, board game, lego, building blocks, stuffed animal, plush,
teddy bear, kite, ball, basketball, football, soccer ball, baseball bat, racket,
tennis racket, golf club, yoga mat, dumbbell, kettlebell, treadmill, exercise bike,
bike, bicycle, helmet, skateboard, scooter, tent, sleeping bag, cooler, water bottle,
thermos, stroller, car seat, high chair, diaper, baby monitor, playpen, pacifier,
dog bed, cat tree, litter box, leash, collar, pet bed, aquarium, bird cage, pet food,
dog food, cat food, shampoo, conditioner, soap, body wash, lotion, moisturizer,
sunscreen, perfume, cologne, makeup, lipstick, mascara, nail polish, hair dryer,
straightener, curling iron, razor, toothbrush, journal, planner, pen, pencil, marker,
stationery, envelope, binder, lunch box, drill, screwdriver, hammer, wrench, saw,
toolbox, tool set, ladder, guitar, piano, ukulele, violin, drum, microphone, novel,
crate, trunk, wheelbarrow, massage chair, salon chair, barber chair, wallpaper, paint,
loft bed, canopy, canopy bed, trellis, fence, gate, mailbox, house number, storage bench,
storage cabinet, storage box, jewelry box, file cabinet, filing cabinet, bar cart,
wine rack, bar, kitchen island, island, pantry, bath towel, bath rug, floor mirror,
wall mirror, vanity mirror, wall shelf, floating shelf, tv stand, media console,
entertainment center, plant stand, room divider, screen, headrest, footrest, step stool,
cushion cover, pillow cover, tablecloth, placemat, napkin, coaster, tray, serving tray,
cake stand, canister, jar, spice rack, dish rack, trash can, garbage can, recycling bin,
hanger, clothes hanger, laundry hamper, ironing board, sewing machine, light fixture,
flush mount, vanity light, track lighting, outdoor lighting, solar light, floodlight,
nightlight, night light, led strip, lampshade, lamp shade, sectional sofa, sleeper sofa,
sofa bed, chesterfield, settee, glider, swivel chair, club chair, wingback chair,
slipcover, bean bag, beanbag, kids table, play table, toy box, toy chest, dollhouse,
play kitchen, rocking horse, changing table, baby gate, nursery, mobile, bookend,
magazine rack, umbrella stand, shoe cabinet, shoe storage, coat hook, wall hook,
key rack, towel hook, robe hook, soap dispenser, toothbrush holder, toilet paper holder,
shower caddy, bath caddy, shower mat, grab bar, shower curtain rod, curtain rod,
drapery rod, blackout curtains, sheer curtains, roman shade, roller shade, shutter,
awning, umbrella base, patio umbrella, outdoor rug, outdoor cushion, outdoor pillow,
deck box, potting bench, raised bed, compost bin, rain barrel, garden tool, shovel, rake,
hose reel, sprinkler, weed trimmer, leaf blower, snow blower, pressure washer, generator,
safe, lockbox, smoke detector, lock, door lock, door handle, knob, cabinet knob,
drawer pull, hinge, doorknob, door, window, vent, radiator, fireplace, fireplace screen,
wood stove, log holder, firewood rack, cat bed, cat scratcher, dog crate, dog house,
kennel, pet gate, pet bowl, bird house, birdhouse, fish tank, terrarium, headphone,
keychain, key ring, lanyard, tie clip, hair clip, headband, scrunchie, hair tie, wig,
countertop, wall hanging, tapestry, macrame, scratching post, pet stairs, dog stairs,
artificial plant, faux plant, stems, artificial flowers, flowers, christmas tree, tree,
decorations, decoration, pool float, float, inflatable, hot tub, sauna, trampoline,
playhouse, swing set, slide, sandbox, bistro set, bistro table, pub table, accent table,
nesting tables, tray table, tv tray, bean bag chair, papasan chair, egg chair,
kitchen cart, rolling cart, utility cart, serving cart, microwave cart, golf cart,
bar cart, tea cart, laundry cart, cart organizer, vanity stool, makeup vanity,
jewelry armoire, hope chest, blanket ladder, blanket basket, magazine holder, cabinet door,
backsplash tile, floor tile, vinyl flooring, laminate flooring, carpet tile, ceiling light,
wall light, picture light, lamp post, post light, garden statue, gnome, wind chime,
outdoor clock, thermometer, weather station, sconces, pendant lights, chandeliers,
sink faucet, shower system, toilet seat, towel warmer, bath accessories, soap dish,
vanity top, mirror cabinet, wall decal, mural, clock radio, alarm clock, wall calendar,
doormats, welcome mat, kitchen mat, anti fatigue mat, stair treads, runner rug,
bath towel set, hand towel, kitchen towel, dish towel, oven mitt, apron, pot holder,
spice jar, food storage, container, lunch bag, water pitcher, carafe, decanter,
ice bucket, wine glasses, champagne flutes, beer glasses, serving bowl, platter,
charger plate, gravy boat, butter dish, salt and pepper shakers, napkin rings,
table runner, centerpiece, candelabra, lantern, hurricane, terrarium, bookends
""")

#: Size words that stand on their own ("in medium", "a large").
SIZE_WORDS: frozenset[str] = _phrases("""
extra small, x-small, xsmall, small, medium, large, extra large, x-large, xlarge,
xx-large, xxl, xxxl, xl, xs, xxs, 2xl, 3xl, 4xl, 5xl, petite, plus size, one size,
big and tall, king size, queen size, twin size, full size, california king, cal king,
twin xl, king, queen, twin, full, double, single, toddler, youth, infant, newborn
""")

_BED_SIZES = frozenset({"king", "queen", "twin", "full", "double", "single", "california king",
                        "cal king", "twin xl"})
_BED_NOUNS = ("bed", "beds", "mattress", "mattresses", "sheet", "sheets", "comforter",
              "comforters", "duvet", "duvets", "headboard", "headboards", "frame", "frames",
              "quilt", "quilts", "bedding", "set", "sets", "bedspread", "topper", "size",
              "sized", "pillow", "pillows", "blanket", "blankets", "coverlet")

# --------------------------------------------------------------------------------------
# Money
# --------------------------------------------------------------------------------------

_CURRENCY_SYMBOL = {"$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR"}
_CURRENCY_WORD = {
    "dollar": "USD", "dollars": "USD", "bucks": "USD", "buck": "USD", "usd": "USD",
    "us dollars": "USD", "euro": "EUR", "euros": "EUR", "eur": "EUR",
    "pound": "GBP", "pounds": "GBP", "quid": "GBP", "gbp": "GBP",
    "yen": "JPY", "jpy": "JPY", "cad": "CAD", "canadian dollars": "CAD", "aud": "AUD",
    "australian dollars": "AUD", "rupees": "INR", "inr": "INR", "francs": "CHF",
    "chf": "CHF", "pesos": "MXN", "mxn": "MXN",
}
# A number, read in linear time whatever the digits around it:
# - atomic: once read it is never re-read shorter. Nothing that may follow one (k, a
#   currency, "-", "or less") starts with a digit, a comma or a dot, so a shorter reading
#   could never match where the whole one failed; retrying every length is what made
#   "$" + 4,000 digits take 13 s;
# - never started right after a digit, and never as a thousands group inside a run of
#   them ("1,000,000": not at "000"): from there it would read to the same end as from the
#   run's start, so each of 4,000 starts read the rest of the run, quadratic. Only a
#   malformed number reads differently: "1,2345 dollars" was "1,234" and then an amount
#   of 5, and is now no amount at all.
_NUM = r"(?<!\d)(?>(?<!\d,)\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
# Led by a class of their first letters: the engine then tries the alternatives only after
# a letter that can start one, not at every number (most numbers have no currency word).
_CUR_WORDS = "(?=[" + "".join(sorted({w[0] for w in _CURRENCY_WORD})) + "])(?:" + "|".join(
    sorted((re.escape(w) for w in _CURRENCY_WORD), key=len, reverse=True)) + ")"
# One money mention; named groups keep the number's own span.
_MONEY = (
    rf"(?:(?P<{{p}}sym>[$€£¥₹])\s?(?P<{{p}}num>{_NUM})(?P<{{p}}k>k\b)?"
    rf"(?:\s?(?P<{{p}}word>{_CUR_WORDS})\b)?"
    rf"|(?P<{{p}}bnum>{_NUM})(?P<{{p}}bk>k\b)?"
    rf"(?:\s?(?P<{{p}}bsym>[$€£¥₹])|\s?(?P<{{p}}bword>{_CUR_WORDS})\b)?)"
)


def _money(prefix: str) -> str:
    return _MONEY.replace("{p}", prefix)


_A = _money("a_")
_B = _money("b_")


def _led_by(first: str, pattern: str) -> str:
    """`pattern` behind a class of the characters a match can start with. The engine tries
    a pattern at every position; this turns most away with one test instead of a walk
    through the alternatives (a tenth of the time on "1$1$1$…", the same matches)."""
    return f"(?=[{first}])(?:{pattern})"


_MONEY_FIRST = r"$€£¥₹\d"
_RANGE_BETWEEN = re.compile(_led_by(
    "bf", rf"\b(?:between|from)\s+{_A}\s*(?:and|to|-|–|&)\s*{_B}"), re.IGNORECASE)
_RANGE_DASH = re.compile(_led_by(_MONEY_FIRST, rf"(?<![\w.]){_A}\s*(?:-|–|to)\s*{_B}"),
                         re.IGNORECASE)
_MAX = re.compile(_led_by(
    "ublcnamwsdr<",
    # "I would prefer not to spend more than $150", "won't pay over 80": a negated floor
    r"\b(?:(?:not|never|don'?t|won'?t|wouldn'?t|rather\s+not)\s+(?:[a-z]{1,12}\s+){0,3}?"
    r"(?:spend|pay|go|cost|exceed)(?:ing)?\s+(?:any\s+)?(?:more\s+than|over|above|beyond)|"
    r"under|below|beneath|less\s+than|lower\s+than|cheaper\s+than|no\s+more\s+than|"
    r"not\s+more\s+than|no\s+higher\s+than|not\s+over|at\s+most|max(?:imum)?(?:\s+of)?|"
    r"up\s+to|within|budget(?:\s+is|\s+of)?(?:\s+(?:like|about|around|roughly))?|"
    r"spend(?:ing)?(?:\s+up\s+to)?|"
    r"don'?t\s+want\s+to\s+spend\s+more\s+than|"
    r"(?:(?:does|do|will|should|must|may)\s+not|doesn'?t|don'?t|won'?t|can'?t|cannot|mustn'?t)"
    r"\s+exceed|not\s+exceeding|<)\s*" + _A), re.IGNORECASE)
_MAX_AFTER = re.compile(_led_by(
    _MONEY_FIRST, rf"{_A}\s*(?:or\s+less|or\s+under|max\b|maximum\b|tops\b|or\s+below)"),
    re.IGNORECASE)
_MIN = re.compile(_led_by(
    "oamghsu>",
    r"\b(?:over|above|more\s+than|greater\s+than|higher\s+than|at\s+least|min(?:imum)?"
    r"(?:\s+of)?|starting\s+(?:at|from)|upwards\s+of|>)\s*" + _A), re.IGNORECASE)
_MIN_AFTER = re.compile(_led_by(
    _MONEY_FIRST, rf"{_A}\s*(?:or\s+more|or\s+above|and\s+up\b|\+)"), re.IGNORECASE)
_AROUND = re.compile(_led_by(
    "arcnibs~",
    r"\b(?:around|about|approximately|approx\.?|roughly|circa|near|close\s+to|"
    r"in\s+the\s+region\s+of|ballpark(?:\s+of)?|something\s+like)\s*" + _A + r"|~\s*" + _A
    .replace("a_", "c_")), re.IGNORECASE)
_OFFER = re.compile(_led_by(
    "cwhim",
    r"\b(?:can|could|would|will)\s+(?:you|u|ya)\s+(?:do|take|accept|go(?:\s+down)?\s+to|"
    r"make\s+it|let\s+(?:it|me\s+have\s+it)\s+go\s+for|sell\s+(?:it|them)\s+for)\s+" + _A
    + r"|\b(?:how|what)\s+about\s+" + _A.replace("a_", "c_")
    + r"|\b(?:i(?:'ll|\s+will)\s+(?:pay|give\s+you|offer)|my\s+offer\s+is|i\s+offer)\s+"
    + _A.replace("a_", "d_")), re.IGNORECASE)
_ANY_MONEY = re.compile(_led_by(_MONEY_FIRST, _A), re.IGNORECASE)

#: "around 200" becomes 160..240: a shopper's "around" is a fifth either way.
AROUND_TOLERANCE = 0.20

# --------------------------------------------------------------------------------------
# Order ids, quantities, sizes, references
# --------------------------------------------------------------------------------------

_ORDER_ID = re.compile(_led_by(
    "op#\\d",
    r"\b(?:order|purchase|ord|purchas\w*|orders)\s*+(?:number|num|no\.?|id|#)?\s*+[:#]?\s*+"
    r"(?P<a>[A-Z]{0,4}-?\d[\dA-Z-]{3,})\b"
    r"|#(?P<b>[A-Z]{1,4}-?\d{3,}|\d{6,})\b"
    r"|(?<![\w$€£.,#])(?P<c>\d{6,})(?![\w.,])"), re.IGNORECASE)
_INVOICE_BEFORE = re.compile(r"(?:invoice|bill|receipt|invoices|bills)\s*(?:number|no\.?|#)?\s*$",
                             re.IGNORECASE)

_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "a couple of": 2,
    "a couple": 2, "couple of": 2, "a pair of": 2, "a dozen": 12, "half a dozen": 6,
    "a few": 3, "dozen": 12, "a pair": 2, "both": 2, "twenty": 20, "fifteen": 15, "thirty": 30,
}
_QTY_NUM = (r"(?P<n>half\s+a\s+dozen|a\s+dozen|a\s+couple(?:\s+of)?|couple\s+of|a\s+pair\s+of|"
            r"\d{1,3}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
            r"fifteen|twenty|thirty|dozen)")
_QTY_UNITS = (r"pairs?|pieces?|pcs|packs?|sets?|units?|items?|boxes|box|bottles?|rolls?|"
              r"cases?|bundles?|copies|more")
# Every alternative starts a word, so the lookbehind turns away the positions inside one
# before the engine tries each alternative there (the same matches, a third of the time).
_QUANTITY = re.compile(
    rf"(?<!\w)(?<!\d,)(?<!\d\.)"
    rf"(?:\b{_QTY_NUM}\s+(?:of\s+(?:those|these|them|it|the\b|each|your\b)|(?:{_QTY_UNITS})\b)"
    rf"|\b(?P<z>half\s+a\s+dozen|a\s+dozen|a\s+couple|a\s+pair)(?=\s*(?:$|[.,!?]|please\b|more\b))"
    rf"|\b{_QTY_NUM.replace('<n>', '<m>')}\s+(?P<noun>[a-z][a-z-]+)"
    rf"|\b(?:add|take|get|want|need|order|buy|like|grab|give\s+me|i'?ll\s+have|put|throw|"
    rf"pop|stick|toss)\s+"
    rf"{_QTY_NUM.replace('<n>', '<o>')}(?=\s*(?:$|[.,!?]|please|to\b|of\b|more\b|in\b|x\b))"
    rf"|\b(?:qty|quantity)\s*+[:=]?\s*+(?P<q>\d{{1,3}})\b"
    rf"|\b(?P<x>\d{{1,2}})\s?x\b(?!\s?\d)|\bx\s?(?P<y>\d{{1,2}})\b(?!\s?\d))", re.IGNORECASE)
_NOT_QTY_NOUN = frozenset({
    "dollars", "dollar", "bucks", "euros", "euro", "pounds", "pound", "quid", "percent",
    "inch", "inches", "in", "ft", "feet", "foot", "cm", "mm", "m", "oz", "ounce", "ounces",
    "lb", "lbs", "kg", "g", "ml", "l", "liter", "liters", "litre", "litres", "gallon",
    "gallons", "year", "years", "day", "days", "week", "weeks", "month", "months", "hour",
    "hours", "minute", "minutes", "seconds", "of", "or", "and", "to", "is", "are", "was",
    "star", "stars", "seater", "person", "people", "times", "am", "pm", "point", "watt",
    "watts", "volt", "gb", "tb", "mah", "one", "ones", "size", "for", "with", "at",
})

# "put 12 in the cart": "in" before an article or a possessive is the preposition
_IN_UNIT = r"in\.?(?!\s{1,3}(?:the|my|your|our|a|an|his|her|their)\b)"
_MEASURE_UNIT = (_IN_UNIT + r"|inch(?:es)?|\"|''|ft\.?|feet|foot|cm|mm|meters?|metres?|oz|ounces?|"
                 r"fl\.?\s?oz|ml|liters?|litres?|gallons?|gal|qt|quarts?|lbs?|kg|tb|gb|mah|"
                 r"watts?|w|volts?|v|seater|piece|pc|cup|quart|person|qt\.")
# Each alternative starts a word (or, for "-xl", a dash), hence the same guard as above.
_SIZE = re.compile(
    r"(?:(?<!\w)|(?=-))"
    r"(?:\bsize\s*(?P<s>\d{1,2}(?:\.\d)?|x{0,3}[sml]\b|\d?x{1,3}l\b|xx?s\b|small|medium|large|"
    r"extra\s+large|extra\s+small|king|queen|twin|full|petite|plus)"
    r"|(?<![\w.$€£])(?P<d>\d+(?:\.\d+)?\s?(?:x|×|by)\s?\d+(?:\.\d+)?(?:\s?(?:x|×|by)\s?"
    r"\d+(?:\.\d+)?)?(?:\s?(?:in\b\.?|inch(?:es)?|\"|ft\b|feet|cm|mm|'))?)"
    rf"|(?<![\w.$€£/])(?P<m>(?:\d+\s)?\d+/\d+|\d+(?:\.\d+)?)[\s-]?(?:{_MEASURE_UNIT})(?![\w])"
    r"|\b(?P<w>(?:california|cal)\s+king|twin\s+xl|king|queen|twin|full|double|single)"
    r"(?:[\s-]size(?:d)?\b|(?=\s+(?:" + "|".join(_BED_NOUNS) + r")\b))"
    r"|\b(?P<l>(?:x{1,3}|\d)?-?(?:xl|xs)|xxs|x-small|x-large|xx-large|extra\s+small|"
    r"extra\s+large|small|medium|large|petite|plus\s+size|one\s+size|big\s+and\s+tall)\b"
    r"|(?<![\w])(?P<u>XXL|XL|XS|S|M|L)(?![\w'])"
    r"|\b(?:in\s+(?:a\s+)?|a\s+size\s+)(?P<h>\d{1,2}(?:\.5)?)(?![\w.$%])"
    r"|(?<![\w.$€£])(?P<half>\d{1,2}\.5)(?![\w.]))", re.IGNORECASE)

_ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6,
    "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10, "1st": 1, "2nd": 2, "3rd": 3,
    "4th": 4, "5th": 5, "6th": 6, "7th": 7, "8th": 8, "9th": 9, "10th": 10,
    "last": -1, "final": -1, "latter": -1, "former": 1, "second to last": -2,
    "second-to-last": -2, "next to last": -2, "penultimate": -2, "top": 1,
}
_ORD = ("second[- ]to[- ]last|next[- ]to[- ]last|penultimate|first|second|third|fourth|fifth|"
        "sixth|seventh|eighth|ninth|tenth|1st|2nd|3rd|4th|5th|6th|7th|8th|9th|10th|last|"
        "final|latter|former|top")
_REF_HEAD = (r"ones?|options?|items?|products?|choices?|picks?|models?|results?|links?|"
             r"suggestions?|pairs?|versions?|listings?|styles?|designs?")
_ORDINAL_REF = re.compile(_led_by(
    "".join(sorted({w[0] for w in _ORDINALS} | set("tnoic#"))),
    rf"\b(?:the\s+)(?P<o>{_ORD})(?:\s+(?:\w+\s+)?(?P<h>{_REF_HEAD}))?\b(?!\s+(?:time|week|"
    r"month|year|day|night|order|purchase|name|step|thing|of\s+(?:all|the\s+month)))"
    rf"|\b(?P<o2>{_ORD})\s+(?P<h2>{_REF_HEAD})\b"
    r"|\b(?:number|option|item|choice|no\.?|#)\s?(?P<n>[1-9])\b(?!\d)"), re.IGNORECASE)
_DESCRIBED_REF = re.compile(_led_by(
    "t", rf"\bthe\s+(?P<d>(?!(?:{_ORD}|other|same|only|right|wrong)\b)[a-z][a-z-]+"
    r"(?:\s+[a-z][a-z-]+)?)\s+ones?\b"), re.IGNORECASE)
_DEICTIC_REF = re.compile(_led_by(
    "ti", r"\b(?P<t>that\s+one|this\s+one|these\s+ones|those\s+ones|the\s+one|those|these|"
    r"them|it|this|that)\b(?P<after>\s*[\w']*)"), re.IGNORECASE)
#: "that" and "this" point at a product only before these (else "that is", "this week").
_DEICTIC_NEXT_OK = frozenset({"", "one", "ones", "item", "product", "model", "style",
                              "color", "colour", "size", "version", "please", "too", "instead",
                              "for", "in", "to", "into", "from", "out", "off", "cost",
                              "costs", "come", "comes", "waterproof", "available"})
_IT_BAD_NEXT = frozenset({"take", "takes", "going", "possible", "okay", "ok", "seems", "mean",
                          "means", "rains", "raining", "worth", "was", "does"})

_PRODUCT_FILLER = frozenset(["i", "im", "i'm", "me", "my", "we", "us", "our", "you", "your", "u", "ya", "a", "an", "the", "some", "any", "this", "that", "these", "those", "it", "them", "please", "pls", "plz", "need", "want", "wanted", "would", "like", "looking", "look", "for", "find", "show", "get", "buy", "got", "have", "has", "do", "does", "did", "can", "could", "should", "will", "shall", "may", "might", "must", "am", "is", "are", "was", "were", "be", "been", "being", "to", "of", "in", "on", "at", "with", "without", "by", "from", "under", "below", "over", "above", "between", "around", "about", "and", "or", "but", "so", "just", "really", "very", "also", "too", "still", "any", "anything", "something", "some", "someone", "thing", "things", "stuff", "item", "items", "product", "products", "one", "ones", "hi", "hello", "hey", "there", "thanks", "thank", "ok", "okay", "yes", "no", "not", "dont", "don't", "cant", "can't", "what", "which", "where", "when", "how", "why", "who", "good", "nice", "great", "new", "cheap", "cheaper", "cheapest", "best", "better", "affordable", "budget", "price", "priced", "dollars", "dollar", "bucks", "euros", "euro", "pounds", "quid", "usd", "eur", "gbp", "less", "than", "more", "cost", "costs", "size", "sized", "color", "colour", "colored", "coloured", "in-stock", "available", "shop", "shopping", "store", "search", "searching", "browse", "browsing", "order", "ordering", "purchase", "purchasing", "sell", "selling", "carry", "maybe", "kind", "sort", "type", "types", "like", "style", "around", "approximately", "roughly", "max", "maximum", "min", "minimum", "least", "most", "up", "down", "go", "recommend", "suggest", "suggestion", "recommendation", "idea", "ideas", "option", "options", "help", "me", "mine", "myself", "got", "gotta", "wanna", "gonna", "let's", "lets", "see", "view", "check", "tell", "know", "i'd", "i'll", "i've", "it's", "that's", "what's", "there's", "let's", "much", "many", "pair", "pairs", "piece", "pieces", "set", "sets", "pack", "packs", "unit", "units", "dozen", "couple", "few", "several", "each", "cart", "basket", "checkout", "add", "remove", "take", "put", "drop", "delete", "status", "track", "invoice", "refund", "refunds", "return", "returns", "exchange", "delivery", "shipping", "ship", "order's", "pay", "payment", "waterproof", "washable", "durable", "comfortable", "soft", "big", "small", "large", "medium", "tall", "wide", "long", "short"])

_TOKEN = re.compile(r"[A-Za-z][A-Za-z'-]*|\d+(?:[.,]\d+)*")


def _num(text: str, k: str | None = None) -> float:
    value = float(text.replace(",", ""))
    return value * 1000 if k else value


def _currency_of(m: re.Match, p: str, default: str) -> str | None:
    """The ISO code written next to a number, or None when the number is bare."""
    sym, bsym, word, bword = m.group(f"{p}sym", f"{p}bsym", f"{p}word", f"{p}bword")
    sym = sym or bsym
    if sym:
        return _CURRENCY_SYMBOL[sym]
    word = word or bword
    if word:
        return _CURRENCY_WORD[re.sub(r"\s+", " ", word.lower())]
    return None


# No price is above a quadrillion: "under $999…9" (hundreds of nines) would even be
# infinity, which neither jsonb nor a price filter can hold, so it is no price at all.
MAX_PRICE = 1e15


def _number_span(m: re.Match, p: str) -> tuple[int, int, float] | None:
    for key, kkey in ((f"{p}num", f"{p}k"), (f"{p}bnum", f"{p}bk")):
        if m.group(key) is not None:
            value = _num(m.group(key), m.group(kkey))
            return (m.start(key), m.end(key), value) if value <= MAX_PRICE else None
    return None


class _Spans:
    """Character ranges already claimed, so one phrase yields one entity.

    Kept as the set of claimed character positions, so a check costs the span's length,
    not the number of spans: "#1#1#1…" claims 2,000 references, and comparing each new
    span with every earlier one took a third of a second.
    """

    def __init__(self) -> None:
        self.taken: list[tuple[int, int]] = []
        self._chars: set[int] = set()
        self._points: list[int] = []  # empty spans (no pattern here yields one)

    def free(self, start: int, end: int) -> bool:
        if start >= end:
            return all(end <= s or start >= e for s, e in self.taken)
        return self._chars.isdisjoint(range(start, end)) and not (
            self._points and any(start < p < end for p in self._points))

    def take(self, start: int, end: int) -> None:
        self.taken.append((start, end))
        if start >= end:
            self._points.append(start)
        self._chars.update(range(start, end))


def _ent(kind: str, value: Any, text: str, start: int, end: int, **extra: Any) -> Entity:
    e: Entity = {"type": kind, "value": value, "text": text[start:end], "start": start, "end": end}
    e.update(extra)
    return e


# --------------------------------------------------------------------------------------
# Extractors
# --------------------------------------------------------------------------------------

def _small_number(m: re.Match) -> bool:
    """A number too small to be a budget said without a currency ("2 max")."""
    span = _number_span(m, "a_")
    return span is None or span[2] < 10


def extract_prices(text: str, default_currency: str = "USD",
                   claimed: _Spans | None = None) -> list[Entity]:
    """Price bounds and offered amounts.

    "around 200" widens to price_min 160 / price_max 240 (±20%,
    `AROUND_TOLERANCE`): shoppers rounding a budget mean "roughly", not "exactly".
    An unqualified money mention ("refund 1499 dollars", "can you do $90?") is an
    `amount`. A bare number counts only after a price word ("under 150").
    """
    claimed = claimed or _Spans()
    out: list[Entity] = []

    def add_range(m: re.Match, kinds: tuple[str, ...], prefixes: tuple[str, ...],
                  need_currency: bool = False) -> None:
        currencies = [_currency_of(m, p, default_currency) for p in prefixes]
        if need_currency and not any(currencies):  # "1-2", the cheap test first
            return
        spans = [_number_span(m, p) for p in prefixes]
        if any(s is None for s in spans):
            return
        if not all(claimed.free(s[0], s[1]) for s in spans):  # type: ignore[index]
            return
        currency = next((c for c in currencies if c), default_currency)
        for kind, (s, e, v) in zip(kinds, spans):  # type: ignore[misc]
            out.append(_ent(kind, v, text, s, e, currency=currency))
            claimed.take(s, e)

    for m in _RANGE_BETWEEN.finditer(text):
        add_range(m, ("price_min", "price_max"), ("a_", "b_"))
    for m in _RANGE_DASH.finditer(text):
        add_range(m, ("price_min", "price_max"), ("a_", "b_"), need_currency=True)
    for m in _AROUND.finditer(text):
        p = "a_" if m.group("a_num") or m.group("a_bnum") else "c_"
        span = _number_span(m, p)
        if span and claimed.free(span[0], span[1]):
            s, e, v = span
            cur = _currency_of(m, p, default_currency) or default_currency
            out.append(_ent("price_min", round(v * (1 - AROUND_TOLERANCE), 2), text, s, e,
                            currency=cur, approximate=True))
            out.append(_ent("price_max", round(v * (1 + AROUND_TOLERANCE), 2), text, s, e,
                            currency=cur, approximate=True))
            claimed.take(s, e)
    for rx, kind in ((_MAX, "price_max"), (_MAX_AFTER, "price_max"), (_MIN, "price_min"),
                     (_MIN_AFTER, "price_min")):
        for m in rx.finditer(text):
            span = _number_span(m, "a_")
            if not span or not claimed.free(span[0], span[1]):
                continue
            cur = _currency_of(m, "a_", default_currency)
            if cur is None and (rx is _MIN_AFTER or (rx is _MAX_AFTER and _small_number(m))):
                continue  # "150 tops", "80 max" say a budget by themselves; "2 or more" not
            # "under 5 minutes", "over 2 years": a unit after the number is not a price.
            tail = text[span[1]:span[1] + 12].lower()
            if cur is None and re.match(r"\s*(?:%|percent|[a-z]+)", tail) and not re.match(
                    r"\s*(?:k\b|for\b|or\b|and\b|please|on\b|total|each|per\b|tops\b|max\b|"
                    r"maximum\b|at\s+most|ish\b)", tail):
                continue
            s, e, v = span
            out.append(_ent(kind, v, text, s, e, currency=cur or default_currency))
            claimed.take(s, e)
    for m in _OFFER.finditer(text):
        for p in ("a_", "c_", "d_"):
            span = _number_span(m, p) if (m.group(f"{p}num") or m.group(f"{p}bnum")) else None
            if span and claimed.free(span[0], span[1]):
                tail = text[span[1]:span[1] + 10].lower()
                if _currency_of(m, p, default_currency) is None and re.match(
                        r"\s*(?:%|percent|off\b|days?\b|items?\b)", tail):
                    continue
                s, e, v = span
                out.append(_ent("amount", v, text, s, e,
                                currency=_currency_of(m, p, default_currency) or default_currency))
                claimed.take(s, e)
    for m in _ANY_MONEY.finditer(text):
        cur = _currency_of(m, "a_", default_currency)
        if cur is None:  # a bare number, the common case: not worth reading
            continue
        span = _number_span(m, "a_")
        if span is None or not claimed.free(span[0], span[1]):
            continue
        s, e, v = span
        out.append(_ent("amount", v, text, s, e, currency=cur))
        claimed.take(s, e)
    return out


def extract_order_ids(text: str, claimed: _Spans | None = None) -> list[Entity]:
    """Order numbers: "order 1135426", "#A1234", any run of 6+ digits; not invoice ids."""
    claimed = claimed or _Spans()
    out = []
    for m in _ORDER_ID.finditer(text):
        key = "a" if m.group("a") else "b" if m.group("b") else "c"
        s, e = m.start(key), m.end(key)
        if not claimed.free(s, e):
            continue
        if key != "a" and _INVOICE_BEFORE.search(text[max(0, m.start() - 16):m.start()]):
            continue
        if key == "a" and not any(c.isdigit() for c in m.group(key)):
            continue
        out.append(_ent("order_id", text[s:e].lstrip("#").upper(), text, s, e))
        claimed.take(s, e)
    return out


_NEGATIVE = re.compile(r"(?:(?<![\w-])-|\bminus\s)\s?\Z", re.IGNORECASE)


def extract_quantities(text: str, claimed: _Spans | None = None) -> list[Entity]:
    claimed = claimed or _Spans()
    out = []
    for m in _QUANTITY.finditer(text):
        key = next(k for k in ("n", "m", "o", "z", "q", "x", "y") if m.group(k))
        if key == "m":
            noun = m.group("noun").lower()
            if noun in _NOT_QTY_NOUN or not (singular(noun) in PRODUCT_NOUNS
                                             or noun in PRODUCT_NOUNS):
                continue
        s, e = m.start(key), m.end(key)
        if not claimed.free(s, e):
            continue
        raw = re.sub(r"\s+", " ", m.group(key).lower())
        value = int(raw) if raw.isdigit() else _NUMBER_WORDS.get(raw)
        if not value:
            continue
        if _NEGATIVE.search(text[max(0, s - 8):s]):
            value = -value  # "add -5 of them": a count below one, refused later
        out.append(_ent("quantity", value, text, s, e))
        claimed.take(s, e)
    return out


def _colour_after(text: str, end: int) -> bool:
    """A colour or a letter size next: "add 2 in black", "cheapest 1 in L"."""
    at = end + len(text[end:]) - len(text[end:].lstrip())
    return bool(_COLOR_RX.match(text, at) or _SIZE_WORD_AFTER.match(text, at))


_SIZE_WORD_AFTER = re.compile(r"(?:XXL|XL|XS|S|M|L|small|medium|large|extra\s+large)\b",
                              re.IGNORECASE)


def extract_sizes(text: str, claimed: _Spans | None = None) -> list[Entity]:
    claimed = claimed or _Spans()
    out = []
    for m in _SIZE.finditer(text):
        key = next(k for k in ("s", "d", "m", "w", "l", "u", "h", "half") if m.group(k))
        if key in ("s", "m", "w"):
            s, e = m.start(), m.end()
        else:
            s, e = m.start(key), m.end(key)
        if not claimed.free(s, e):
            continue
        value = re.sub(r"\s+", " ", text[s:e].strip())
        if key == "m" and re.search(r"\bin\.?$", value, re.IGNORECASE) and \
                _colour_after(text, e):
            continue  # "add 2 in black": the preposition before a colour
        if key == "u":
            if not m.group("u").isupper():
                continue
            # single capitals only after "in"/"a"/"size" ("in M"), never "I" or initials
            if len(value) == 1 and not re.search(r"(?:\bin|\ba|\bsize|\ban)\s+$",
                                                 text[max(0, s - 8):s], re.IGNORECASE):
                continue
        if key == "s":
            value = m.group("s")
        elif key == "w":
            value = re.sub(r"[\s-]size(?:d)?$", "", value.lower())
        out.append(_ent("size", value.lower() if key not in ("u",) else value.upper(),
                        text, s, e))
        claimed.take(s, e)
    return out


_COLOR_RX = re.compile(_led_by(
    "".join(sorted({c[0] for c in COLORS})),
    r"\b(?:" + "|".join(re.escape(c).replace(r"\ ", r"[\s-]+").replace(r"\-", r"[\s-]?")
                        for c in sorted(COLORS, key=len, reverse=True)) + r")\b"), re.IGNORECASE)
# Used at a colour's end, after a letter; the lookbehind keeps a scan of 4,000 spaces linear.
_NEXT_WORD = re.compile(r"(?<!\s)\s*+([A-Za-z'-]+)(?:\s++([A-Za-z'-]+))?")


def is_product_word(word: str) -> bool:
    """A noun of things general stores sell ("lamp", "boots"), in any number."""
    return _is_product_word(word)


def _is_product_word(word: str) -> bool:
    w = word.lower()
    return w in PRODUCT_NOUNS or singular(w) in PRODUCT_NOUNS


def extract_colors(text: str, claimed: _Spans | None = None) -> list[Entity]:
    claimed = claimed or _Spans()
    out = []
    for m in _COLOR_RX.finditer(text):
        s, e = m.span()
        if not claimed.free(s, e):
            continue
        value = re.sub(r"[\s-]+", " ", m.group().lower())
        if value in _AMBIGUOUS_COLORS:
            nxt = _NEXT_WORD.match(text, e)
            before = text[max(0, s - 12):s].lower()
            after = text[e:e + 14].lower()
            ok = (nxt is not None and (_is_product_word(nxt.group(1))
                                       or (nxt.group(2) and _is_product_word(nxt.group(2)))))
            ok = ok or bool(re.search(r"\b(?:in|the)\s+$", before)) and not nxt
            ok = ok or bool(_COLOR_CONTEXT.match(after.strip())) or bool(
                re.match(r"\s*(?:or|and|/)\s*(?:" + _COLOR_RX.pattern + ")", after, re.IGNORECASE))
            ok = ok or bool(re.search(r"\bin\s+$", before))
            if not ok:
                continue
        out.append(_ent("color", value.replace("gray", "grey"), text, s, e))
        claimed.take(s, e)
    return out


_COLOR_CONTEXT = re.compile(r"(?:color|colour|colored|coloured|tone|toned|finish|shade)\b", re.IGNORECASE)


def extract_references(text: str, context: Mapping[str, Any] | None = None,
                       claimed: _Spans | None = None) -> list[Entity]:
    """Ordinals ("the second one" -> 2, "the last one" -> -1) and deictics ("that one",
    "it"), resolved against `context["last_shown"]` when it settles which item is meant."""
    claimed = claimed or _Spans()
    out = []
    for m in _ORDINAL_REF.finditer(text):
        if m.group("n"):
            n, s, e = int(m.group("n")), m.start(), m.end()
        else:
            key = "o" if m.group("o") else "o2"
            word = re.sub(r"[\s-]+", " ", m.group(key).lower())
            n = _ORDINALS.get(word) or _ORDINALS.get(word.replace(" ", "-"), 0)
            if word == "top" and not (m.group("h") or m.group("h2")):
                continue
            s, e = m.start(), m.end()
        if n and claimed.free(s, e):
            out.append(_ent("reference", {"ordinal": n}, text, s, e))
            claimed.take(s, e)
    for m in _DESCRIBED_REF.finditer(text):
        # "the blue one": overlaps the colour entity on purpose, both are true
        s, e = m.span()
        if any(r["start"] <= s < r["end"] for r in out):
            continue
        out.append(_ent("reference", {"deictic": "that",
                                      "descriptor": m.group("d").lower()}, text, s, e))
        claimed.take(s, e)
    for m in _DEICTIC_REF.finditer(text):
        word = re.sub(r"\s+", " ", m.group("t").lower())
        nxt = m.group("after").strip().lower()
        s, e = m.start("t"), m.end("t")
        if not claimed.free(s, e):
            continue
        if word in ("this", "that") and nxt not in _DEICTIC_NEXT_OK and not _is_product_word(nxt):
            continue
        if word == "it" and nxt in _IT_BAD_NEXT:  # "is it possible", "it takes"
            continue
        if word in ("those", "these") and nxt and nxt not in _DEICTIC_NEXT_OK \
                and not _is_product_word(nxt):
            continue
        value: dict[str, Any] = {"deictic": "that"}
        if word in ("those", "these", "them", "those ones", "these ones"):
            value["plural"] = True
        out.append(_ent("reference", value, text, s, e))
        claimed.take(s, e)
    if context:
        _resolve(out, context)
    return out


def _resolve(refs: list[Entity], context: Mapping[str, Any]) -> None:
    """Attach `resolved` when the products last shown say which one is meant.

    A deictic resolves to `context["focus"]` when set, else to the only item shown;
    with several items shown and no focus it stays unresolved rather than guess.
    """
    shown: Sequence[Any] = context.get("last_shown") or ()
    focus = context.get("focus")
    for ref in refs:
        value = ref["value"]
        if "ordinal" in value:
            n = value["ordinal"]
            idx = n - 1 if n > 0 else len(shown) + n
            if 0 <= idx < len(shown):
                ref["resolved"] = shown[idx]
        elif "descriptor" in value:
            hits = [item for item in shown if _describes(value["descriptor"], item)]
            if len(hits) == 1:
                ref["resolved"] = hits[0]
        elif value.get("plural"):
            if shown:
                ref["resolved"] = list(shown)
        elif focus is not None:
            ref["resolved"] = focus
        elif len(shown) == 1:
            ref["resolved"] = shown[0]


def _describes(descriptor: str, item: Any) -> bool:
    """Whether a shown item (an id or a product dict) matches "the blue one"."""
    if isinstance(item, Mapping):
        blob = " ".join(str(v) for v in item.values() if isinstance(v, (str, int, float)))
    else:
        blob = str(item)
    return all(re.search(rf"\b{re.escape(w)}", blob, re.IGNORECASE) for w in descriptor.split())


def extract_product_type(text: str, claimed: _Spans, force: bool = False) -> list[Entity]:
    """The noun phrase being shopped for, e.g. "running shoes" in "I need running shoes
    under $150": the last known product noun plus the content words just before it,
    once prices, colours, sizes and filler are set aside. With `force` (the message is
    a search) an unknown noun phrase is taken as-is ("dinosaur")."""
    tokens = [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text)
              if claimed.free(m.start(), m.end())]
    best: tuple[int, int] | None = None
    for i, (s, e, w) in enumerate(tokens):
        low = w.lower()
        j = i + 1
        two = f"{low} {tokens[i + 1][2].lower()}" if j < len(tokens) else ""
        if two and (two in PRODUCT_NOUNS or _two_singular(two) in PRODUCT_NOUNS) \
                and tokens[i + 1][0] - e <= 1:
            best = (i, i + 1)
        elif (_is_product_word(low) and low not in _PRODUCT_FILLER
              and (best is None or best[1] < i)):
            best = (i, i)
    if best is None and force:
        content = [k for k, (_, _, w) in enumerate(tokens)
                   if w.lower() not in _PRODUCT_FILLER and not w[0].isdigit()]
        if content:
            # the last run of adjacent content words
            end = content[-1]
            start = end
            adjacent = set(content)
            while start - 1 in adjacent and tokens[start][0] - tokens[start - 1][1] <= 1:
                start -= 1
            best = (start, end)
    if best is None:
        return []
    i, j = best
    # extend left over adjacent content words ("trail running shoes", "salon chair")
    while i > 0:
        _, e, w = tokens[i - 1]
        if w.lower() in _PRODUCT_FILLER or w[0].isdigit() or tokens[i][0] - e > 1:
            break
        i -= 1
    start, end = tokens[i][0], tokens[j][1]
    return [_ent("product_type", text[start:end].lower(), text, start, end)]


def _two_singular(phrase: str) -> str:
    a, _, b = phrase.partition(" ")
    return f"{a} {singular(b)}"


_WORD = re.compile(r"[a-z]+")
_COLOR_WORDS = frozenset(w for c in COLORS for w in re.split(r"[\s-]+", c))
_SIZE_TRIGGERS = frozenset(w for s in SIZE_WORDS for w in re.split(r"[\s-]+", s)) | {
    "size", "xl", "xs", "xxl", "xxs", "xxxl", "s", "m", "l"}
_QTY_TRIGGERS = frozenset(w for k in _NUMBER_WORDS for w in k.split()) | {"qty", "quantity",
                                                                        "x"}
_REF_TRIGGERS = frozenset({"it", "this", "that", "these", "those", "them", "one", "ones",
                           "number", "option", "item", "choice", "no", *(
                               w for k in _ORDINALS for w in re.split(r"[\s-]+", k))})


def extract_entities(text: str, context: Mapping[str, Any] | None = None,
                     intent: str | None = None) -> list[Entity]:
    """All entities of one message, sorted by position, spans never overlapping.

    A word set and a digit check gate each extractor, so a message pays only for the
    patterns it could match (most messages have no price, size or colour at all).
    """
    context = context or {}
    currency = str(context.get("currency") or "USD").upper()
    claimed = _Spans()
    out: list[Entity] = []
    words = set(_WORD.findall(text.lower()))
    digits = any(c.isdigit() for c in text)
    if digits:
        out += extract_order_ids(text, claimed)
        # blank the order ids out (same length, so spans hold): a 15-digit run is not a
        # price (one pass: "#1234567 " 400 times would copy the text 400 times)
        chars = list(text)
        for e in out:
            chars[e["start"]:e["end"]] = " " * (e["end"] - e["start"])
        out += extract_prices("".join(chars), currency, claimed)
    if digits or not words.isdisjoint(_SIZE_TRIGGERS):
        out += extract_sizes(text, claimed)
    if digits or not words.isdisjoint(_QTY_TRIGGERS):
        out += extract_quantities(text, claimed)
    if not words.isdisjoint(_COLOR_WORDS):
        out += extract_colors(text, claimed)
    if not words.isdisjoint(_REF_TRIGGERS) or "#" in text or digits:  # "the 2nd pair"
        out += extract_references(text, context, claimed)
    if intent in (None, "product_search", "recommendation", "availability", "price_inquiry",
                  "product_details", "add_to_cart", "remove_from_cart", "compare_products"):
        out += extract_product_type(text, claimed, force=intent == "product_search")
    out.sort(key=lambda e: (e["start"], e["type"]))
    return out
