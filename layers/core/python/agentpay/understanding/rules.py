"""Compiled intent rules: the first, microsecond layer of the classifier.

A message is normalised into tokens (contractions expanded, chat spellings mapped,
one-edit typos of known words corrected), its token n-grams are looked up in a cue
table, and rules over those cues ("CANCEL with ORDER") each propose an intent with a
confidence. Everything is built once at import; classifying is dictionary lookups and
set operations, no regex backtracking over the whole rule set.

Confidence is a promise about precision: rules only claim >= 0.9 where a wrong answer
would be surprising; anything hedged goes to the semantic layer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

from agentpay.understanding.entities import COLORS, PRODUCT_NOUNS, SIZE_WORDS, singular
from agentpay.understanding.intents import INTENTS

# --------------------------------------------------------------------------------------
# Normalisation
# --------------------------------------------------------------------------------------

_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)*|[$€£#?%]")

#: Chat spellings and contractions, expanded so cues are written once.
_EXPAND: dict[str, tuple[str, ...]] = {
    "i'm": ("i", "am"), "im": ("i", "am"), "i've": ("i", "have"), "ive": ("i", "have"),
    "i'd": ("i", "would"), "i'll": ("i", "will"), "it's": ("it", "is"), "its": ("it", "is"),
    "that's": ("that", "is"), "thats": ("that", "is"), "what's": ("what", "is"),
    "whats": ("what", "is"), "where's": ("where", "is"), "wheres": ("where", "is"),
    "how's": ("how", "is"), "hows": ("how", "is"), "who's": ("who", "is"),
    "there's": ("there", "is"), "theres": ("there", "is"), "here's": ("here", "is"),
    "let's": ("let", "us"), "lets": ("let", "us"), "you're": ("you", "are"),
    "youre": ("you", "are"), "you've": ("you", "have"), "you'll": ("you", "will"),
    "you'd": ("you", "would"), "we're": ("we", "are"), "they're": ("they", "are"),
    "can't": ("can", "not"), "cant": ("can", "not"), "cannot": ("can", "not"),
    "won't": ("will", "not"), "wont": ("will", "not"), "don't": ("do", "not"),
    "dont": ("do", "not"), "doesn't": ("does", "not"), "doesnt": ("does", "not"),
    "didn't": ("did", "not"), "didnt": ("did", "not"), "isn't": ("is", "not"),
    "isnt": ("is", "not"), "aren't": ("are", "not"), "arent": ("are", "not"),
    "wasn't": ("was", "not"), "wasnt": ("was", "not"), "weren't": ("were", "not"),
    "haven't": ("have", "not"), "havent": ("have", "not"), "hasn't": ("has", "not"),
    "hasnt": ("has", "not"), "hadn't": ("had", "not"), "wouldn't": ("would", "not"),
    "wouldnt": ("would", "not"), "couldn't": ("could", "not"), "couldnt": ("could", "not"),
    "shouldn't": ("should", "not"), "shouldnt": ("should", "not"),
    "u": ("you",), "ya": ("you",), "ye": ("you",), "yu": ("you",), "ur": ("your",),
    "urs": ("yours",), "r": ("are",), "pls": ("please",), "plz": ("please",),
    "plse": ("please",), "thx": ("thanks",), "thnx": ("thanks",), "tnx": ("thanks",),
    "ty": ("thanks",), "tysm": ("thanks",), "thanx": ("thanks",), "thankyou": ("thank", "you"),
    "wanna": ("want", "to"), "gonna": ("going", "to"), "gotta": ("got", "to"),
    "gimme": ("give", "me"), "lemme": ("let", "me"), "dunno": ("do", "not", "know"),
    "w": ("with",), "b4": ("before",), "2day": ("today",), "tmrw": ("tomorrow",),
    "ok": ("okay",), "k": ("okay",), "kk": ("okay",), "okey": ("okay",), "okie": ("okay",),
    "yeh": ("yeah",), "yah": ("yeah",), "yea": ("yeah",), "ye's": ("yes",),
    "nope": ("nope",), "nah": ("nah",), "cuz": ("because",), "bc": ("because",),
    "e-mail": ("email",), "log-in": ("log", "in"), "sign-up": ("sign", "up"),
    "signin": ("sign", "in"), "login": ("log", "in"), "logon": ("log", "in"),
    "signup": ("sign", "up"), "checkout": ("check", "out"), "t-shirt": ("tshirt",),
    "instock": ("in", "stock"), "username": ("user", "name"), "helpme": ("help", "me"),
    "uhelp": ("you", "help"), "canu": ("can", "you"), "toget": ("to", "get"),
}
#: Known noise (profanity, hedges) dropped so it never blocks a phrase.
_DROP = frozenset({"fucking", "fuckin", "fuck", "damn", "damned", "goddamn", "bloody",
                   "freaking", "frigging", "friggin", "effing", "shit", "shitty", "hell",
                   "bloddy", "goddam"})


@dataclass(frozen=True)
class Normalized:
    tokens: tuple[str, ...]
    text: str


# --------------------------------------------------------------------------------------
# Cue table: phrase -> labels. Phrases are written in normalised form.
# --------------------------------------------------------------------------------------

_CUES: dict[str, str] = {
    # ---- social -----------------------------------------------------------------------
    "GREET": """hi, hello, hey, heya, hiya, howdy, greetings, good morning, good afternoon,
        good evening, good day, yo, sup, what is up, wassup, hola, bonjour, hi there,
        hey there, hello there, hello again, morning, evening, hey you, hi again, aloha""",
    "GREET_Q": """how are you, how are you doing, how is it going, how are things, how have you
        been, how do you do, nice to meet you, nice to see you, good to see you, how is
        everything, how goes it, how is life, how is your day, how are you today, how is
        your day going, how are things going, are you doing okay, are you doing well,
        how is it hanging, how are ya, what is new, what is good, long time no see,
        pleased to meet you, glad to meet you, good to meet you, salutations, ahoy,
        ahoy hoy, how do you feel, how are you feeling, how have you been feeling,
        what is going on, how is your evening, how is your morning, hey hey, hi hi,
        are you okay, you okay, are you alright, you alright""",
    "BYE": """bye, goodbye, good bye, bye bye, byebye, see you, see ya, cya, see you later,
        talk to you later, talk later, take care, have a good day, have a nice day,
        have a great day, have a good one, have a good night, good night, goodnight,
        farewell, got to go, i have to go, i must go, i am leaving, i am off, gtg,
        peace out, catch you later, catch you around, until next time, signing off,
        nice talking, nice chatting, nice speaking, nice to talk, nice to chat,
        good talking, great talking, great chatting, talk soon, so long, adios, ciao,
        cheerio, later, laters, ttyl, see you around, see you soon, i am done, that is it
        for now, that will be all, that is all for now, bye now, bye for now, logging off,
        i will be going, i should go, i will leave, was nice talking, enjoyed talking,
        enjoyed chatting, pleasure talking, buhbye, bye-bye, tootles, ta ta, toodles,
        out of here, outta here, i need to go, i need to go now, i have to leave,
        i should get going, gotta go, chatting with you, talking with you, talking to you,
        to chat with you, good chatting, great chatting, nice chatting, talk to you soon,
        speak to you later, speak soon, see you next time, i will be back later,
        take it easy, sayonara, syonara, great talk, good talk, adieu, auf wiedersehen,
        i am heading out, heading out, signing out""",
    "GREET_MEET": """nice to see you, good to see you, great to see you, nice to meet you,
        pleased to meet you, glad to meet you, good to meet you, lovely to meet you,
        happy to see you""",
    "THANK": """thanks, thank you, thank, thanks a lot, thanks so much, thank you so much,
        thanks a bunch, many thanks, appreciate, appreciated, appreciate it, i appreciate,
        grateful, thankful, cheers, much obliged, kudos, you are the best, you rock,
        great help, very helpful, so helpful, good job, well done, nice work, awesome job,
        you have been helpful, you were helpful, that helped, helped a lot, big help,
        happy with your, good answer, great answer, so nice of you, you are so nice,
        you are nice, you are kind, you are so kind, thanks for that, much appreciated,
        i owe you, you are a lifesaver, lifesaver, gracias, merci, merci beaucoup, danke,
        danke schon, grazie, arigato, muchas gracias""",
    "YES": """yes, yeah, yep, yup, yess, yes please, sure, sure thing, absolutely, definitely,
        certainly, of course, affirmative, indeed, yes indeed, exactly, correct,
        that is correct, that is right, right, true, that is true, it is true, agreed,
        i agree, sounds good, sounds great, sounds perfect, sounds fine, sounds right,
        that works, works for me, go ahead, do it, do that, please do, let us do it,
        let us do that, why not, you bet, for sure, totally, uh huh, uhuh, mhm, i think so,
        i do, that is it, bingo, yes it is, yes that is, deal, that is what i want,
        that is the one, precisely, right on, good idea, great idea, yes sir, yes maam,
        i guess so, i would love that, i would like that, that would be great,
        that would be good, count me in, confirmed, confirm, yeap, yas, yea sure, accurate,
        that is accurate, affirm, you got it, that is a yes, is a yes, say yes""",
    "YES_WEAK": """okay, alright, all right, fine, cool, great, perfect, awesome, nice, good,
        excellent, lovely, brilliant, wonderful, very good, very well, okay then, got it,
        understood, noted""",
    "NO": """no, nope, nah, no thanks, no thank you, not really, not interested, never mind,
        nevermind, not that, not that one, not this one, not those, wrong, incorrect,
        false, that is wrong, that is not right, that is not correct, not correct,
        not right, i do not think so, i disagree, negative, not at all, no way, not now,
        maybe later, i will pass, pass, neither, not quite, absolutely not, definitely not,
        of course not, no it is not, that is not it, that is not true, not true,
        that is not what i want, not what i want, not what i asked, not what i meant,
        you are wrong, that is incorrect, no no, nay, nada, not for me, i do not want that,
        i do not want it, please do not, not the one, nothing, none, no sir, naw, nah nah,
        inaccurate, erroneous, i think not, untrue, nope nope, not accurate, mistaken,
        do not do that, not that either, the answer is no, that would be a no""",
    # ---- orders, support ----------------------------------------------------------------
    "ORDER_N": """order, orders, purchase, purchases, package, packages, parcel, parcels,
        shipment, shipments, my delivery, the delivery, my item, my items, the order,
        my order, my purchase, my package, my parcel, my shipment, my stuff, purchas""",
    "MY_ORDER": """my order, my orders, my purchase, my purchases, my package, my packages,
        my parcel, my shipment, my delivery, my recent order, my last order, the order i,
        the package i, my online order, the order that i, my latest order, our order""",
    "CANCEL": """cancel, canceling, cancelling, cancellation, cancelation, cancelled, canceled,
        call off, abort, revoke, do not want order, do not want purchase, cancels,
        no longer afford, can not afford order, can not afford purchase, no longer pay,
        no longer want, do not want the order, do not need the order, cancell, cancle""",
    "CHANGE": """change, changing, changed, modify, modifying, modification, modifications,
        edit, editing, edited, update, updating, updated, alter, altering, amend, amending,
        adjust, adjusting, correct, correcting, correction, fix, fixing, swap, swapping,
        switch, switching, replace, replacing, substitute, rectify""",
    "ITEM_EDIT": """add, adding, remove, removing, delete, deleting, take out, take off, drop,
        include, put, swap, exchange, exchanging, switch, missed, missing, forgot to add,
        forgot to include, ad, left out""",
    "ADDRESS": """address, addresses, shipping address, delivery address, postal address,
        mailing address, billing address, home address, adress, adresses, addres""",
    "ADDR_SETUP": """set up, setup, setting up, set, sets, enter, entering, submit, submitting,
        add, adding, new, another, secondary, second, different, register, save, saving,
        insert, put in, valid, invalid, not valid, create, creating, input""",
    "ADDR_FIX": """change, changing, changed, edit, editing, update, updating, correct,
        correcting, correction, modify, modifying, wrong, mistake, incorrect, typo, fix,
        fixing, amend, rectify, alter, by mistake, modification, modifications, changes,
        updates, corrections""",
    "EXIT": """cancellation, cancelation, cancelling, canceling, cancel, termination, withdrawal,
        early exit, early termination, exit, break the contract, breaking the contract,
        terminate, terminating""",
    "FEE": """fee, fees, charge, charges, penalty, penalties, cost, costs, fine, surcharge,
        how much does it cost to cancel, what does it cost""",
    "STATUS": """status, track, tracking, trace, tracing, locate, where is, where are, eta,
        shipped, been shipped, dispatched, on its way, on the way, arrive, arrived, arriving,
        arrives, received, receive, delayed, late, stuck, update on, progress,
        current status, tracking number, tracking info, tracking information, whereabouts,
        where was, expect, expected, expecting, come, coming, get here, gets here, show up,
        did not arrive, has not arrived, have not received, never received, did not receive,
        not received, not arrived, where my, check on, hear back, been sent, was sent,
        sent out, out for delivery, delivered, be here, already here, going on with,
        find my, dropped off, distributed, happened to, happening with, show up""",
    "WHEN": """when, when will, when can, when is, when does, what time, what date, what day""",
    "HOW_LONG": """how long, how soon, how quickly, how fast, how many days, how much time,
        turnaround, delivery period, delivery periods, shipping period, shipping periods,
        delivery time, delivery times, shipping time, shipping times, lead time,
        transit time, delivery date, delivery estimate, estimated delivery, how long will,
        how long does, how long do, how long it takes, how soon can, how soon will""",
    "INVOICE": """invoice, invoices, receipt, receipts, billing statement, invoicing,
        proof of purchase, bill number, invoice number""",
    "BILL": "bill, bills",
    "BILL_OOS": """electric, electricity, water bill, cable, utility, utilities, phone bill,
        gas bill, internet bill, mortgage, rent, hoa, insurance, due, owe, comcast, verizon,
        directv, credit card bill, minimum payment, pay my bill, pay my bills, pay bills,
        pay a bill, pay the bill, cable bill, electric bill, power bill, water, trash bill,
        car bill, bill due, bills due, pay off""",
    "REFUND": """refund, refunds, refunded, refunding, reimburse, reimbursement,
        reimbursements, reimbursed, reimbursing, restitution, restitutions, compensation,
        compensations, compensate, compensated, rebate, rebates, rebating, money back,
        my money back, chargeback, store credit, refundable, paid back, pay me back,
        repayment, refound, reimbursment""",
    "RETURN": """return, returns, returning, returned, send back, send it back, send them back,
        take back, take it back, exchange, exchanges, exchanging, give back, returnable,
        ship it back, ship back, mail it back, returnin""",
    "RETURN_POLICY": """return policy, refund policy, returns policy, money back guarantee,
        return window, return period, return label, return shipping, exchange policy,
        free returns, return process, returns process, can i return, how do i return,
        how to return, want to return, need to return, like to return""",
    "SHIP": """shipping, ship, ships, delivery, deliveries, deliver, delivers, delivering,
        courier, couriers, postage, freight, dispatch, express shipping, overnight,
        next day delivery, same day delivery, free shipping, ship to, deliver to,
        shipping options, shipping methods, delivery options, delivery methods,
        shipping cost, shipping costs, delivery cost, delivery fee, shipping fee,
        shipping rates, carrier, carriers, fedex, ups, usps, dhl, royal mail, pickup,
        pick up, in store pickup, curbside, shipments, shipment, shipping method,
        delivery method, shipping option, delivery option, international shipping,
        expedited, standard shipping, shipped""",
    "OPTIONS": """options, option, methods, method, modalities, modality, ways, choices, types,
        kinds, available, possibilities, alternatives""",
    "PLACE_FROM": """order from, ship to, deliver to, delivery to, shipping to, send to,
        place an order from, order to, buy from, purchase from, delivered to, shipped to""",
    "PAY": """pay, paying, payment, payments, paid, pays, checkout payment, transaction,
        transactions""",
    "PAY_BRAND": """paypal, visa, mastercard, master card, amex, american express, apple pay,
        google pay, gpay, shop pay, klarna, afterpay, venmo, bitcoin, crypto,
        cryptocurrency, cash on delivery, cod, bank transfer, wire transfer, cheque,
        credit card, credit cards, debit card, debit cards, gift card, gift cards,
        installments, instalments, installment, financing, finance, pay later,
        buy now pay later, zelle, discover card, sepa, ideal, alipay, wechat pay, cash,
        bank card, e-check, echeck, maestro, diners club, jcb, payment plan""",
    "PAY_METHOD": """payment method, payment methods, payment options, payment option,
        payment modalities, payment modality, payment mode, payment modes, ways to pay,
        way to pay, ways of payment, ways of paying, forms of payment, form of payment,
        methods of payment, method of payment, accepted payment, payment types,
        payment type, pay with, pay by, pay using, pay via, options to pay,
        options for payment, pay in installments, pay in instalments""",
    "ACCEPT": """accept, accepted, accepting, accepts, take, allow, allowed, support,
        supported, use, acceptable, acepted""",
    "CARD": "card, cards, my card, credit card, debit card, my credit card, my debit card",
    "DECLINED": """declined, decline, declining, rejected, refused, denied, not accepted,
        did not go through, does not go through, not going through, not go through,
        would not go through, bounced, failed, fail, fails, failing, not working,
        does not work, did not work, will not work, error, errors, issue, issues, problem,
        problems, trouble, troubles, wrong, charged twice, double charged, overcharged,
        charged me twice, charged incorrectly, was not accepted, got declined,
        been declined, keeps getting declined, unable, can not, glitch, bug, stuck""",
    "CARD_OOS": """lost, stolen, expire, expires, expiration, expiry, expiring, limit,
        replacement, new card, damaged, broken, bent, apr, interest, rewards, points,
        freeze, frozen, activate, activation, fraud, fraudulent, pin, statement, balance,
        due date, credit limit, report my card, lost my card, cancel my card, annual fee,
        foreign transaction, international fee, international fees, application, apply,
        applied, annual, rate, charge on, charged on, max out, raise, increase, replaced,
        replace, report, melted, split, burned, new credit card, a new card,
        recently charged, transactions, pay off, cash back, benefits, approved,
        approval, cancel my card, lock my card, spending, transaction fee,
        transaction fees, international transaction, fees, mailed, mail""",
    "ACCOUNT": """account, accounts, acount, profile, profiles, user account, user profile,
        log in, log into, logging in, sign in, signing in, sign up, signing up, register,
        registration, registrations, registering, registered, password, passwords,
        pin code, user name, credentials, access key, account key, two factor,
        verification code, membership, login details, log on, registry, user,
        my details, personal details, personal information, personal info, e mail address,
        email address, profile key, account access""",
    "PIN": "pin, pins, pin number, pin code",
    "ACCOUNT_TIER": """gold, platinum, pro, premium, freemium, standard, free, basic, business,
        personal, vip, gold account, platinum account, pro account, premium account,
        freemium account, standard account, free account""",
    "ACCOUNT_ACTION": """create, creating, open, opening, new, delete, deleting, close, closing,
        remove, removal, removing, deletion, terminate, cancel, edit, editing, update,
        updating, change, changing, modify, correct, switch, switching, use, using, reset,
        resetting, recover, recovering, recovery, retrieve, retrieving, restore,
        restoring, forgot, forgotten, lost, locked, locked out, problem, problems, issue,
        issues, error, errors, trouble, troubles, make, set up, sign up, register,
        unlock, access, can not access, verify, verification, move to, go to, can not,
        unable, not able, not working, does not work, will not let me, is not working,
        blocked, disabled, hacked""",
    "FORGOT": """forgot, forgotten, forget, lost, reset, recover, retrieve, restore,
        can not remember, do not remember, locked out, recovery""",
    "BANK": """bank, banking, banks, checking account, checkings, my checking, savings,
        savings account, 401k, ira, retirement, roth, brokerage, routing number, routing,
        direct deposit, deposit, wells fargo, chase, bank of america, boa, capital one,
        citi, citibank, us bank, credit union, credit score, credit limit, credit report,
        loan, loans, mortgage, apr, interest rate, overdraft, wire money, transfer money,
        transfer funds, account balance, joint account, atm, debit account, discover account,
        retirement account, pension, investment account, freeze, frozen, hold on,
        a hold, block on, a block, move money, send money, money from, unauthorized,
        money market, portfolio, transfer, transferring, from one account, between accounts,
        savings and, and checking, to checking, to savings, move my money, money in my,
        enough money, enough in my, a charge, charge to, did not make, schwab, ameritrade,
        fidelity, vanguard, sears account, pin number, pin to, fund account, college fund,
        usbank, checks, check book, account ending, ending in, ending with""",
    "HUMAN": """human, human being, humans, real person, a person, live person, actual person,
        someone, somebody, somone, somebody real, agent, human agent, live agent,
        representative, rep, operator, staff, employee, manager, supervisor,
        customer service, customer support, customer care, customer assistance,
        customer services, support team, support agent, help desk, helpdesk, call center,
        real human, sales rep, salesperson, associate, team member, service agent,
        assistance team, client service, support staff, a real, an actual, live support,
        somebody else, someone else, customer support team, customer service team,
        assistant, an assistant, a assistant, human assistant, live assistant""",
    "HUMAN_STRONG": """human being, real person, live person, actual person, human agent,
        live agent, representative, operator, customer service, customer support,
        customer care, customer assistance, customer services, support team, support agent,
        help desk, helpdesk, call center, real human, sales rep, salesperson, live support,
        service agent, manager, supervisor, a human, an agent, an operator, a person,
        an assistant, a assistant""",
    "CUST_SERVICE": """customer service, customer support, customer care, customer assistance,
        customer services, support team, help desk, helpdesk, call center, client service,
        service desk, support line, hotline, toll free, free phone, phone number,
        customer support team, customer service team, support number, contact number,
        opening hours, business hours, customer service hours, support hours""",
    "CONTACT": """talk, talk to, talk with, speak, speak to, speak with, speaking, chat with,
        chat to, chatting, contact, contacting, reach, reaching, phone, telephone, email,
        get in touch, connect me, transfer me, put me through, escalate, hand me over,
        pass me to, let me talk, talking, chat, call, calling, get me a, get me an, i want a,
        i need a, i want an, i need an, give me a, can i have a""",
    "BOT_Q": """are you a bot, are you human, are you a human, are you real, are you a robot,
        are you an ai, are you a computer, am i talking to a bot, am i talking to a computer,
        am i talking to a real, am i talking to a human, am i speaking to, is this a bot,
        is this a real, is this a human, is this a computer, human or bot, human or ai,
        human or computer, human or a bot, bot or human, ai or human, are you alive,
        are you a person, are you a real person, person or a bot, person or bot, real or,
        are you an actual, is this an ai, is this automated, a real person or,
        am i talking with, am i chatting with, am i speaking with, if you are human,
        if you are a human, you are a human, you are human, you a human, you a person,
        you are a person, a person or, human or robot, human or a robot, or a robot,
        or a computer, or a machine, you a bot, you are a bot, you a real,
        are you a real, work for someone, working for someone, you work for,
        employed by""",
    "COMPLAINT": """complaint, complaints, complain, complaining, complained, claim, claims,
        reclamation, reclamations, grievance, grievances, file a claim, lodge,
        dissatisfied, dissatisfaction, unhappy, unsatisfied, not satisfied, not happy,
        disappointed, disappointing, disappointment, terrible, awful, horrible, worst,
        unacceptable, ridiculous, pathetic, disgusting, useless, incompetent, rude, scam,
        scammers, scammed, ripped off, poor service, bad service, bad experience, furious,
        angry, frustrated, frustrating, fed up, sucks, garbage, shameful, disgrace,
        appalling, outrageous, never again, lousy, shoddy, shame on you, waste of money,
        waste of time, defective, faulty, broken, damaged, arrived damaged, poor quality,
        bad quality, not acceptable, not okay, worst service, terrible service,
        horrible service, awful service, very bad, so bad, really bad, annoyed, upset,
        mad, livid, consumer claim, customer claim, feedback about, speak to your manager,
        report a complaint""",
    "COMPLAINT_STRONG": """complaint, complaints, complain, complaining, complained, reclamation,
        reclamations, grievance, grievances, file a claim, lodge a claim, make a claim,
        consumer claim, customer claim, claim against, filing a claim, lodging a claim,
        file a complaint, lodge a complaint, make a complaint, raise a complaint,
        register a complaint, submit a complaint, put in a complaint, claim with you,
        make a claim against, filing claim, file claim, lodge claim, make claim""",
    # ---- cart, checkout, negotiation ------------------------------------------------------
    "CART": """cart, carts, basket, baskets, shopping cart, shopping basket, shopping bag,
        my bag, trolley, my cart, the cart, my basket, the basket, carrito""",
    "SELL_Q": """do you sell, do you carry, do you stock, do you guys sell, you guys sell,
        do you guys carry, got any, have you got any""",
    "REMOVE_CART": """out of my cart, out of the cart, out of my basket, out of the basket,
        off my cart, from my cart, from the cart, from cart, from my basket,
        from the basket, from my bag, out of my bag, off my basket, off the cart""",
    "ADD": """add, adding, added, put, throw, toss, include, stick, pop, place, adds""",
    "ADD_STRONG": """add, adding, added, adds, throw in, include, i will add, put in, pop in""",
    "REMOVE": """remove, removing, delete, deleting, take out, take off, drop, get rid of,
        discard, minus, no longer want, do not want, do not need, clear, empty, take away,
        removed, deleted, scrap, ditch, lose the, cancel, leave out, do not want the,
        changed my mind about""",
    "VIEW": """what is in, show, show me, view, see, check, review, list, total, subtotal,
        how much, how many, contents, summary, what did i, what have i, what do i have,
        what are the items, what items, look at, open, whats in, what i have,
        what is my, how much is my, items in, in my""",
    "TAKE_IT": """i will take it, i will take them, i will take this, i will take that,
        i will take one, i will take two, i will take both, i will have it, i will get it,
        i will get them, i will buy it, i want it, i want this one, i want that one,
        i want them, give me that one, give me this one, sold, i will take the,
        i will have the, i will get the, i will have two, i will have one, i will take a,
        i want to get it, i would like to get it, i will go with, go with that one,
        i will take those, i will take these""",
    "CHECKOUT": """check out, checking out, pay now, proceed to payment, proceed to check out,
        proceed to pay, proceed with the order, proceed with my order, place an order, place the order, place order, place my order,
        make an order, make a purchase, complete my order, complete the order,
        complete my purchase, complete purchase, complete the purchase, finalize,
        finalise, buy now, ready to buy, ready to order, ready to pay, ready to check out,
        payment link, check out link, ring me up, wrap it up, how do i pay, how can i pay,
        how to pay, how do i buy, how can i buy, how to buy, how do i order,
        how can i order, how to order, how to purchase, how do i purchase, let me pay,
        i want to pay, i would like to pay, take my money, pay for it, pay for this,
        pay for them, placing an order, make a order, purchase it,
        buy it now, buy this now, complete checkout, go to check out, want to buy it,
        want to order it, i will buy, let us check out, lets check out, place a order,
        placing orders, purchase now, order now, make order, make purchase, do a purchase,
        do purchase, make a buy, buy something, purchase something, order something,
        make an online order, make a new order, place a new order, new order""",
    "BUY": """buy, buying, purchase, purchasing, order, ordering, acquire, acquiring, shop,
        shopping, earn, earning, obtain, purchas""",
    "GENERIC_ITEM": """item, items, article, articles, product, products, something,
        some stuff, stuff, things, several, a few, some of your, goods, merchandise,
        a product, an item, an article, some products, some items, some articles,
        several items, several products, several articles, a few items, a few products,
        a few articles, from you, from your store, on your site, on your website,
        online, your products, your items, your articles, some things, your stuff""",
    "DISCOUNT": """discount, discounts, discounted, coupon, coupons, promo, promo code,
        promo codes, promotion, promotions, promotional, voucher, vouchers, discount code,
        coupon code, offer code, sale price, special price, better price, best price,
        lower price, lower the price, cheaper price, knock off, price match,
        price matching, match the price, match that price, bargain, negotiate, haggle,
        percent off, % off, a deal, give me a deal, any deals, special offer, any offers,
        loyalty discount, student discount, military discount, bulk discount, free gift,
        best you can do, can you do better, do better, wiggle room, come down, go lower,
        go down, lower it, reduce the price, price reduction, cut me a deal, cut the price,
        drop the price, knock the price down, take some off, take a bit off, off the price, coupons available,
        deal on, deals on, good deal, special deal, any sales, on sale, sale on, clearance,
        markdown, cheaper if, discount if, first order discount, newsletter discount,
        referral code, gift code, redeem a code, apply a code, apply code, code for,
        any codes, a code, cashback, approval code, manager code, staff code, employee code,
        authorization code, override code""",
    "DISCOUNT_WEAK": """deals, offer, offers, sale, sales, cheaper, lower, reduce,
        reduction, percent, code, codes""",
    "OFFER_PRICE": """can you do, could you do, would you do, will you do, would you take,
        will you take, could you take, can you take, would you accept, will you accept,
        how about, what about, i will pay, i will give you, my offer is, i offer,
        let it go for, sell it for, sell them for, make it, go down to, meet me at,
        meet me in the middle, split the difference""",
    "OBJECTION": """expensive, too expensive, pricey, overpriced, costly, steep, too much,
        a lot of money, can not afford, afford, out of my budget, over my budget,
        above my budget, over budget, beyond my budget, not worth, worth it, rip off,
        a bit much, that is a lot, more than i wanted, more than i want, spend less,
        on the fence, second thoughts, hmm, hmmm, hmmmm, hmmmmm, hesitant, not sure,
        i will think about it, let me think, need to think, think about it, sleep on it,
        cheaper elsewhere, cheaper somewhere, cheaper at, found it cheaper, saw it cheaper,
        seen it cheaper, bit steep, tight budget, out of my price range, too high,
        price is high, costs too much, way too much, kind of expensive, bit expensive,
        a little expensive, quite expensive, very expensive, so expensive, really expensive,
        crazy price, insane price, outrageous price, too pricey, not in my budget,
        out of budget, budget is tight, on a tight budget, not cheap, hefty, exorbitant,
        i do not know, i am not sure, not convinced, unsure, undecided, maybe, hesitating,
        can get it cheaper, cheaper online, amazon has it, lower elsewhere, break the bank,
        not that cheap, does not seem worth, is it worth, worth the money, worth the price,
        why so expensive, why is it so expensive, why so much, that much""",
    "PRICE_Q": """how much, price, prices, pricing, priced, cost, costs, costing,
        how expensive, price tag, how much does, how much is, how much are,
        what does it cost, what is the price, what are the prices, how much for,
        what do they cost, what does that cost, how much would, price of, cost of,
        how pricey, what price, what is it going for, selling for, sell for, go for""",
    # ---- products ---------------------------------------------------------------------
    "DETAILS": """material, materials, made of, made from, fabric, fabrics, dimension,
        dimensions, measurements, measure, how big, how large, how tall, how wide,
        how heavy, how deep, how long is, how thick, weight, weigh, weighs, heavy,
        waterproof, water resistant, water proof, washable, machine washable,
        dishwasher safe, oven safe, microwave safe, warranty, warranties, specs,
        specifications, spec, features, feature, details, detail, more about, more info,
        more information, tell me about, tell me more, describe, description,
        does it come with, does it have, does it include, come with, comes with, included,
        include, battery, battery life, compatible, compatibility, work with, works with,
        fit, fits, true to size, runs small, runs large, run small, run big, reviews,
        rating, ratings, rated, quality, durable, durability, assembly, assembled,
        assemble, care instructions, clean, cleaning, wash, capacity, wattage,
        voltage, resolution, memory, sturdy, comfortable, comfy, soft, thick, thin,
        breathable, organic, vegan, cruelty free, brand, made in, manufacturer,
        what kind of, what type of, is it good, is it any good, good quality, last long,
        it last, hold up, stretchy, stretch, lining, padded, insulated, noise, loud,
        quiet, warm, weight limit, max weight, support weight, hold, holds, size guide,
        size chart, sizing, length, width, height, depth, inches, specs of, what color is,
        what colour is, ingredients in it, safe for, suitable for kids, easy to clean,
        easy to assemble, need assembly, require assembly, does it need, can it be,
        can i wash, does this, does that, does it, is this, is that, is it, are these,
        are those, are they, do they, do these, how does it, how do they, what is it,
        what is this, what are they""",
    "RECOMMEND": """recommend, recommendation, recommendations, recommended, recommand,
        suggest, suggestion, suggestions, suggested, what should i get, what should i buy,
        which should i, which one should, what would you, which would you, your advice,
        advice, advise, help me choose, help me pick, help me decide, can not decide,
        can not choose, what do you think, your pick, your favorite, your favourite,
        ideas, idea, gift, gifts, gift for, gift ideas, present for, a present,
        good for, best for, ideal for, perfect for, suitable for, most popular,
        bestseller, bestsellers, best seller, best sellers, best selling, popular,
        trending, top rated, top picks, what is good, what is best, what is the best,
        which is the best, the best, best, what goes with, goes well with, match with,
        pair with, should i go with, should i choose, should i pick, should i buy,
        should i get, what would look good, would look good, what works for,
        what do you suggest, what do you recommend, any ideas, any suggestions,
        any recommendations, help me find something, something nice, something good,
        surprise me, which one is good, which ones are good, which do you like,
        what do people buy, what do customers, customers like, highly rated""",
    "COMPARE": """compare, comparing, comparison, compared, difference, differences, differ,
        different from, vs, versus, which is better, which one is better, better than,
        side by side, pros and cons, how do they compare, how does it compare,
        how do they differ, same as, similar to, the difference, what is the difference,
        which is cheaper, which one is cheaper, which is more, which one is more,
        which is lighter, which is bigger, which is smaller, which lasts longer, or the,
        between these, between the two, between them, these two, those two, the two,
        both of them, either of them""",
    "AVAIL": """in stock, out of stock, stock, stocked, available, availability, unavailable,
        back in stock, restock, restocked, restocking, sold out, any left, have any left,
        left in stock, still have, do you still, come in, comes in, come in other,
        other colors, other colours, other sizes, what colors, what colours, what sizes,
        which colors, which colours, which sizes, colors available, sizes available,
        in my size, in size, in a size, in other, in another, have it in, have this in,
        have that in, have them in, have these in, have those in, get it in, carry it in,
        inventory, preorder, pre order, pre-order, when will it be available,
        other color, other colour, another color, another colour, different color,
        different colour, different size, another size, bigger size, smaller size,
        larger size, in a bigger, in a smaller, in a larger, how many left, how many do you have,
        is it available, are they available, is this available, still available,
        available in, comes in other, does it come in, do they come in, does this come in,
        does that come in, what sizes do, what colors do, what colours do, on hand,
        in store, at the store, ship now, ready to ship, when back, be back""",
    "SEARCH": """looking for, look for, searching for, search for, search, find, find me,
        show me, shopping for, shop for, i need, i want, i would like, i am after,
        need, want, got any, do you have, do you sell, do you carry, do you stock,
        do you guys have, have you got, you guys sell, browse, get me, i am interested in,
        interested in, where can i find, where can i get, in the market for, hunting for,
        on the lookout, help me find, any, show, options for, selection of, range of,
        what kind of, what types of, do you offer, can i get, can i see, could i see,
        let me see, i am searching, looking at, i am looking, looking to buy, want to buy,
        need to buy, would like to buy, wanting, seeking, i would love, got anything,
        anything in, something in, what do you have, what have you got, buy, need a,
        need an, need some, want a, want an, want some, do you have any, have any,
        sell, carry, stock, cheap, cheapest, affordable, budget, inexpensive, on sale""",
    "PRODUCT_GENERIC": """something, anything, stuff, things, one, ones, options, products,
        items, gift, present""",
    "ATTR": """leather, wood, wooden, solid wood, metal, velvet, linen, cotton, wool, silk,
        glass, marble, rattan, wicker, bamboo, ceramic, stainless steel, steel, plastic,
        acrylic, modern, contemporary, rustic, farmhouse, vintage, mid century, mid-century,
        industrial, boho, bohemian, scandinavian, minimalist, traditional, coastal,
        outdoor, indoor, kids, kid, children, childrens, baby, mens, men, womens, women,
        ladies, boys, girls, unisex, waterproof, wireless, bluetooth, smart, portable,
        foldable, folding, adjustable, electric, cordless, led, solar, organic, vegan,
        personalized, custom, round, square, rectangular, oval, tall, small, large, mini,
        oversized, king, queen, twin, full, upholstered, tufted, reclining, swivel,
        extendable, convertible, stackable, floating, wall mounted, wall mount, corner,
        l shaped, sectional, modular, queen size, king size, twin size, full size,
        pack of, set of, faux, shag, plush, memory foam, hardwood, teak, oak, pine, walnut,
        acacia, mango wood, cast iron, non stick, nonstick, copper, brass, gold, silver,
        chrome, matte, glossy, distressed, antique, retro, art deco, farm, cottage,
        geometric, striped, floral, plaid, polka dot, animal print, abstract, woven,
        knit, quilted, embroidered, cushioned, ergonomic, heated, cooling, washable,
        eco friendly, sustainable, handmade, luxury, designer, premium, cheap, budget,
        affordable, lightweight, heavy duty, durable, large capacity, slim, compact,
        extra long, long, short, wide, narrow, high, low, deep, shallow, 2 pack, 3 piece,
        double, single, pair, set, youth, toddler, infant, nursery, dorm, office, bedroom,
        living room, dining room, kitchen, bathroom, patio, garden, backyard, balcony,
        entryway, hallway, closet, garage, basement, nursery, outdoor, indoors, porch,
        deck, lawn, pool, beach, camping, hiking, running, walking, training, workout,
        yoga, gym, travel, wedding, party, christmas, halloween, easter, holiday,
        birthday, anniversary, valentines, summer, winter, spring, fall, autumn""",
    # ---- out of scope -------------------------------------------------------------------
    "OOS": """weather, forecast, temperature outside, raining, rain today, sunny, humidity,
        celsius, fahrenheit, umbrella today, degrees outside,
        flight, flights, fly to, flying to, airline, airlines, airport, plane, boarding pass,
        layover, hotel, hotels, motel, hostel, airbnb, book a room, vacation, trip to,
        itinerary, passport, international visa, travel visa, vaccine, vaccines,
        vaccination, shots, baggage, carry on, carry-on, lost luggage, jet lag, time zone,
        timezone, exchange rate, currency conversion, conversion rate, plug type,
        rental car, car rental, rent a car, uber, lyft, taxi, cab, directions to,
        navigate, traffic, commute, how far, miles away, gps, travel alert, travel notice,
        travel notification, going abroad, traveling to, travelling to, visiting,
        gas tank, fuel, mpg, mileage, oil change, tire pressure, tire, tires, tyre, tyres,
        my car, the car, vehicle, engine, jump start, mechanic, car maintenance, smog,
        schedule maintenance, car battery, car needs,
        balance, transfer, deposit, withdraw, routing number, credit score, credit limit,
        credit report, apr, interest rate, loan, mortgage, overdraft, 401k, ira, roth,
        pension, stocks, stock price, shares, invest, investment, dividend,
        fraudulent, transactions, spending, spent on, income, salary, paycheck, payday,
        taxes, tax, w2, irs, insurance, deductible, benefits, rewards points,
        redeem points, redeem my, checks, checkbook, bank account, checking account,
        savings account, my bank, routing,
        pto, vacation days, sick days, time off, meeting, meetings, calendar, schedule,
        appointment, appointments, boss, coworker, shift, employer, hr department,
        application status, job application,
        recipe, recipes, cook, cooking, bake, baking time, boil, roast, ingredients,
        ingredient, substitute for, substitution, calories, calorie, nutrition,
        nutritional, protein, carbs, vitamins, diet, meal, meals, dinner, breakfast,
        snack, eat, eating, restaurant, restaurants, cuisine, sushi, pizza, burger,
        tacos, pasta, chicken, steak, salad, soup, grocery, groceries, food last,
        go bad, expired, leftovers, cook time, how long to cook, reservation,
        reservations, book a table, reserve a table, table for, dine, dining out, eat out,
        takeout, take out food, delivery food,
        alarm, alarms, timer, timers, reminder, reminders, remind me, todo,
        to do list, shopping list, grocery list, todo list, my list, the list,
        turn on, turn off, switch on, switch off, smart home, volume, louder, quieter,
        mute, whisper, speak slower, speak faster, your accent, language, change your name,
        your name, call you, call me, my name is, my name, sync, bluetooth pairing,
        reset settings, factory reset, settings,
        song, songs, music, playlist, play, playing, album, artist, band, radio, podcast,
        spotify, movie, movies, film, tv show, episode, netflix, score, team, player,
        nba, nfl, nhl, mlb, soccer game, football game, basketball game, game tonight,
        who is, who was, who wrote, who invented, who discovered, who won, who sang,
        who made, who created, who built, who are you, when was, when did, what year,
        capital of, population, president, history of, define, definition, meaning of,
        what does it mean, synonym, antonym, spell, spelling, translate, translation,
        how do you say, in spanish, in french, in german, in italian, in japanese,
        in chinese, math, calculate, calculator, divided by, square root, multiplied,
        fun fact, joke, jokes, riddle, trivia, meaning of life, flip a coin, coin,
        roll a die, roll the dice, dice, random number, how old, birthday, holiday,
        holidays, next holiday, what day is, what time is, time is it, today is,
        the date, current location, where am i, my location, share my location,
        text message, send a text, text my, call mom, call my, make a call, phone call,
        find my phone, lost my phone,
        where are you from, how old are you, do you have pets, your hobbies,
        what can you do, what can i ask, what do you do for fun, do you like,
        are you single, do you love, favorite, favourite, your favorite, you live,
        who do you work for, who owns you, your boss,
        doctor, symptoms, medicine, fever, headache, hospital, sick, pain,
        class, classes, school, homework, college, university, exam, study,
        movie tickets, concert, tickets, lottery, horoscope, zodiac, religion, god,
        politics, election, news, headlines, stock market, bitcoin price, gas, oil, car,
        food, dish, tourist, activities, things to do, entertainment, amazon, walmart,
        costco, target, fact, facts, days off, day off, time off, off work, take off work,
        did i spend, have i spent, i spent, spend on, spending, have i earned,
        did i earn, closest, nearest, near me, nearby, around here, pair with,
        connect the, in the oven, in the freezer, in the fridge, money market, unleaded,
        destination, miles, kilometers, get to, go to the, drive to, bus, train, subway,
        vacationing, visiting, visit, utilities""",
    "OOS_VERB": """play, set, turn, tell me a, remind, translate, spell, define, calculate,
        convert, schedule, book, text, call, navigate, flip, roll, sync, reset, cook,
        bake, boil, fly, drive, rent, phone, ring, dial, disconnect, lock, unlock, locked,
        syncing, look up, unreserve, turn""",
    "TRAVEL": """flight, flights, plane, airline, airport, hotel, trip, vacation, travel,
        traveling, travelling, reservation, booking, book""",
    "LIST_OOS": """shopping list, grocery list, to do list, todo list, todo, list,
        playlist, calendar, reminder, reminders, alarm, timer, agenda, schedule""",
    "MY": "my, mine, our",
    "QWORD": """what, how, who, when, where, why, which, is, are, can, could, do, does,
        will, would, should, did, am, was, has, have, had, were""",
    "ME_AGENT": "you, your, yourself",
    "FOR_ME": "for me, for my, for us, for our",
    "NEG": "not, no, never, without",
    "FILLER": """please, just, and, the, a, an, so, well, um, uh, oh, ah, hmm, then, also,
        too, very, much, really, again, now, there, here, to, you, so much, lol, haha,
        for, all, it, that, this, friend, buddy, mate, dude, man, bot, assistant, sir,
        maam, madam, guys, folks, everyone, team, for your help, for helping, for that,
        for the help, for everything, for all, i, me, my, for now, your help, help,
        again, then, yet, ok, kind, nice, of you, for this""",
}

#: Words that make a short phrase a question or a request, not a bare product phrase.
_FUNCTION_WORDS = frozenset(["i", "me", "my", "mine", "we", "us", "our", "you", "your", "he", "she", "they", "them", "it", "its", "is", "are", "was", "were", "be", "been", "am", "do", "does", "did", "can", "could", "would", "should", "will", "shall", "may", "might", "must", "what", "how", "who", "when", "where", "why", "which", "whom", "whose", "there", "here", "this", "that", "these", "those", "if", "then", "than", "so", "not", "no", "yes", "to", "of", "in", "on", "at", "by", "with", "from", "about", "please", "want", "need", "like", "have", "has", "had", "get", "got", "go", "going", "make", "know", "tell", "give", "help", "let", "see", "show", "find", "look"])


class Cues(NamedTuple):
    labels: frozenset[str]
    covered: int  # tokens covered by social/filler phrases
    n_tokens: int


@dataclass(frozen=True)
class RuleResult:
    intent: str
    confidence: float
    rule: str
    cues: frozenset[str] = frozenset()


class Rule(NamedTuple):
    intent: str
    confidence: float
    need: tuple[frozenset[str], ...]  # every group must share a cue with the message
    exclude: frozenset[str]           # any of these cues vetoes the rule
    text: str
    order: int                        # earlier rules win ties


# --------------------------------------------------------------------------------------
# Rules: "intent confidence : GROUP GROUP ! EXCLUDED" - each GROUP is A|B|C (any of).
# --------------------------------------------------------------------------------------

_RULES = """
# order changes (existing orders)
order_change .97 : CANCEL ORDER_N|ORDERID|MY_ORDER ! BOOKING_OOS LIST_OOS
order_change .96 : EXIT FEE
order_change .95 : CHANGE ORDER_N|ORDERID|MY_ORDER ! ADDRESS LIST_OOS BOOKING_OOS ACCOUNT
order_change .95 : ITEM_EDIT ORDERID ! CART
order_change .94 : ITEM_EDIT MY_ORDER ! CART
order_change .93 : ITEM_EDIT ORDER_N ! CART
order_change .95 : ADDR_FIX ADDRESS ! ADDR_NEW
order_change .92 : ADDR_FIX ADDRESS ADDR_NEW
order_change .90 : CANCEL IT_REF ! BOOKING_OOS LIST_OOS OOS
order_change .96 : CANCEL ORDERID
# account
account_help .94 : ADDR_SETUP ADDRESS ! ADDR_FIX ORDER_WORD
account_help .96 : ACCOUNT ACCOUNT_ACTION ! BANK OOS_HARD CARD
account_help .95 : ACCOUNT_TIER ACCOUNT ! BANK
account_help .85 : ACCOUNT ! BANK SHOP_INTENT OOS_HARD
account_help .86 : PIN FORGOT|CHANGE|ACCOUNT_ACTION ! BANK CARD
account_help .80 : PIN ! BANK CARD
unknown .95 : ACCOUNT BANK ! SHOP_INTENT
unknown .93 : PIN BANK
unknown .93 : PIN CARD
# order status and invoices
order_status .96 : STATUS ORDER_N|ORDERID|MY_ORDER ! HOW_LONG CHANGE CANCEL REFUND
order_status .93 : WHEN STATUS ORDER_N|MY_ORDER ! HOW_LONG CANCEL
order_status .92 : STATUS MY_ORDER HOW_LONG
order_status .95 : INVOICE ! OOS_TAX
order_status .92 : BILL BILL_GET ! BILL_OOS OOS
order_status .90 : ORDERID ! CANCEL CHANGE ITEM_EDIT REFUND
order_status .90 : MY_ORDER ORDER_PROBLEM ! CANCEL CHANGE REFUND
order_status .88 : MY_ORDER ! CANCEL CHANGE ITEM_EDIT REFUND RETURN ADDRESS SHIP PAY HOW_LONG
unknown .95 : BILL BILL_OOS ! INVOICE
unknown .90 : BILL PAY ! INVOICE
# shipping
shipping_info .96 : SHIP HOW_LONG ! CARD_OOS
shipping_info .95 : HOW_LONG ORDER_N|GENERIC_ITEM|MY_ORDER ! STATUS_STRONG OOS CARD
shipping_info .96 : SHIP OPTIONS
shipping_info .90 : WHEN ARRIVE GENERIC_ITEM ! ORDER_N OOS OOS_HARD
shipping_info .95 : PLACE_FROM PLACE ! CANCEL CHANGE
shipping_info .93 : SHIP FEE|PRICE_Q|FREE ! CANCEL REFUND RETURN
shipping_info .92 : SHIP QWORD ! STATUS_STRONG CANCEL REFUND RETURN CHANGE ADDRESS OOS
shipping_info .90 : SHIP ! STATUS_STRONG CANCEL REFUND RETURN CHANGE ADDRESS OOS ORDERID
# payments
payment_help .97 : CARD DECLINED ! CARD_OOS BANK
payment_help .80 : CARD DECLINED CARD_OOS
payment_help .96 : PAY_METHOD ! BILL_OOS BANK OOS_TAX OOS_HARD
payment_help .96 : PAY OPTIONS ! BILL_OOS BANK SHIP
payment_help .96 : ACCEPT PAY_BRAND ! BANK CARD_OOS OOS_HARD
payment_help .95 : PAY DECLINED ! BILL_OOS BANK
payment_help .93 : PAY_BRAND PAY|ACCEPT ! BANK CARD_OOS BILL_OOS OOS OOS_HARD REFUND BILL
payment_help .82 : PAY_BRAND ! BANK CARD_OOS BILL_OOS OOS OOS_HARD REFUND INVOICE
unknown .94 : CARD CARD_OOS ! DECLINED SHOP_INTENT
unknown .94 : BILL_OOS PAY ! INVOICE SHOP_INTENT
# refunds and returns
returns_refunds .97 : REFUND ! OOS_TAX TRAVEL BANK
returns_refunds .95 : RETURN_POLICY ! OOS_TAX TRAVEL
returns_refunds .93 : RETURN IT_REF|GENERIC_ITEM|PRODUCT|MY_ORDER|ORDER_N|FIT ! OOS_TAX TRAVEL OOS EXCHANGE_RATE
returns_refunds .91 : RETURN QWORD ! OOS_TAX TRAVEL OOS EXCHANGE_RATE
# human
human_handoff .97 : CONTACT HUMAN_STRONG ! BOT_Q OOS_HARD
human_handoff .93 : CONTACT HUMAN ! BOT_Q OOS_HARD OOS
human_handoff .95 : CUST_SERVICE ! BOT_Q OOS_HARD
human_handoff .88 : HUMAN_STRONG ! BOT_Q SHOP_INTENT OOS OOS_HARD
unknown .95 : BOT_Q ! CONTACT
# complaints
complaint .97 : COMPLAINT_STRONG ! INSURANCE
complaint .93 : COMPLAINT SERVICE_TARGET ! OOS OOS_HARD REFUND ACCOUNT CARD_OOS INSURANCE BANK
complaint .90 : COMPLAINT ! OOS OOS_HARD REFUND SHOP_INTENT ORDER_N ACCOUNT CARD_OOS INSURANCE BANK
# cart
add_to_cart .97 : ADD CART ! REMOVE
add_to_cart .94 : TAKE_IT ! PAY CHECKOUT OOS_HARD OOS
add_to_cart .92 : ADD_STRONG IT_REF|REF|QUANTITY|PRODUCT ! ORDER_N ORDERID LIST_OOS OOS OOS_HARD REMOVE ADDRESS ACCOUNT MY_PRODUCT
add_to_cart .94 : UNITS_OF_IT ! REMOVE PRICE_Q OOS OOS_HARD ORDER_N
remove_from_cart .97 : REMOVE CART
remove_from_cart .96 : REMOVE_CART ! ADD_STRONG
remove_from_cart .92 : REMOVE IT_REF|REF|PRODUCT ! ORDER_N ORDERID MY_ORDER LIST_OOS OOS ACCOUNT BANK
view_cart .96 : CART VIEW ! ADD REMOVE
view_cart .93 : CART ! ADD REMOVE CHECKOUT
# checkout
checkout .96 : CHECKOUT ! PLACE_FROM PAY_BRAND OOS OOS_HARD BILL_OOS BANK
checkout .95 : TAKE_IT PAY|CHECKOUT
checkout .93 : BUY GENERIC_ITEM ! PRODUCT COLOR ATTR PRICE_RANGE OOS OOS_HARD LIST_OOS CANCEL CHANGE REFUND RETURN STATUS_STRONG ITEM_EDIT ORDERID MY_ORDER SHIP CART
checkout .92 : BUY IT_REF ! OOS OOS_HARD LIST_OOS DETAILS PRICE_Q RETURN REFUND ORDER_N
# negotiation
discount_request .96 : OFFER_PRICE MONEY
discount_request .95 : OFFER_PRICE PERCENT
discount_request .96 : DISCOUNT ! BANK OOS OOS_HARD
discount_request .90 : DISCOUNT_WEAK IT_REF|REF|PRICE_Q ! OOS OOS_HARD PRODUCT SEARCH
price_objection .95 : OBJECTION_STRONG ! CANCEL ORDER_N OOS
price_objection .88 : OBJECTION ! CANCEL ORDER_N OOS
# questions about products
compare_products .95 : COMPARE_STRONG ! OOS
compare_products .90 : COMPARE ! OOS
price_inquiry .94 : PRICE_Q IT_REF|REF|PRODUCT ! SHIP CART OOS OOS_HARD BANK BILL_OOS ORDER_N EXCHANGE_RATE
price_inquiry .88 : PRICE_Q ! SHIP CART OOS OOS_HARD BANK BILL_OOS ORDER_N EXCHANGE_RATE
availability .95 : AVAIL_STRONG ! SHIP OOS PAY
availability .92 : AVAIL IT_REF|REF|PRODUCT|SIZE|COLOR ! SHIP OOS PAY ACCOUNT ORDER_N
availability .88 : AVAIL ! SHIP OOS PAY ACCOUNT ORDER_N OPTIONS
recommendation .95 : RECOMMEND_STRONG ! OOS OOS_HARD TRAVEL MY_PRODUCT
recommendation .90 : RECOMMEND PRODUCT|FOR_ME|GIFT ! OOS OOS_HARD TRAVEL MY_PRODUCT
product_details .94 : DETAILS_STRONG IT_REF|REF|PRODUCT ! OOS OOS_HARD MY_PRODUCT
product_details .82 : DETAILS IT_REF|REF ! OOS OOS_HARD PRICE_Q
# searching
product_search .96 : SEARCH PRODUCT ! OOS_HARD MY_PRODUCT NONSEARCH BILL_OOS BANK CARD_OOS
product_search .95 : PRODUCT PRICE_RANGE ! OOS_HARD NONSEARCH
product_search .93 : PRODUCT COLOR|ATTR|SIZE ! OOS_HARD QWORD NONSEARCH MY_PRODUCT OOS
product_search .90 : SEARCH COLOR|ATTR|PRICE_RANGE ! OOS_HARD QWORD NONSEARCH OOS MY_PRODUCT
product_search .80 : SEARCH PRODUCT MY_PRODUCT ! NONSEARCH
product_search .80 : PRICE_RANGE ! OOS NONSEARCH
product_search .91 : SELL_Q ! OOS_HARD NONSEARCH BILL_OOS BANK CARD_OOS PAY_METHOD SHIP DISCOUNT
# out of scope
unknown .96 : OOS OOS2 ! SHOP_INTENT PRODUCT
unknown .94 : OOS ! SHOP_INTENT PRODUCT
unknown .90 : OOS_HARD
unknown .88 : MY_PRODUCT OOS_VERB ! SEARCH CART
"""

# Derived cue groups (a cue may imply others), applied after lookup.
_IMPLIES: dict[str, tuple[str, ...]] = {
    "MY_ORDER": ("ORDER_N",),
    "COMPLAINT_STRONG": ("COMPLAINT",),
    "CUST_SERVICE": ("HUMAN",),
    "PAY_METHOD": ("PAY",),
    "TAKE_IT": ("IT_REF",),
}


def _parse_rules(block: str) -> list[Rule]:
    rules: list[Rule] = []
    for line in block.strip().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        head, _, body = line.partition(":")
        intent, conf = head.split()
        need, _, excl = body.partition("!")
        groups = tuple(frozenset(g.split("|")) for g in need.split())
        if intent not in INTENTS:
            raise ValueError(f"rule for unknown intent {intent!r}")
        rules.append(Rule(intent, float(conf), groups, frozenset(excl.split()), line,
                          len(rules)))
    return rules


RULES = _parse_rules(_RULES)

# Narrower cue sets that rules use to tell near neighbours apart.
_CUES.update({
    "BOOKING_OOS": """reservation, reservations, booking, bookings, flight, flights, hotel,
        appointment, appointments, meeting, meetings, alarm, alarms, timer, reminder,
        reminders, insurance, subscription, newsletter, table for, trip, ride, uber,
        plan, membership, card, cards, check, checks, transfer, payment plan, rental""",
    "ADDR_NEW": """new, another, secondary, second, different, set up, setup, setting up,
        enter, entering, submit, submitting, add, adding, register, save, create""",
    "OOS_TAX": "tax, taxes, irs, w2, tax return, tax refund, taxable",
    "BILL_GET": """get, download, downloading, see, seeing, check, checking, locate, locating,
        find, look, looking, copy, view, send, print, show, retrieve, request, access,
        quick look, #, from, where, obtain, give me""",
    "ORDER_PROBLEM": """missing, lost, wrong item, never came, problem with, issue with,
        something wrong, not here, has not come, did not come, not delivered, wrong order,
        incomplete""",
    "STATUS_STRONG": """where is, where are, track, tracking, status, trace, been shipped,
        has it shipped, whereabouts, locate, where was, on its way, tracking number,
        where my, eta""",
    "PLACE_FROM": """order from, ship to, deliver to, delivery to, shipping to, send to,
        place an order from, order to, buy from, purchase from, delivered to, shipped to,
        ship from, deliver in, ship internationally, deliver internationally,
        ship outside, shipping outside, ship abroad, international orders,
        order in, buy in, purchase in, place orders from, make an order from,
        place order from, orders from""",
    "FREE": "free, for free, no charge, complimentary",
    "ORDER_WORD": "order, orders, purchase, purchases, the order, my order, an order",
    "ARRIVE": "arrive, arrives, arriving, arrival, get here, be delivered, come, reach me",
    "FIT": """fit, fits, does not fit, too small, too big, too large, wrong size, wrong color,
        wrong colour, does not work, broken, damaged, defective, not as described""",
    "EXCHANGE_RATE": """exchange rate, exchange rates, currency, dollars to, euros to,
        pounds to, to dollars, to euros, in dollars, in euros, conversion, convert,
        pesos, yen, rupees, rubles, francs, dollars, euros, usd, euro, exchange for""",
    "INSURANCE": "insurance, insurer, policy holder, health plan, dental",
    "SERVICE_TARGET": """service, services, company, business, store, shop, you, your,
        support, experience, staff, website, site, delivery, customer service, people,
        this place, your team, you guys, this app, this chat, this bot, agent""",
    # a budget said with the wish ("a rain jacket, nothing too pricey"): a search for the
    # cheaper ones, not an objection to a price
    "BUDGET_HINT": """nothing too pricey, nothing too expensive, nothing too dear,
        not too pricey, not too expensive, not too dear, nothing pricey, nothing expensive,
        nothing overpriced, nothing crazy expensive, nothing super expensive""",
    "OBJECTION_STRONG": """expensive, too expensive, pricey, overpriced, costly, steep,
        too much, a lot of money, can not afford, out of my budget, over my budget,
        above my budget, over budget, beyond my budget, not worth, rip off, a bit much,
        that is a lot, more than i wanted, more than i want, cheaper elsewhere,
        cheaper somewhere, cheaper at, found it cheaper, saw it cheaper, seen it cheaper,
        bit steep, tight budget, out of my price range, too high, price is high,
        costs too much, way too much, too pricey, not in my budget, out of budget,
        budget is tight, on a tight budget, exorbitant, can get it cheaper,
        cheaper online, lower elsewhere, break the bank, why so expensive,
        is it worth, worth the money, worth the price, not that cheap, hefty, on the fence,
        second thoughts""",
    "COMPARE_STRONG": """compare, comparing, comparison, compared, difference, differences,
        differ, vs, versus, which is better, which one is better, pros and cons,
        side by side, how do they compare, how does it compare, how do they differ,
        which is cheaper, which one is cheaper, better than the, or the other""",
    "AVAIL_STRONG": """in stock, out of stock, back in stock, restock, restocked, restocking,
        sold out, any left, availability, still available, is it available,
        are they available, is this available, does it come in, do they come in,
        does this come in, does that come in, come in other, comes in other,
        available in, other colors, other colours, other sizes, what sizes, what colors,
        what colours, which sizes, which colors, which colours, have it in, have this in,
        have that in, have them in, have these in, have those in, in my size,
        how many left, in a bigger, in a smaller, in a larger, another size,
        another color, another colour, different size, different color, different colour,
        left in stock, have any left, preorder, pre order, inventory""",
    "RECOMMEND_STRONG": """recommend, recommendation, recommendations, recommended, suggest,
        suggestion, suggestions, what should i get, what should i buy, which should i,
        which one should, help me choose, help me pick, help me decide, your advice,
        what do you suggest, any suggestions, gift ideas, gift idea, what would you recommend,
        what would you suggest, should i go with, should i choose, should i pick,
        should i buy, should i get, which would you, what would you get, can not decide,
        can not choose, your pick, your favorite, your favourite, top picks, best sellers,
        bestsellers, most popular, best seller, bestseller, best selling, top rated""",
    "GIFT": "gift, gifts, present, presents, birthday present, gift for, present for",
    "DETAILS_STRONG": """material, materials, made of, made from, fabric, dimension,
        dimensions, measurements, how big, how large, how tall, how wide, how heavy,
        how deep, how thick, weight, weigh, weighs, waterproof, water resistant,
        water proof, washable, machine washable, dishwasher safe, oven safe,
        microwave safe, warranty, specs, specifications, features, details, more about,
        more info, more information, tell me about, tell me more, describe, description,
        does it come with, does it have, does it include, comes with, come with,
        battery life, compatible, compatibility, works with, true to size, runs small,
        runs large, reviews, rating, ratings, quality, durable, assembly, assemble,
        care instructions, capacity, wattage, resolution, breathable, made in, warranty on,
        what kind of, what type of, last long, hold up, weight limit, size guide,
        size chart, sizing, easy to clean, easy to assemble, need assembly,
        require assembly, is it good, any good, good quality, sturdy, comfortable""",
    "OOS_HARD": """weather, forecast, flight, flights, airline, airport, hotel, recipe, recipes,
        calories, nutrition, credit score, credit limit, playlist, song, songs, translate,
        joke, jokes, fun fact, meaning of life, flip a coin, roll the dice, roll a die,
        uber, lyft, taxi, traffic, restaurant, restaurants, vacation, pto, paycheck,
        payday, 401k, w2, taxes, interest rate, apr, routing number, bank account,
        exchange rate, time zone, timezone, alarm, timer, reminder, remind me,
        calendar, meeting, appointment, directions to, how far, oil change,
        tire pressure, mpg, gas tank, spell, spelling, define, definition,
        what is your name, your name, how old are you, where are you from,
        who made you, who created you, do you have pets, are you a bot, are you human,
        shopping list, grocery list, to do list, todo list, text message, make a call,
        play music, play some, smart home, thermostat to, turn on the, turn off the,
        lights on, lights off, volume, whisper, language, your accent, british accent,
        change accent, an accent, insurance, vaccine,
        vaccines, passport, visa requirements, carry on, lost luggage, car rental,
        rental car, book a flight, book a hotel, book a table, reservation,
        reservations, ingredients, ingredient, substitute for, cook, cooking,
        how long to cook, bake, meal, dinner, breakfast, lunch ideas, what time is it,
        what day is it, date today, current location, where am i, share my location,
        holiday, holidays, transfer money, money transfer, direct deposit, balance,
        bill due, pay my bill, utility bill, electric bill, cable bill, water bill,
        table for 2, table for 3, table for 4, table for 5, table for 6, table for 8,
        table for two, table for three, table for four, table for five, table for six,
        turn the, turn on, turn off, switch on, switch off, dim the, dimmer, brighten,
        lock the, unlock the, lock every, lock my doors, pair with, connect with my,
        connect to my, sync my, fun facts, a fact, neat fact, did i spend, have i spent,
        spend on, need a visa, a visa to, visa to, tourist visa, visa for, visa before,
        in the oven, in the fridge, in the freezer, days off, day off, time off,
        how many miles, get to the, how long to get, to get to, oil changed, oil change,
        percent off of, % off of, money market, move my money, transfer from,
        who do you work for, work for me, where i put, where did i put, where did i leave,
        where i left, my keys, my wallet, my phone, check engine, mechanic, hobbies,
        hobby, reserve, how busy, trivia, fan on, tv on, lights on, on turn, switch fan,
        switch tv, put fan, substitute, date today, the date, full date""",
})

# Countries and big cities a shopper may name when asking where a store ships.
_PLACES = frozenset(p.strip() for p in ["\nusa", " us", " america", " united states", " canada", " mexico", " uk", " united kingdom", " england", " scotland", "\nwales", " ireland", " france", " germany", " spain", " portugal", " italy", " netherlands", " belgium", " austria", "\nswitzerland", " sweden", " norway", " denmark", " finland", " poland", " hungary", " czech republic", " greece", "\nturkey", " russia", " ukraine", " romania", " japan", " china", " korea", " south korea", " india", " pakistan", "\nsingapore", " malaysia", " thailand", " vietnam", " indonesia", " philippines", " australia", " new zealand", "\nbrazil", " argentina", " chile", " colombia", " peru", " south africa", " nigeria", " kenya", " egypt", " morocco", "\nisrael", " uae", " dubai", " saudi arabia", " qatar", " europe", " asia", " africa", " abroad", " overseas", "\nnew york", " london", " paris", " berlin", " madrid", " rome", " tokyo", " toronto", " vancouver", " montreal", "\nsydney", " melbourne", " chicago", " los angeles", " san francisco", " seattle", " boston", " miami", "\ndallas", " houston", " detroit", " philadelphia", " atlanta", " denver", " phoenix", " munich", " dublin", "\nliverpool", " manchester", " valencia", " barcelona", " lisbon", " amsterdam", " brussels", " vienna", "\nzurich", " stockholm", " oslo", " copenhagen", " helsinki", " warsaw", " prague", " budapest", " athens", "\nistanbul", " moscow", " beijing", " shanghai", " hong kong", " seoul", " mumbai", " delhi", " bangkok", "\nhawaii", " alaska", " puerto rico", " texas", " california", " florida", " my country", " my city", "\ninternationally", " international", " outside the us", " outside the country\n"])
_CUES["PLACE"] = ", ".join(sorted(p for p in _PLACES if p))
# "2 bags of that", "three boxes of those": a count of what is in view, in its packaging
_CUES["UNITS_OF_IT"] = ", ".join(
    f"{unit} of {ref}" for unit in ("bags", "boxes", "bottles", "packs", "cans", "tubs", "jars",
                                    "cases", "rolls", "tubes", "pairs", "sets", "packets")
    for ref in ("that", "this", "it", "those", "these", "them", "that one", "this one"))

#: Cues that mean the message is about something other than finding a product.
_NONSEARCH = frozenset({
    "RETURN", "REFUND", "RETURN_POLICY", "CART", "CANCEL", "DETAILS_STRONG", "PRICE_Q",
    "AVAIL_STRONG", "COMPARE_STRONG", "RECOMMEND_STRONG", "DISCOUNT", "OBJECTION_STRONG",
    "SHIP", "PAY_METHOD", "ADD", "REMOVE", "TAKE_IT", "CHECKOUT", "COMPLAINT_STRONG",
    "CUST_SERVICE", "ORDERID", "MY_ORDER", "INVOICE", "OFFER_PRICE", "ACCOUNT", "UNITS_OF_IT",
})
#: Cues that make a store matter in the message (an out-of-scope word then only hedges).
_SHOP = frozenset({
    "ORDER_N", "CART", "CHECKOUT", "REFUND", "RETURN_POLICY", "SHIP", "PAY_METHOD",
    "DISCOUNT", "CUST_SERVICE", "COMPLAINT_STRONG", "INVOICE", "TAKE_IT", "AVAIL_STRONG",
    "COMPARE_STRONG", "RECOMMEND_STRONG", "ORDERID", "MY_ORDER", "OFFER_PRICE",
    "PRICE_RANGE",
})
_SOCIAL = ("GREET", "GREET_Q", "GREET_MEET", "BYE", "THANK", "YES", "YES_WEAK", "NO",
           "FILLER")

# --------------------------------------------------------------------------------------
# Build the tables once
# --------------------------------------------------------------------------------------


def _split(block: str) -> list[str]:
    """Comma-separated phrases; a phrase may wrap onto the next line."""
    return [" ".join(p.split()).lower() for p in block.split(",") if p.strip()]


def _tok(phrase: str) -> tuple[str, ...]:
    out: list[str] = []
    for t in _TOKEN.findall(phrase.lower()):
        out.extend(_EXPAND.get(t, (t,)))
    return tuple(out)


def _build() -> tuple[dict[tuple[str, ...], frozenset[str]], int, frozenset[str]]:
    table: dict[tuple[str, ...], set[str]] = {}
    for label, block in _CUES.items():
        for phrase in _split(block):
            table.setdefault(_tok(phrase), set()).add(label)
    for noun in PRODUCT_NOUNS:
        table.setdefault(_tok(noun), set()).add("PRODUCT")
    for color in COLORS:
        table.setdefault(_tok(color), set()).add("COLOR")
    for size in SIZE_WORDS:
        table.setdefault(_tok(size), set()).add("SIZE")
    for labels in table.values():
        for label in list(labels):
            labels.update(_IMPLIES.get(label, ()))
    frozen = {k: frozenset(v) for k, v in table.items() if k}
    longest = max(len(k) for k in frozen)
    vocab = frozenset(w for k in frozen for w in k) | _FUNCTION_WORDS
    return frozen, longest, vocab


_TABLE, _LONGEST, _VOCAB = _build()
_STARTS = frozenset(k[0] for k in _TABLE if len(k) > 1)

# --------------------------------------------------------------------------------------
# Typo correction: one edit away from a known word (deletes index, built once)
# --------------------------------------------------------------------------------------


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1:] for i in range(len(word))}


#: Ordinary English words that sit one edit away from a cue word ("never"/"fever",
#: "older"/"order"): never "corrected".
_REAL_WORDS = frozenset(["about", "above", "after", "again", "against", "along", "already", "also", "although", "always", "among", "another", "answer", "anyone", "anything", "anyway", "around", "asked", "asking", "away", "because", "become", "before", "began", "begin", "being", "below", "better", "between", "beyond", "bring", "brought", "build", "built", "called", "came", "cannot", "caught", "cause", "certain", "change", "chance", "child", "children", "close", "cold", "color", "come", "comes", "coming", "could", "count", "country", "course", "cover", "crowd", "daily", "dance", "dare", "dark", "dated", "dealt", "death", "decide", "deep", "degree", "drive", "early", "earth", "easily", "eight", "either", "eleven", "else", "ended", "enough", "entire", "error", "even", "evening", "event", "ever", "every", "exact", "example", "except", "expect", "face", "fact", "fail", "fair", "fall", "false", "family", "famous", "father", "fear", "feel", "felt", "fever", "field", "fight", "final", "finally", "fine", "finger", "first", "floor", "follow", "food", "force", "forever", "form", "forth", "forward", "found", "four", "frame", "friend", "front", "full", "fully", "funny", "further", "game", "gave", "give", "given", "giving", "glad", "goes", "going", "gone", "good", "got", "great", "green", "ground", "group", "grow", "guess", "half", "hand", "happen", "happy", "hard", "have", "head", "hear", "heard", "heart", "heat", "held", "help", "here", "high", "hold", "home", "hope", "horse", "hour", "house", "however", "human", "hundred", "idea", "ideas", "image", "inside", "instead", "into", "issue", "itself", "join", "joke", "just", "keep", "kept", "kind", "king", "knew", "know", "known", "large", "later", "laugh", "lead", "learn", "least", "leave", "left", "less", "letter", "level", "life", "light", "like", "line", "list", "listen", "little", "live", "lived", "lives", "living", "local", "long", "longer", "look", "looked", "lose", "loss", "lost", "lots", "loud", "love", "lower", "made", "main", "make", "many", "mark", "matter", "maybe", "mean", "meant", "means", "meet", "might", "mind", "minute", "miss", "moment", "money", "month", "more", "morning", "most", "mother", "move", "much", "music", "must", "name", "near", "nearly", "need", "needs", "never", "next", "night", "none", "noon", "north", "note", "nothing", "notice", "number", "offer", "often", "older", "once", "only", "open", "order", "other", "others", "ought", "outer", "outside", "over", "owner", "paper", "part", "party", "pass", "past", "people", "perhaps", "person", "picture", "piece", "place", "plain", "plan", "plane", "play", "please", "point", "poor", "power", "press", "pretty", "price", "print", "probably", "problem", "prove", "pull", "purpose", "quite", "race", "rather", "reach", "read", "ready", "real", "really", "reason", "recall", "record", "remember", "rest", "right", "river", "road", "rock", "room", "round", "rule", "running", "said", "same", "save", "saw", "says", "school", "score", "second", "seem", "seemed", "seen", "sense", "sent", "serve", "seven", "shall", "short", "shot", "should", "show", "shown", "side", "sign", "simple", "since", "single", "sister", "size", "sleep", "small", "smile", "social", "some", "something", "sometimes", "soon", "sorry", "sound", "south", "space", "speak", "special", "spend", "spent", "stand", "start", "state", "stay", "step", "still", "stood", "stop", "story", "street", "strong", "study", "such", "sure", "surely", "table", "taken", "talk", "teach", "tell", "tells", "than", "that", "their", "them", "then", "there", "these", "they", "thing", "think", "third", "those", "though", "thought", "three", "through", "time", "today", "together", "told", "tomorrow", "took", "total", "touch", "toward", "town", "tried", "true", "trust", "truth", "turn", "under", "until", "upon", "used", "useful", "usual", "very", "voice", "wait", "walk", "wall", "want", "warm", "watch", "water", "ways", "week", "weight", "well", "went", "were", "what", "where", "whether", "which", "while", "white", "whole", "whose", "wide", "wife", "will", "wind", "window", "winter", "wish", "with", "within", "without", "woman", "women", "wonder", "word", "words", "work", "world", "worry", "would", "write", "wrong", "year", "years", "young", "your", "yours", "older", "elder", "alder", "folder", "holder", "ordered", "orders", "sorted", "border", "corner", "hover", "cover", "lover", "rover", "mover", "cancer", "center", "cent", "parcel", "broker", "amount", "amounts", "mount", "count", "counts", "account", "accounts", "hotel", "motel", "model", "models", "level", "label", "basic", "music", "movie", "movies", "weather", "leather", "feather", "father", "mother", "other", "bother", "brother", "either", "neither", "rather", "shipped", "ships", "ship", "trip", "trips", "drip", "chip", "chips", "clip", "shop", "shops", "stop", "stops", "step", "steps", "cards", "card", "cart", "carts", "hard", "yard", "ward", "bard", "board", "boards", "aboard", "abroad", "afford", "effort", "refuse", "refused", "reuse", "because", "pause", "cause", "close", "closed", "clothes", "cloth", "those", "chose", "chosen", "dollar", "dollars", "collar", "color", "colors", "colour", "colours", "solar", "polar", "sugar", "cigar", "price", "prices", "prize", "prizes", "pride", "bride", "bridge", "ridge", "fridge", "fudge", "judge", "budget", "budgets", "order", "orders", "older", "elder", "wonder", "wander", "water", "waiter", "writer", "winter", "minute", "minutes", "change", "changes", "charge", "charges", "chance", "chances", "range", "ranges", "orange", "oranges", "strange", "return", "returns", "rerun", "turn", "turns", "burn", "burns", "learn", "learns", "earn", "earns", "yearn", "deliver", "delivers", "liver", "river", "rivers", "silver", "sliver", "shiver", "refund", "refunds", "refuse", "fund", "funds", "found", "pound", "pounds", "round", "sound", "wound", "invoice", "voice", "voices", "choice", "choices", "account", "accounts", "count", "counts", "amount", "amounts", "mount", "mounts", "human", "humane", "woman", "women", "roman", "agent", "agents", "argent", "urgent", "regent", "cancel", "cancels", "camel", "camels", "canal", "panel", "panels", "kernel", "status", "statue", "statues", "stature", "track", "tracks", "trick", "tricks", "truck", "trucks", "crack", "cracks", "address", "adress", "dress", "dresses", "parcel", "parcels", "pencil", "pencils", "password", "passwords", "passport", "passports", "login", "logic", "logo", "store", "stores", "storm", "storms", "story", "stories", "stone", "stones", "offer", "offers", "offset", "often", "differ", "stock", "stocks", "stick", "sticks", "stack", "stacks", "clock", "clocks", "block", "blocks",
    # shopping talk one edit from a cue word ("climb" is no "claim")
    "climb", "climbs", "climber", "bright", "flight", "sport", "sports", "shirt", "shirts",
    "skirt", "shorts", "boots", "socks", "ankle", "angle", "cable", "cables", "tablet", "pillow",
    "yellow", "plant", "plants", "paint", "sweater", "heater", "kettle", "bottle", "title",
    "roller", "stroller", "blender", "tender", "slender", "sender", "spender"])


def _build_deletes() -> dict[str, str]:
    index: dict[str, str] = {}
    for word in sorted(_TARGETS, key=lambda w: (len(w), w)):
        for d in _deletes(word):
            index.setdefault(d, word)
    return index


def _targets() -> frozenset[str]:
    """Words worth mending: the vocabulary of in-scope cues, five letters or more."""
    skip = {"OOS", "OOS_HARD", "FILLER", "QWORD", "OOS_VERB", "PLACE", "BOOKING_OOS",
            "BILL_OOS", "CARD_OOS", "BANK", "ATTR", "EXCHANGE_RATE", "INSURANCE", "OOS_TAX",
            "LIST_OOS", "TRAVEL"}
    words: set[str] = set()
    for label, block in _CUES.items():
        if label in skip:
            continue
        for phrase in _split(block):
            words.update(w for w in _tok(phrase) if len(w) >= 5 and w.isalpha())
    return frozenset(words)


_TARGETS = _targets()
_DELETES = _build_deletes()
_correction_cache: dict[str, str] = {}


def correct(token: str) -> str:
    """The known word one edit away from `token`, or `token` itself.

    Shoppers type fast ("cancfel", "acount", "shippment"); one edit is enough to catch
    most slips without turning real words into others.
    """
    if token in _VOCAB or len(token) < 4 or not token.isalpha() or token in _REAL_WORDS:
        return token
    hit = _correction_cache.get(token)
    if hit is not None:
        return hit
    best = token
    if singular(token) in _VOCAB:
        best = singular(token)
    elif token in _DELETES:  # a letter was left out
        best = _DELETES[token]
    else:
        for d in sorted(_deletes(token)):
            if d in _TARGETS:  # a letter too many
                best = d
                break
            if d in _DELETES and len(token) >= 5:  # a letter swapped
                best = _DELETES[d]
                break
    if len(_correction_cache) < 100_000:
        _correction_cache[token] = best
    return best


def normalize(text: str) -> Normalized:
    """Lower-case tokens with contractions expanded, noise dropped and typos mended."""
    raw = _TOKEN.findall(text.lower().replace("’", "'").replace("‘", "'"))
    tokens: list[str] = []
    for t in raw:
        if t in _DROP:
            continue
        exp = _EXPAND.get(t)
        if exp:
            tokens.extend(exp)
        elif t.endswith("'s") and len(t) > 3:
            tokens.append(correct(t[:-2]))
        else:
            tokens.append(correct(t))
    return Normalized(tuple(tokens), " ".join(tokens))


# --------------------------------------------------------------------------------------
# Cheap regex features on the raw text
# --------------------------------------------------------------------------------------

# Each led by a class of the characters a match can start with (`(?=[…])`): the engine
# tries a pattern at every position, and the class turns most away with one test instead of
# a walk through the alternatives. The order-id spaces are possessive: "order" + 300 spaces
# + "x1" took 0.3 s trying every split of the spaces between the three runs.
_RX_ORDERID = re.compile(
    r"(?=[\d#op])(?:(?<![\w$€£.,])\d{6,}(?![\w.,])|#\s?[a-z]{1,4}-?\d{3,}|(?:order|purchase)"
    r"\s*+(?:number|no\.?|#|id)?\s*+[:#]?\s*+[a-z]{0,3}\d{4,})", re.IGNORECASE)
_RX_MONEY = re.compile(
    r"(?=[$€£¥\d])"
    r"(?:[$€£¥]\s?\d|\d\s?(?:[$€£]|dollars?|bucks|euros?|usd|eur|gbp|quid|pounds)\b)",
    re.IGNORECASE)
_RX_RANGE = re.compile(
    r"(?=[ublcnamowf\d$€£])"
    r"(?:\b(?:under|below|less\s+than|cheaper\s+than|no\s+more\s+than|at\s+most|max(?:imum)?|"
    r"up\s+to|over|above|more\s+than|at\s+least|between|around|about|budget(?:\s+is|\s+of)?|"
    r"within|from)\s*[$€£]?\s?\d|\d\s?-\s?[$€£]?\d+\s?(?:dollars|bucks|euros|usd)"
    r"|[$€£]\d+\s?(?:-|to)\s?[$€£]?\d)", re.IGNORECASE)
_RX_QTY = re.compile(
    r"(?=[\dtfsenapg])"
    r"(?:\b(?:\d{1,2}|two|three|four|five|six|seven|eight|nine|ten|a\s+dozen|a\s+couple|"
    r"a\s+pair)\s+(?:of\s+(?:those|these|them|it)|pairs?|pieces?|packs?|sets?|units?|more)\b"
    # "add 2 please", "put 3 in the cart", "add two in red"
    r"|\b(?:add|put|throw|toss|pop|stick|grab)\s+(?:\d{1,2}|two|three|four|five|six|seven|"
    r"eight|nine|ten|a\s+dozen|a\s+couple|a\s+pair)\b(?!\s*(?:%|percent|dollars?|bucks|off)))",
    re.IGNORECASE)
_RX_REF = re.compile(
    r"(?=[tfsloni])"
    r"(?:\bthe\s+(?:first|second|third|fourth|fifth|last|other|1st|2nd|3rd|4th|5th|cheaper|"
    r"cheapest|bigger|smaller|[a-z]+)\s+ones?\b|\b(?:first|second|third|last)\s+one\b"
    r"|\b(?:option|number|item|no\.?)\s?[1-9]\b|\bthe\s+(?:first|second|third|last)\b)",
    re.IGNORECASE)
_RX_IT = re.compile(r"(?=[it])\b(?:it|this|that|these|those|them|this\s+one|that\s+one)\b",
                    re.IGNORECASE)
_RX_NUM = re.compile(r"\d")
# a percentage said as a price, not a product's ("the 15% vitamin c serum")
_RX_PERCENT = re.compile(r"(?=\d)\d{1,2}(?:\.\d{1,2})?\s?(?:%|percent\b|pct\b)(?=\s{0,3}(?:$|[?.!,]|"
                         r"off\b|discount|then\b|please\b|pls\b|instead\b|and\b|or\b|at\b))",
                         re.IGNORECASE)


def _regex_cues(text: str) -> set[str]:
    out: set[str] = set()
    if _RX_NUM.search(text):
        out.add("NUMBER")
        if _RX_ORDERID.search(text):
            out.add("ORDERID")
        if _RX_MONEY.search(text):
            out.add("MONEY")
        if _RX_RANGE.search(text):
            out.add("PRICE_RANGE")
        if _RX_PERCENT.search(text):
            out.add("PERCENT")  # "can you do 10%?": with an offer word, a discount asked
    if _RX_QTY.search(text):
        out.add("QUANTITY")
    if _RX_REF.search(text):
        out.add("REF")
    if _RX_IT.search(text):
        out.add("IT_REF")
    return out


def cues_of(norm: Normalized, text: str) -> Cues:
    """Every cue label in the message, and how much of it is small talk."""
    toks = norm.tokens
    n = len(toks)
    labels: set[str] = _regex_cues(text)
    covered = [False] * n
    oos_hits = 0
    i = 0
    product_until = -1  # inside "bar cart", "cart" is furniture, not the basket
    while i < n:
        t = toks[i]
        if t in _STARTS:
            for size in range(min(_LONGEST, n - i), 1, -1):
                key = toks[i:i + size]
                hit = _TABLE.get(key)
                if hit:
                    labels |= hit
                    if "OOS" in hit:
                        oos_hits += 1
                    if not hit.isdisjoint(_SOCIAL):
                        for j in range(i, i + size):
                            covered[j] = True
                    if "PRODUCT" in hit:
                        product_until = max(product_until, i + size - 1)
                    break
        if 0 < i <= product_until:
            i += 1
            continue
        hit = _TABLE.get((t,))
        if hit is None and len(t) > 3:
            hit = _TABLE.get((singular(t),))
        if hit:
            labels |= hit
            if "OOS" in hit:
                oos_hits += 1
            if not hit.isdisjoint(_SOCIAL):
                covered[i] = True
            if "PRODUCT" in hit and i > 0 and toks[i - 1] in ("my", "our"):
                labels.add("MY_PRODUCT")
            if "PRODUCT" in hit and i > 1 and toks[i - 2] in ("my", "our"):
                labels.add("MY_PRODUCT")
        i += 1
    if oos_hits >= 2:
        labels.add("OOS2")
    if "BUDGET_HINT" in labels:  # "nothing too pricey": its "too pricey" objects to nothing
        labels -= {"OBJECTION", "OBJECTION_STRONG"}
    if not labels.isdisjoint(_NONSEARCH):
        labels.add("NONSEARCH")
    if not labels.isdisjoint(_SHOP):
        labels.add("SHOP_INTENT")
    if n and toks[0] in ("what", "how", "who", "when", "where", "why", "which"):
        labels.add("QSTART")
    return Cues(frozenset(labels), sum(covered), n)


# --------------------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------------------

#: cue -> rules whose first group it satisfies: only those are worth checking.
_BY_FIRST: dict[str, list[Rule]] = {}
for _rule in RULES:
    for _cue in _rule.need[0]:
        _BY_FIRST.setdefault(_cue, []).append(_rule)


_YES_FIRST = frozenset({"yes", "yeah", "yep", "yup", "sure", "absolutely", "definitely",
                        "certainly", "correct", "right", "true", "exactly", "affirmative",
                        "indeed", "okay", "alright", "totally", "agreed"})


def _social(c: Cues, norm: Normalized) -> RuleResult | None:
    """Small talk: only when it is (nearly) the whole message."""
    labels = c.labels
    rest = c.n_tokens - c.covered
    if c.n_tokens == 0:
        return None
    conf = 0.97 if rest == 0 else 0.9 if rest == 1 and c.n_tokens >= 3 else (
        0.8 if rest <= 2 else 0.6)
    if "NO" in labels and ("YES" not in labels or "NEG" in labels
                           or norm.tokens[0] not in _YES_FIRST):
        return RuleResult("deny", conf, "social:no", labels)
    if "GREET_MEET" in labels:
        return RuleResult("greeting", conf, "social:greet", labels)
    if "BYE" in labels:
        return RuleResult("goodbye", conf, "social:bye", labels)
    if "THANK" in labels:
        return RuleResult("thanks", conf, "social:thanks", labels)
    if "GREET_Q" in labels:
        return RuleResult("greeting", conf, "social:greet", labels)
    if "YES" in labels:
        return RuleResult("affirm", conf, "social:yes", labels)
    if "GREET" in labels or "GREET_Q" in labels:
        return RuleResult("greeting", conf, "social:greet", labels)
    if "YES_WEAK" in labels:
        return RuleResult("affirm", min(conf, 0.9), "social:ok", labels)
    return None


def classify_rules(text: str) -> RuleResult:
    """Best rule answer for one message (intent, confidence, which rule)."""
    norm = normalize(text)
    c = cues_of(norm, text)
    labels = c.labels
    best: Rule | None = None
    for cue in labels:
        for rule in _BY_FIRST.get(cue, ()):
            if best is not None and (rule.confidence, -rule.order) <= (best.confidence,
                                                                       -best.order):
                continue
            if not rule.exclude.isdisjoint(labels) or any(g.isdisjoint(labels)
                                                          for g in rule.need):
                continue
            best = rule
    social = _social(c, norm)
    if social is not None and (best is None or social.confidence > best.confidence
                               or (c.n_tokens - c.covered == 0 and c.n_tokens > 0)):
        return social
    if best is not None:
        return RuleResult(best.intent, best.confidence, best.text, labels)
    return _fallback(norm, c)


def _fallback(norm: Normalized, c: Cues) -> RuleResult:
    """No rule fired: a bare product phrase is a search; anything else is probably not a
    store's business, but only the semantic layer may say so with confidence."""
    labels = c.labels
    toks = norm.tokens
    if "PRODUCT" in labels and "OOS" not in labels and "MY_PRODUCT" not in labels:
        if c.n_tokens <= 6 and "QWORD" not in labels and "OOS_VERB" not in labels:
            return RuleResult("product_search", 0.92, "fallback:bare-product", labels)
        return RuleResult("product_search", 0.75, "fallback:product-noun", labels)
    content = [t for t in toks if t not in _FUNCTION_WORDS]
    if 0 < c.n_tokens <= 5 and len(content) == c.n_tokens and "OOS" not in labels \
            and "OOS_VERB" not in labels and "OOS_HARD" not in labels:
        if not labels.isdisjoint(("COLOR", "ATTR", "SIZE", "PRICE_RANGE")):
            # "boho macrame wall hanging": a described thing, so a thing to buy
            return RuleResult("product_search", 0.9, "fallback:described-noun-phrase", labels)
        return RuleResult("product_search", 0.7, "fallback:noun-phrase", labels)
    if "OOS" in labels:
        return RuleResult("unknown", 0.85, "fallback:oos-cue", labels)
    return RuleResult("unknown", 0.6, "fallback:none", labels)
