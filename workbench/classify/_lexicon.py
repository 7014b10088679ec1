"""Word lists and phrase rules the classifier adds to VADER, in one place.

General knowledge of how customers write to brands, not anything learnt from an evaluation set.
Valences are on VADER's scale (about -4..+4).
"""

from __future__ import annotations

import re


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


def _alternatives(body: str) -> list[str]:
    """The top-level ``|`` branches of a regular expression."""
    parts, depth, start, i = [], 0, 0, 0
    in_class = False
    while i < len(body):
        ch = body[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            parts.append(body[start:i])
            start = i + 1
        i += 1
    parts.append(body[start:])
    return parts


def _by_first_letter(body: str) -> str:
    """``body``'s branches grouped by first letter, which ``re`` tries far faster than a long flat
    list of branches."""
    groups: dict[str, list[str]] = {}
    rest: list[str] = []
    for branch in _alternatives(body):
        if branch[:1].isalnum() or branch[:1] in "#'":
            groups.setdefault(branch[0], []).append(branch[1:])
        else:
            rest.append(branch)
    merged = [f"{first}(?:{'|'.join(tails)})" for first, tails in groups.items()] + rest
    return "|".join(merged)


def _fast_words(body: str) -> re.Pattern[str]:
    """``\\b(?:body)\\b``, branches grouped by first letter."""
    return re.compile(r"\b(?:" + _by_first_letter(body) + r")\b")


# Words VADER lacks or misjudges in customer care.
LEXICON: dict[str, float] = {
    "outage": -1.8,
    "outages": -1.8,
    "crashing": -1.7,
    "crashes": -1.7,
    "crashed": -1.7,
    "glitch": -1.3,
    "glitches": -1.3,
    "glitching": -1.3,
    "glitchy": -1.3,
    "buggy": -1.4,
    "laggy": -1.1,
    "unresponsive": -1.5,
    "unusable": -2.0,
    "unreliable": -1.6,
    "overcharged": -2.0,
    "scammed": -2.5,
    "ripoff": -2.5,
    "rip-off": -2.5,
    "unhelpful": -1.8,
    "canceled": -1.0,
    "nightmare": -2.4,
    "hassle": -1.5,
    "shambles": -2.0,
    "appalling": -2.6,
    "shocking": -1.5,
    "disgraceful": -2.6,
    "unreachable": -1.3,
    # laughter marks a light tone more than a positive opinion
    "lol": 1.0,
    "lmao": 1.0,
    "lmfao": 1.0,
    "haha": 1.0,
    "hahaha": 1.0,
    "hehe": 1.0,
    "rofl": 1.0,
}

# Politeness and request words carry no opinion of their own ("please help", "customer care").
NEUTRAL = frozenset({"please", "pls", "plz", "help", "support", "care"})
# Said in a complaint, thanks is politeness (or sarcasm), not praise.
POLITE = frozenset(
    {"thanks", "thank", "thx", "ty", "appreciate", "appreciated", "kindly", "welcome", "sure"}
)

# "like" as a verb (I like, would like) carries an opinion; as a preposition it does not.
LIKE_SUBJECTS = _words(
    """i we they you u really totally definitely i'd would do does did dont don't didn't doesn't
    didnt doesnt ya yall y'all people who also just still actually kinda to gotta might will wo
    and much so"""
)

# Emoji whose VADER description misses the point in customer messages, with their own valence.
EMOJI: dict[str, float] = {
    "\U0001f621": -2.5,  # pouting face
    "\U0001f92c": -3.0,  # symbols on mouth
    "\U0001f624": -1.8,  # steam from nose
    "\U0001f44e": -2.0,  # thumbs down
    "\U0001f644": -1.5,  # rolling eyes
    "\U0001f612": -1.5,  # unamused
    "\U0001f611": -0.8,  # expressionless
    "\U0001f926": -1.5,  # facepalm
    "\U0001f494": -2.0,  # broken heart
    "\U0001f44d": 1.5,  # thumbs up
    "\U0001f44f": 1.5,  # clapping
    "\U0001f4af": 1.2,  # hundred points
    "\U0001f64c": 1.8,  # raising hands
    "\U0001f4aa": 1.2,  # flexed biceps
    "\U0001f609": 1.0,  # winking
    "\U0001f525": 1.5,  # fire: "lit"
    "\u2764": 2.5,  # red heart
    "\U0001f64f": 0.5,  # folded hands: thanks or please
}

# Phrases of a customer with a problem; (label, pattern, valence). VADER scores most as neutral.
_CARE_PHRASES: list[tuple[str, str, float]] = [
    (
        "still waiting",
        r"\bstill (?:waiting|no\b|not\b|nothing|have ?n'?t|has ?n'?t|haven'?t|hasn'?t|don'?t|"
        r"doesn'?t|can'?t|cannot|won'?t|didn'?t|isn'?t|broken|down|unable|haven't)",
        -1.5,
    ),
    (
        "not working",
        r"\b(?:n(?:ot|ever|o longer)|is(?:n'?t|nt)|aren'?t|stopped|do(?:esn'?t|n'?t)|"
        r"w(?:on'?t|ont)|didn'?t|ca(?:n'?t|nnot)|unable to)\s+(?:be\s+)?"
        r"(?:work(?:ing|s)?|load(?:ing|s)?|connect(?:ing|s)?|respond(?:ing|s)?|open(?:ing|s)?|"
        r"turn(?:ing)? on|charg(?:e|es|ing)|sync(?:ing|s)?|updat(?:e|es|ing)|install(?:ing|s)?|"
        r"download(?:ing|s)?|play(?:ing)?|stream(?:ing)?|log (?:me )?in|logging in|"
        r"sign (?:me )?in|let me|allow(?:ing)? me)\b",
        -1.8,
    ),
    (
        "keeps failing",
        r"\bkeeps? (?:on )?(?:crashing|freezing|failing|dropping|disconnecting|logging me out|"
        r"buffering|glitching|lagging|declining|rejecting|cancell?ing|charging me)",
        -1.8,
    ),
    (
        "not received",
        r"\b(?:never|ha(?:ve ?n'?t|s ?n'?t|ven'?t|sn'?t|ve not|s not)|did(?:n'?t| not)|not yet|"
        r"yet to)\s+(?:been\s+)?(?:receive[ds]?|arrived?|got|gotten|get|come|came|shown up|"
        r"showed up|delivered|heard back|refunded|responded|replied|credited|processed)\b",
        -1.6,
    ),
    (
        "long wait",
        r"\b(?:on hold|waited|waiting|wait(?:ing)? time|been waiting|queue)\b[^.!?]{0,40}?"
        r"\b(?:\d+|an?|over an?|two|three|several|few)\s*\+?\s*(?:min(?:ute)?s?|hours?|hrs?|days?|"
        r"weeks?|months?)\b",
        -1.5,
    ),
    (
        "no reply",
        r"\b(?:no ?one|no ?body) (?:has |have |is |will |ever )?(?:repl(?:y|ies|ied)|"
        r"respond(?:s|ed)?|answer(?:s|ed)?|help(?:s|ed)?|call(?:s|ed)?|got back|gets back|cares?)"
        r"|\bno (?:response|reply|replies|answer|answers|feedback|call ?back)\b",
        -1.5,
    ),
    ("charged twice", r"\b(?:charged (?:me )?(?:twice|again|double)|double[- ]charged)", -2.0),
    ("thanks for nothing", r"\bthanks? (?:you )?for nothing\b", -2.5),
    ("a joke", r"\b(?:is|was|are|such|what|absolute|complete|total) an? (?:joke|disgrace)\b", -3.0),
    (
        "never again",
        r"\bnever (?:again|ever again|using|fly(?:ing)?|shop(?:ping)?|buy(?:ing)?)\b",
        -2.0,
    ),
    (
        "cannot access",
        r"\b(?:unable to|can'?t|cannot|could ?n'?t|couldnt) (?:log ?in|login|sign ?in|access|"
        r"connect|get through|reach|contact|use|find|get into|reset|make a|place|complete)\b",
        -1.2,
    ),
    ("where is my", r"\bwhere(?:'s| is| are) (?:my|our)\b", -0.8),
    ("fix it", r"\b(?:fix|sort) (?:this|it|that|your|my|the)\b", -0.8),
    ("waste of", r"\b(?:waste of|wasted my) (?:time|money)\b", -2.0),
]
CARE_PHRASES: list[tuple[str, re.Pattern[str], float]] = [
    (label, re.compile(pattern), valence) for label, pattern, valence in _CARE_PHRASES
]
# A care phrase can only match when the text has a word of each of its sets (cheap to test).
_NOT = _words(
    """not never no isn't isnt aren't arent stopped doesn't doesnt don't dont won't wont didn't
    didnt can't cant cannot unable haven't havent hasn't hasnt have has did yet"""
)
_GATES: dict[str, tuple[frozenset[str], ...]] = {
    "still waiting": (_words("still"),),
    "not working": (
        _NOT,
        _words(
            """work working works load loading loads connect connecting connects respond
            responding responds open opening opens turn turning charge charges charging sync
            syncing syncs update updates updating install installing installs download
            downloading downloads play playing stream streaming log logging sign let allow
            allowing"""
        ),
    ),
    "keeps failing": (_words("keep keeps"),),
    "not received": (
        _NOT,
        _words(
            """received receive receives arrived arrive got gotten get come came shown showed
            delivered heard refunded responded replied credited processed"""
        ),
    ),
    "long wait": (
        _words("hold waited waiting wait queue"),
        _words("min mins minute minutes hour hours hr hrs day days week weeks month months"),
    ),
    "no reply": (_words("no nobody noone"),),
    "charged twice": (_words("charged"),),
    "thanks for nothing": (_words("nothing"),),
    "a joke": (_words("joke disgrace"),),
    "never again": (_words("never"),),
    "cannot access": (_words("unable can't cant cannot couldn't couldnt could"),),
    "where is my": (_words("where where's"),),
    "fix it": (_words("fix sort"),),
    "waste of": (_words("waste wasted"),),
}
CARE_GATED: list[tuple[str, re.Pattern[str], float, tuple[frozenset[str], ...]]] = [
    (label, pattern, valence, _GATES[label]) for label, pattern, valence in CARE_PHRASES
]


# "can't wait" is eagerness, unless it is a customer who cannot wait any longer.
CANT_WAIT = re.compile(
    r"\b(?:can'?t|cannot|can not)\s+wait\b(?!\s+(?:any\s*longer|any ?more|forever|all day|"
    r"much longer|on hold))"
)

# "no" before a noun ("no idea") is a determiner; before what a customer lacks it is a complaint.
LACKING = _words(
    """signal service internet wifi wi-fi refund help update
    updates sound power connection email call callback contact delivery tracking confirmation
    access data notice explanation apology progress money heat water information info"""
)

# Actionability: what needs an agent.
PROBLEM_WORDS = _words(
    """problem problems issue issues error errors bug bugs glitch glitches outage outages crash
    crashed crashes crashing broken broke refund refunds refunded cancel cancelled canceled
    cancellation delay delayed delays late missing lost damaged faulty defective hacked locked
    suspended blocked banned charged overcharged billed bill billing scam fraud fraudulent complaint
    complain complained disappointed disappointing terrible worst awful horrible useless rude
    unacceptable ridiculous pathetic waiting wait hold stuck frozen freezing fails failed failing
    declined wrong incorrect unable disconnected slow laggy unresponsive unusable stolen leaking
    leak replacement return exchange compensation overdue expired invalid denied rejected
    disgusting appalling shocking nightmare hassle shambles"""
)
SERVICE_OBJECTS = _words(
    """order orders package parcel delivery account booking reservation flight bag bags luggage
    ticket tickets refund subscription card payment bill plan phone device app item items purchase
    claim case router internet service connection email password money points voucher return
    exchange tracking shipment seat train bus car laptop tv console game membership
    policy insurance loan"""
)
REQUEST_PATTERN = _fast_words(
    r"please|pls|plz|plse|kindly|can (?:you|u|someone|i|we)|could (?:you|u|someone|i|we)|"
    r"would (?:you|u)|will (?:you|u)|how (?:do|can|does|should|to|long)|where (?:can|do|is|are)|"
    r"is there (?:a|any)|are there any|need (?:help|assistance|support|a refund|a replacement)|"
    r"(?:i|we) (?:need|want|would like|'d like) to (?:speak|talk|know|cancel|change|return|get|"
    r"find|reset|update|contact|reach|access|fix|sort|order|book|report|complain|make)|"
    r"let me know|dm me|dm'd|direct message|sent (?:you )?an? "
    r"(?:dm|email|message)|check (?:your|ur) (?:dm|inbox)|contact me|call me|email me|get back "
    r"to me|any (?:update|news|idea|info)|what(?:'s| is) going on|when (?:will|is|can|do|does)|"
    r"why (?:is|does|do|did|are|can'?t|isn'?t|won'?t|doesn'?t|don'?t|would|has|have)|"
    r"help me|help us|assist|reach (?:you|out)|speak to|talk to|resolve|escalate|advice|"
    r"any ?way to|what (?:shall|should|do|can) (?:i|we) do|explain|expedite|check (?:my|our|the)|"
    r"look into|take care of|needs? to be|what kind of|what type of|what the (?:fuck|heck|hell)|"
    r"how come|oh no"
)
QUESTION_WORDS = _words("how why where can could would is are do does did should")
SPAM_PATTERN = _fast_words(
    r"giveaway|give away|sweepstakes|enter to win|chance to win|win a|to win|follow (?:me|us|"
    r"back)|followers|retweet|rt to|sign up|signup|check out|click|subscribe|promo|coupon|discount|"
    r"\d+% off|sponsored|#ad|free (?:shipping|trial|samples?)|join (?:us|me|now)|download now|"
    r"buy now|shop now|link in bio|dm for|available now|survey|surveys|earn|work from home"
)
# Every promotion phrase has one of these words (or a percentage).
SPAM_WORDS = _words(
    """giveaway give sweepstakes enter chance win follow followers retweet rt sign signup check
    click subscribe promo coupon discount off sponsored ad free join download buy shop link dm
    available survey surveys earn work"""
)
PRAISE_PATTERN = _fast_words(
    r"thank you|thanks|thx|ty|cheers|kudos|shout ?out|great (?:job|service|work)|well done|"
    r"love (?:you|your|it|this|the)|amazing|awesome|brilliant|excellent|fantastic|best"
)
SECOND_PERSON = frozenset({"you", "your", "you're", "youre", "ur", "u", "yall", "y'all"})
TIME_WORDS = _words(
    """yesterday today tonight hours hour days day weeks week months month since again ago still
    already minutes mins hrs yet"""
)
NEGATIONS = _words(
    """not no never nothing nobody none cannot can't cant don't dont doesn't doesnt didn't didnt
    won't wont isn't isnt wasn't wasnt haven't havent hasn't hasnt aren't arent couldn't couldnt"""
)
# Social chatter and talk about third persons: replies between people, not to a brand.
CHATTER = _words(
    """lol lmao lmfao haha hahaha omg omfg congrats congratulations same agree cute beautiful
    gorgeous miss proud bless blessed babe girl bro dude yeah yep nope wow ikr tbh"""
)
THIRD_PERSON = _words("he she him her his hers they them their he's she's")
