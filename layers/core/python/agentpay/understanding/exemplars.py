"""The project's own example messages per intent, for the semantic fallback.

Written for this project (never copied from the public datasets, which only measure
it). The `unknown` set matters as much as the rest: a store's agent has to recognise
"book me a flight" or "what's my credit score" as none of its business, so it holds
deliberately wide coverage of things people ask general assistants.
"""

from __future__ import annotations

from types import MappingProxyType

_RAW: dict[str, str] = {
    "greeting": """
hi
hello
hey there
hiya, anyone around?
good morning
good evening to you
hello, how are you today?
hey, how's it going
howdy
hi! how have you been?
yo what's up
greetings
morning! how are things
hey hey
hello again
nice to meet you
hi there, hope you're doing well
good afternoon, anybody here?
hey, how's your day going
hello friend
""",
    "goodbye": """
bye
goodbye
ok bye, thanks
see you later
talk to you soon
gotta run, bye
that's all for today, goodbye
have a good one
catch you later
I'm leaving now, bye
thanks, see ya
good night
bye for now
take care
it was nice chatting, bye
ok I'm done here, see you
farewell
later!
until next time
I have to go now
""",
    "thanks": """
thank you
thanks so much
thanks a lot for the help
really appreciate it
thank you, that was helpful
cheers
much appreciated
great, thanks
awesome, thank you!
you've been very helpful
thanks for your help
ty
thanks, that answers my question
I'm grateful for your help
perfect, thanks a bunch
thank you kindly
that's really helpful, thanks
many thanks
ok thanks
nice one, thanks
""",
    "affirm": """
yes
yes please
sounds good
sure
yeah that works
ok let's do that
absolutely
yep
of course
go ahead
that's right
correct
please do
definitely
sure thing
yes that one
that would be great
alright, do it
uh huh
exactly
""",
    "deny": """
no
no thanks
not that one
nope
no, that's not it
not really
no thank you
nah
that's wrong
not interested
I don't want that
no, something else
that's not what I asked for
negative
not quite
neither of those
no way
that is incorrect
maybe not
no, don't do that
""",
    "product_search": """
running shoes under $150
turquoise pillows
salon chair
I need a new sofa
looking for a winter jacket
do you have wireless headphones?
show me dining tables
I want a rug for my living room
blue velvet armchair
queen size bed frame
find me a coffee maker under 100 dollars
kids desk
outdoor string lights
I'm searching for a leather handbag
any floor lamps in brass?
area rug 8x10
modern bathroom vanity
looking for a gift for my dad
red dress size 8
black office chair with lumbar support
solid wood bookshelf
cheap bar stools
I'd like to see some throw blankets
waterproof hiking boots
stainless steel pots and pans
wall art for the bedroom
farmhouse kitchen table
patio furniture set
led desk lamp
baby crib
yoga mat
standing desk
wool socks
toddler bed
dinosaur wall decor
shower curtain
bedside table with drawers
laptop backpack
ceiling fan with light
microwave cart
white sneakers for women
mid century sideboard
king size comforter set
pet bed for a large dog
glass vase
kitchen island with seating
bath towels
desk organizer
mens rain jacket
""",
    "product_details": """
is the second one waterproof?
what is it made of?
what are the dimensions of that table?
does it come with a warranty?
tell me more about the first one
how heavy is this chair?
is this machine washable?
does the lamp include a bulb?
what's the battery life on those headphones?
is it easy to assemble?
what material is the sofa cover?
how tall is the bookshelf?
does it fit a queen mattress?
are these shoes true to size?
what are the reviews like for this one?
is the frame solid wood?
can I put it in the dishwasher?
how many people does the table seat?
what's the weight limit of the stool?
does it need assembly?
details on the blue one please
is this one good quality?
does the jacket have a hood?
how wide is the rug?
""",
    "recommendation": """
what would you recommend for a small balcony?
which one should I get?
can you suggest something for a teenager?
what's your best seller?
help me choose a mattress
what do you suggest for a home office?
any recommendations for a housewarming gift?
which is the most popular sofa?
I can't decide, what would you pick?
what would look good in a small living room?
suggest a good rug for a hallway
what's a nice gift for my wife under $50?
what goes well with a grey couch?
which headphones would you recommend for running?
what's good for a beginner?
pick something for me
what do other customers usually buy?
what's the best chair for back pain?
""",
    "compare_products": """
what's the difference between these two?
compare the first and second one
which is better, the oak or the walnut table?
how does this one compare to the other one?
is the blue one bigger than the grey one?
what are the pros and cons of each?
which one is cheaper?
memory foam vs spring mattress
can you put them side by side?
how do these two lamps differ?
which of the two lasts longer?
is the leather one worth it over the fabric one?
""",
    "price_inquiry": """
how much is the blue one?
what does it cost?
what's the price of that rug?
how much for two of them?
how much are the running shoes?
what's the total price with tax?
is that price per piece or for the set?
how expensive is the leather sofa?
what do the chairs cost?
price?
how much would the large one be?
what's the price difference between sizes?
""",
    "availability": """
do you have it in size 10?
is this in stock?
does it come in other colors?
when will it be back in stock?
is the medium available?
do you have the green one in a large?
any left in XL?
is the queen size sold out?
can I get it in black?
what sizes do you have?
do you still have the walnut finish?
is it available for delivery now?
will you restock the grey sofa?
how many are left?
""",
    "add_to_cart": """
add two of those to my cart
put the second one in my basket
I'll take it
add this to my cart please
yes add the blue one
I'll take two
can you add the lamp to my bag?
throw in a pair of socks too
add one more
I want the large one, add it
put three of them in the cart
I'll get the first one
""",
    "remove_from_cart": """
remove the lamp
take the chair out of my cart
delete the socks from my basket
I don't want the rug anymore
remove one of the pillows
clear my cart
take that off my order before I pay
drop the second item
get rid of the blanket please
empty my basket
""",
    "view_cart": """
what's in my basket?
show me my cart
what have I added so far?
how much is my cart total?
can I see my cart?
what's my subtotal?
list the items in my cart
review my basket
how many things are in my cart?
what did I put in the cart?
""",
    "checkout": """
I'll take it, how do I pay?
I'm ready to check out
let's check out
I want to buy it now
how do I place an order?
proceed to checkout
can I pay now?
send me the checkout link
I'd like to purchase these
how can I buy something from you?
complete my purchase
I want to order some items
ring it up
what do I do to buy a product here?
finish my order please
I want to make a purchase
""",
    "discount_request": """
any promo code?
can you do $90?
is there a discount?
do you have any coupons?
can I get a better price?
would you take 200 for it?
any deals running right now?
is this going on sale soon?
can you knock a bit off?
do you offer a student discount?
what's the best price you can do?
I have a coupon code, where do I enter it?
any discount if I buy two?
can you match the price I saw elsewhere?
first order discount?
can you go lower?
""",
    "price_objection": """
hmm, that's a bit expensive
that's too much for me
it's out of my budget
too pricey
I can't afford that
I found it cheaper somewhere else
that's more than I wanted to spend
not sure it's worth that much
wow that's steep
seems overpriced
I'll have to think about it, it's a lot of money
that's way over my budget
hmm I don't know, the price is high
is it really worth that?
""",
    "payment_help": """
do you take PayPal?
my card was declined
what payment methods do you accept?
can I pay with Apple Pay?
my payment didn't go through
do you accept American Express?
can I pay in installments?
I was charged twice
the payment page gives me an error
is it possible to pay by bank transfer?
do you offer Klarna or Afterpay?
can I use a gift card?
why was my card rejected?
I want to report a problem with a payment
which cards can I use?
payment failed, what now?
do you accept cash on delivery?
my card got declined at checkout
""",
    "shipping_info": """
how long does shipping take?
do you ship to Canada?
how much is delivery?
is shipping free?
what delivery options do you have?
can I get next day delivery?
how soon would it arrive?
do you deliver internationally?
what does express shipping cost?
which courier do you use?
can I pick it up in store?
how many days for delivery to Texas?
is there free shipping over a certain amount?
can I order from the UK?
what are your shipping rates?
how long will delivery take?
do you deliver to Germany?
when will the item arrive if I order today?
how soon can I expect it?
what's the delivery time to London?
""",
    "returns_refunds": """
can I return it if it doesn't fit?
what's your return policy?
I want a refund
how do I send something back?
when will I get my money back?
can I exchange it for a different size?
I'm still waiting on my refund
how long do refunds take?
do you offer free returns?
the item arrived broken, I want my money back
is there a return window?
I'd like to return the lamp
I was promised a reimbursement of $60
can I get a refund on my order?
how do I print a return label?
what if I don't like it, can I return it?
""",
    "order_status": """
where is order 1135426?
where's my package?
has my order shipped yet?
can you track my order?
what's the status of my purchase?
my order hasn't arrived
when will my order get here?
I need the tracking number
is my parcel on its way?
I never received my delivery
can I get a copy of my invoice?
where can I download my receipt?
check the status of order A1234
it's been two weeks and nothing has arrived
I want to see my invoice for last month
has my order been dispatched?
""",
    "order_change": """
cancel my order
change the delivery address
I need to cancel order 1135426
can I add an item to my order?
I'd like to modify my order
remove a product from my last purchase
I entered the wrong shipping address
can I swap the size on my order?
is there a fee to cancel?
I want to change my order
update the address on my order
please cancel it, I changed my mind
how much does it cost to cancel?
I don't want my order anymore
switch the color on the order I placed
""",
    "account_help": """
I forgot my password
I can't log in
how do I create an account?
delete my account
I want to change my email address
reset my password please
my account is locked
how do I update my profile?
I can't sign up, it gives an error
switch to my other account
how do I close my account?
I need to add a new shipping address to my profile
I'm having trouble registering
how do I change my username?
I didn't get the verification code
can I open a business account?
where do I set up my delivery address?
I want to upgrade to a premium account
I have a question about a lost password
how do I recover my login key
edit the details on my profile
I need to update my account information
""",
    "human_handoff": """
can I talk to a human?
I want to speak to a real person
get me an agent please
connect me with customer service
is there a phone number I can call?
let me talk to someone
I need a representative
transfer me to a live agent
how do I contact customer support?
I'd rather chat with a person
when is customer service open?
put me through to a manager
""",
    "complaint": """
this is the worst service ever
I want to file a complaint
I'm very unhappy with my order
your support is useless
this is unacceptable
the product arrived damaged and nobody helps
I'm really disappointed with this store
I want to make a claim against your company
terrible experience, never buying again
you people are a joke
I've been waiting for weeks, this is ridiculous
I'm fed up with this
how do I lodge a formal complaint?
your delivery driver was rude
""",
    "unknown": """
what's the weather tomorrow?
will it rain this weekend?
how hot is it going to be today
book a flight to Denver
find me a cheap hotel in Rome
what's my credit score?
how do I improve my credit rating
what's the balance on my checking account
transfer 200 dollars to my savings
when is my electricity bill due
pay my phone bill
what's the interest rate on my loan
how do I set up direct deposit
what is my routing number
my bank account is frozen
I lost my credit card
I need a replacement debit card
what is the exchange rate for euros to dollars
how many pesos is 50 dollars
do I need a visa to go to Japan
what vaccines do I need for Brazil
what time is it in Tokyo
set an alarm for 7am
set a timer for ten minutes
remind me to call mom tomorrow
what's on my calendar today
schedule a meeting with Sarah at 3
add eggs to my shopping list
what's on my to do list
play some jazz
skip this song
what song is playing right now
turn up the volume
turn off the kitchen lights
set the thermostat to 70
tell me a joke
tell me a fun fact
what's the meaning of life
flip a coin
roll a dice
pick a random number between 1 and 10
what's your name
how old are you
who made you
are you a robot?
where are you from
do you have any pets
what do you do for fun
what can you do
what's 15 times 23
what is the square root of 144
how many ounces in a cup
convert 10 miles to kilometers
how do you say thank you in Spanish
translate good night into French
how do you spell necessary
what does serendipity mean
who wrote Pride and Prejudice
when did World War 2 end
what is the capital of Australia
who won the game last night
when do the Lakers play next
what's a good recipe for lasagna
how long do I boil an egg
how many calories are in a banana
what can I use instead of butter
how long does chicken last in the fridge
suggest a restaurant for dinner
book a table for two at an Italian place
is the sushi place downtown busy right now
what should I cook tonight
how far is it to Chicago
what's traffic like on my commute
get me an uber to the airport
give me directions to the nearest gas station
when is my car due for an oil change
what should my tire pressure be
how do I jump start a car
how much gas is left in my tank
rent a car for the weekend
how many vacation days do I have left
submit a PTO request for Friday
when is payday
what's my salary this year
how do I roll over my 401k
when are taxes due
where is my W2
what does my health insurance cover
is my flight on time
I lost my luggage at the airport
what can I bring in my carry on
what plug adapter do I need in the UK
where am I right now
share my location with my wife
call my brother
text Jake that I'm running late
find my phone
what's today's date
when is the next public holiday
how do I get rid of a headache
what are the symptoms of the flu
help me with my math homework
when does school start
what movies are playing tonight
who's the president of France
how many people live in Canada
what's the news today
what is bitcoin worth right now
how are the stock markets doing
should I invest in index funds
I want to cancel my gym membership
cancel my dinner reservation
change my flight to Monday
what's my hotel confirmation number
how many miles per gallon does my car get
my car battery is dead
what is the speed of light
why is the sky blue
how do airplanes fly
tell me a story
sing me a song
do you love me
are you married
what's your favorite color
what is love
can you speak Italian
change your voice to a British accent
speak a little slower
whisper from now on
reset your settings
sync with my phone
change my name to Alex
what's my name
call me Sam from now on
do you work for me
how do I fix a leaky faucet myself
how do I remove a wine stain
what's the best way to learn guitar
what year did the Titanic sink
how tall is Mount Everest
what's the population of Tokyo
recommend a good book to read
what's a good movie to watch
suggest a vacation spot for spring
what are fun things to do in Paris
how do I make a website
write me a poem
what's the score of the football game
how much money did I spend last month
show my recent transactions
what's my paycheck amount
has my job application been approved
I need to report fraud on my card
how do I redeem my credit card points
what's the APR on my card
increase my credit limit
my new credit card hasn't arrived
how long to get a new debit card
order more checks for my bank account
set my bank account pin
what's the minimum payment on my card
what time does the pharmacy close
is the DMV open on Saturday
asdfgh
blah blah
lorem ipsum
I like turtles
my cat is sleeping
the sky looks nice today
I'm bored
what is 2 plus 2
how do I train for a marathon
what's the best diet to lose weight
how many hours of sleep do I need
do I need an umbrella today
are the reviews good for that taco place downtown
is the burger joint on main street any good
how long is the wait at the steakhouse tonight
do they take walk-ins at the noodle bar
my debit card is bent and won't swipe
I want to apply for a new credit card
someone used my card without asking
will my bank charge a fee if I use my card in Mexico
there's a charge on my bank account I don't recognize
why was my bank account blocked
send fifty dollars to my brother's account
what do I owe on my utility bills this month
how much is my cable bill
how do you say good morning in Korean
what's the Hawaiian word for hello
how long have you been running
who do you answer to
who programmed you
can I swap honey for sugar in this recipe
what can I substitute for eggs
how many centimeters are in a foot
change 5 feet into meters
put "buy milk" on my task list
add a dentist appointment to my calendar
lock the front door
is the garage door closed
dim the living room lights
text my wife that I'm on my way
call the office
what does the word ubiquitous mean
give me a synonym for happy
how do I cook rice in a pressure cooker
what wine goes with salmon
how much protein is in an egg
what time does the sun set today
how many days until Christmas
what day of the week is July 4th
is it going to snow tonight
what's the humidity right now
how do I get to the train station
find the nearest coffee shop
how much do I make an hour
when is my next paycheck coming
how much did I spend on groceries
what's my checking account number
reset the pin on my bank card
is there a hold on my savings account
how do I dispute a charge with my bank
what's my reward points balance
how do I pay my credit card bill
what are the current mortgage rates
explain how compound interest works
what's the tallest building in the world
who painted the Mona Lisa
how do volcanoes form
what's the chemical symbol for gold
how many legs does a spider have
what language do they speak in Brazil
tell me something interesting
what's your favorite food
do you dream
are you smarter than me
what's the best pizza place near me
order me a pizza
get me a ride home
""",
}


def _lines(block: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in block.strip().splitlines() if line.strip())


#: intent -> its example messages (read-only).
EXEMPLARS: MappingProxyType[str, tuple[str, ...]] = MappingProxyType(
    {intent: _lines(block) for intent, block in _RAW.items()}
)


def flat() -> tuple[list[str], list[str]]:
    """(texts, labels) in a stable order, for embedding once."""
    texts: list[str] = []
    labels: list[str] = []
    for intent, lines in EXEMPLARS.items():
        texts.extend(lines)
        labels.extend([intent] * len(lines))
    return texts, labels
